"""``tradecore-replay promote``: the multi-seed gate, its stamp, and live's refusal.

A strategy that knows (point in time) the pattern planted in its data passes; the
same strategy on a random walk fails, with every reason; ``tradecore-live run`` with
``[model] require_promotion = true`` trades only a manifest whose stamp passed.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.research_strategies import planted_frames
from tests.risk_support import sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.signing import read_signed_manifest
from tradecore.adapters.sim import SimClock
from tradecore.apps.config.operations import ModelSettings
from tradecore.apps.config.settings import Settings
from tradecore.apps.live.main import app as live_app
from tradecore.apps.live.manifest_gate import gate_strategy
from tradecore.apps.replay.main import app
from tradecore.apps.wiring import errors
from tradecore.apps.wiring.calendars import calendars_between
from tradecore.domain.errors import ManifestMissing
from tradecore.domain.hashing import sha256_bytes
from tradecore.domain.market.bar_frame import from_ns
from tradecore.domain.market.datagen import generate_bars
from tradecore.ports.alerts import Alert

runner = CliRunner()
STRATEGY = "tests.integration.research_strategies:PlantedEdge"
SEEDS = "3"


class Lab:
    """Planted-edge and random-walk bars, each replayed once by ``run``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {"TRADECORE_DEV_KEY_DIR": str(root / "dev-key")}
        calendar = calendars_between("XNYS", date(2026, 1, 1), date(2026, 3, 1)).regular
        for name, edge in (("planted", 0.002), ("random", 0.0)):
            bars = root / f"{name}-bars"
            frames = planted_frames(["AAA", "BBB"], 400, calendar, seed=1, edge=edge)
            write_bar_files(bars, frames)
            done = self.replay(
                "run",
                "--data",
                str(bars),
                "--strategy",
                STRATEGY,
                "--out",
                str(root / name),
            )
            assert done.exit_code == 0, done.output

    def replay(self, *args: str) -> object:
        return runner.invoke(app, list(args), env=self.env)

    def run_dir(self, name: str) -> Path:
        return self.root / name


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    return Lab(tmp_path_factory.mktemp("lab"))


@pytest.fixture(scope="module")
def planted(lab: Lab) -> tuple[int, str, Path, str]:
    """The planted run promoted (with a stress scenario); its manifest before."""
    folder = lab.run_dir("planted")
    before = (folder / "manifest.json").read_text()
    result = runner.invoke(
        app,
        ["promote", str(folder), "--seeds", SEEDS, "--stress", "costs=2x"],
        env=lab.env,
    )
    return result.exit_code, result.output, folder, before


@pytest.fixture(scope="module")
def random_walk(lab: Lab) -> tuple[int, str, Path]:
    folder = lab.run_dir("random")
    result = runner.invoke(app, ["promote", str(folder), "--seeds", SEEDS], env=lab.env)
    return result.exit_code, result.output, folder


@pytest.mark.heavy
def test_the_planted_edge_passes_every_criterion(
    planted: tuple[int, str, Path, str],
) -> None:
    code, output, folder, _ = planted
    assert code == 0, output
    assert "promotion PASSED" in output
    document = json.loads((folder / "promotion.json").read_text())
    assert document["passed"] is True
    names = {c["name"] for c in document["criteria"]}
    assert names == {
        "mean_sharpe",
        "sharpe_std",
        "max_drawdown",
        "net_return",
        "turnover_min",
        "turnover_max",
        "dsr",
        "stress_net_return",
        "leakage",
    }
    assert all(c["passed"] for c in document["criteria"])
    assert [s["seed"] for s in document["seeds"]] == [7, 8, 9]
    assert list(document["stress"]) == ["costs=2x"]
    assert document["leakage"]["passed"] is True
    assert document["reasons"] == []


def test_the_stamp_binds_promotion_json_into_the_re_signed_manifest(
    planted: tuple[int, str, Path, str],
) -> None:
    _, _, folder, before = planted
    signed = read_signed_manifest(folder / "manifest.json")
    stamp = signed.manifest.promotion
    assert stamp is not None
    assert stamp.passed is True
    assert stamp.promotion_sha256 == sha256_bytes(
        (folder / "promotion.json").read_bytes()
    )
    assert signed.signature is not None
    old = json.loads(before)["manifest"]
    new = json.loads((folder / "manifest.json").read_text())["manifest"]
    assert "promotion" not in old
    assert {k: v for k, v in new.items() if k != "promotion"} == old


@pytest.mark.heavy
def test_a_random_walk_fails_with_every_reason(
    random_walk: tuple[int, str, Path],
) -> None:
    code, output, folder = random_walk
    assert code == errors.DOMAIN, output
    assert "promotion FAILED" in output
    document = json.loads((folder / "promotion.json").read_text())
    assert document["passed"] is False
    failed = {c["name"] for c in document["criteria"] if not c["passed"]}
    assert {"mean_sharpe", "net_return", "dsr"} <= failed
    assert len(document["reasons"]) == len(failed)
    for criterion in document["criteria"]:
        assert set(criterion) == {"name", "value", "comparison", "threshold", "passed"}
    stamp = read_signed_manifest(folder / "manifest.json").manifest.promotion
    assert stamp is not None
    assert stamp.passed is False


def test_a_failed_gate_alerts_through_the_configured_sinks(
    lab: Lab, random_walk: tuple[int, str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    config = lab.root / "alerts.toml"
    config.write_text("[promotion]\nleakage_cuts = 2\n")
    caplog.set_level("INFO")
    result = runner.invoke(
        app,
        ["promote", str(random_walk[2]), "--seeds", "1", "--config", str(config)],
        env=lab.env,
    )
    assert result.exit_code == errors.DOMAIN, result.output
    alerts = [r for r in caplog.records if r.name == "tradecore.alerts.sink"]
    assert any("research.gate_failed" in r.getMessage() for r in alerts)
    document = json.loads((random_walk[2] / "promotion.json").read_text())
    assert len(document["leakage"]["cuts_ns"]) == 2


def test_promote_refuses_other_data(lab: Lab) -> None:
    result = runner.invoke(
        app,
        [
            "promote",
            str(lab.run_dir("planted")),
            "--seeds",
            "1",
            "--data",
            str(lab.root / "random-bars"),
        ],
        env=lab.env,
    )
    assert result.exit_code == errors.MANIFEST_REJECTED
    assert "dataset_fingerprint" in result.output


def test_bad_promotion_settings_are_one_clear_line(lab: Lab) -> None:
    config = lab.root / "bad.toml"
    config.write_text('[promotion]\nmin_dsr = "high"\n')
    result = runner.invoke(
        app,
        ["promote", str(lab.run_dir("planted")), "--config", str(config)],
        env=lab.env,
    )
    assert result.exit_code == errors.CONFIG_OR_AUTH
    assert "promotion.min_dsr = 'high': expected a number" in result.output
    assert "Traceback" not in result.output


def test_not_a_run_folder_is_refused(lab: Lab) -> None:
    result = runner.invoke(app, ["promote", str(lab.root / "nowhere")], env=lab.env)
    assert result.exit_code == errors.CONFIG_OR_AUTH
    assert "not a finished replay folder" in result.output


def _live(lab: Lab, manifest: Path, require: bool, bars: str) -> tuple[int, str]:
    db = lab.root / f"live-{manifest.parent.name}-{require}.db"
    sqlite_store(db).close()
    config = lab.root / f"live-{require}.toml"
    config.write_text(
        "[signing]\nallow_dev_key = true\n"
        f'dev_key_dir = "{lab.root / "dev-key"}"\n'
        f"[model]\nrequire_promotion = {str(require).lower()}\n"
    )
    result = runner.invoke(
        live_app,
        [
            *("--config", str(config), "--database-url", f"sqlite:///{db}"),
            *("run", "--bars", str(lab.root / bars), "--strategy", STRATEGY),
            *("--manifest", str(manifest), "--max-cycles", "20"),
        ],
        env={"TRADECORE_BROKER": "simulated", "TRADECORE_DEV_KEY_DIR": None},  # type: ignore[dict-item]
    )
    return result.exit_code, result.output


def test_live_trades_a_promoted_manifest_and_refuses_a_failed_one(
    lab: Lab,
    planted: tuple[int, str, Path, str],
    random_walk: tuple[int, str, Path],
) -> None:
    code, output = _live(lab, planted[2] / "manifest.json", True, "planted-bars")
    assert code == 0, output
    code, output = _live(lab, random_walk[2] / "manifest.json", True, "random-bars")
    assert code == errors.MANIFEST_REJECTED, output
    assert "failed its promotion gate" in output


def test_live_refuses_a_never_promoted_manifest_only_when_required(
    lab: Lab, planted: tuple[int, str, Path, str]
) -> None:
    unpromoted = lab.root / "unpromoted" / "manifest.json"
    unpromoted.parent.mkdir(exist_ok=True)
    unpromoted.write_text(planted[3])
    code, output = _live(lab, unpromoted, True, "planted-bars")
    assert code == errors.MANIFEST_REJECTED, output
    assert "never promoted" in output
    code, output = _live(lab, unpromoted, False, "planted-bars")
    assert code == 0, output


class _Alerts:
    def __init__(self) -> None:
        self.sent: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.sent.append(alert)


def test_require_promotion_refuses_paper_trading_without_a_manifest() -> None:
    frames = generate_bars(
        ["AAA"], 10, start=datetime(2026, 1, 5, 15, tzinfo=UTC), seed=2
    )
    alerts = _Alerts()
    with pytest.raises(ManifestMissing, match="require_promotion is on"):
        gate_strategy(
            Settings(model=ModelSettings(require_promotion=True)),
            manifest_option=None,
            strategy="sma_cross",
            params={},
            frames=frames,
            interval=timedelta(minutes=1),
            live=False,
            alerter=alerts,
            clock=SimClock(from_ns(int(frames[0].timestamps[0]))),
        )
    assert [a.code for a in alerts.sent] == ["manifest.rejected"]


@pytest.mark.heavy
def test_the_sweep_it_came_from_deflates_the_sharpe(lab: Lab, tmp_path: Path) -> None:
    """``--sweep DIR``: the trials a sweep ran (and their Sharpe variance) enter the
    DSR; a run chosen from a thousand wide-spread trials is no longer significant."""
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "sweep.json").write_text(
        json.dumps({"n_trials": 1000, "trials_sr_variance": 0.05})
    )
    folder = tmp_path / "planted"
    shutil.copytree(lab.run_dir("planted"), folder)
    result = runner.invoke(
        app,
        ["promote", str(folder), "--seeds", "1", "--sweep", str(sweep)],
        env=lab.env,
    )
    document = json.loads((folder / "promotion.json").read_text())
    assert document["dsr"]["n_trials"] == 1000
    assert document["dsr"]["trials_sr_variance"] == 0.05
    dsr = next(c for c in document["criteria"] if c["name"] == "dsr")
    assert dsr["passed"] is False, result.output


def test_a_folder_without_a_sweep_summary_is_one_line(lab: Lab, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["promote", str(lab.run_dir("planted")), "--sweep", str(tmp_path)],
        env=lab.env,
    )
    assert result.exit_code == errors.CONFIG_OR_AUTH
    assert result.output.strip() == f"error: --sweep {tmp_path}: no sweep.json in it"
