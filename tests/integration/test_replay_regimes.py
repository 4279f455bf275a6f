"""A replay with ``[regime]``: each decision records its regime, execution turns
passive in the volatile one, the regime breaker moves trading to REDUCING, the
refits are written beside the run and the report shows P&L and costs by regime;
the same inputs give the same files; without ``[regime]`` nothing changes."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.signing.manifest_file import read_signed_manifest
from tradecore.apps.replay.demo_data import demo_calendar
from tradecore.apps.replay.main import app
from tradecore.domain.market.planted_regimes import planted_regime_bars

runner = CliRunner()
CONFIG = """
[regime]
enabled = true
refit = "390"
min_history = 300
multipliers = [1.0, 0.5]
passive_above = 0.7
breaker_probability = 0.8
breaker_bars = 30
"""


@pytest.fixture(scope="module")
def bars(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bars")
    planted = planted_regime_bars(
        3000,
        seed=5,
        start=datetime(2026, 1, 5, tzinfo=UTC),
        calendar=demo_calendar(),
        mean_duration=300,
    )
    write_bar_files(folder, [planted.frame])
    return folder


def _replay(bars: Path, out: Path, config: str | None) -> None:
    args = ["run", "--data", str(bars), "--strategy", "sma_cross", "--param",
            "fast=5", "--param", "slow=20", "--net-of-cost", "--out", str(out)]  # fmt: skip
    if config is not None:
        (out.parent / "regime.toml").write_text(config)
        args += ["--config", str(out.parent / "regime.toml")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


def _details(out: Path) -> list[dict[str, object]]:
    rows = csv.DictReader((out / "decisions.csv").read_text().splitlines())
    return [json.loads(r["details"]) for r in rows]


def test_regimes_reach_every_decision_the_policy_the_breaker_and_the_report(
    bars: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    _replay(bars, out, CONFIG)
    details = _details(out)
    with_regime = [d for d in details if "regime" in d]
    assert len(with_regime) > len(details) // 2  # all after the first fit
    for d in with_regime:
        regime = d["regime"]
        assert isinstance(regime, dict)
        p_high = regime["probabilities"][1]
        features = d["policy"]["features"]  # type: ignore[index]
        assert features["regime_high_vol"] == pytest.approx(p_high, abs=1e-6)
        if p_high > 0.7:
            assert d["policy"]["policy"] == "passive_limit"  # type: ignore[index]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["breaker_trips_by_name"] == {"regime": 1}
    assert summary["trading_state"] == "reducing"
    fits = json.loads((out / "regimes.json").read_text())
    assert len(fits["series"]["REGM"]) == (3000 - 300) // 390 + 1
    assert fits["config"]["refit"] == "390"
    assert summary["regime_fits_sha256"] == fits["fits_sha256"]
    assert summary["regime_fits_match_manifest"] is True
    signed = read_signed_manifest(out / "manifest.json")
    bound = {s.name: s.fingerprint for s in signed.manifest.data_sources}
    assert bound["regimes/regimes.json"] == fits["fits_sha256"]
    config = json.loads((out / "config.json").read_text())
    assert config["regime"]["multipliers"] == [1.0, 0.5]
    page = (out / "report.html").read_text()
    assert '<section id="regimes"><h2>By regime' in page
    again = tmp_path / "again"
    _replay(bars, again, CONFIG)
    for name in ("decisions.csv", "regimes.json", "fills.csv", "manifest.json"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_without_regime_nothing_changes(bars: Path, tmp_path: Path) -> None:
    out = tmp_path / "plain"
    _replay(bars, out, None)
    assert not any("regime" in d for d in _details(out))
    assert not (out / "regimes.json").exists()
    assert "regime" not in json.loads((out / "config.json").read_text())
    assert 'id="regimes"' not in (out / "report.html").read_text()


def test_a_bad_regime_key_is_one_line(bars: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('[regime]\nenabled = true\nrefit = "hourly"\n')
    result = runner.invoke(
        app,
        ["run", "--data", str(bars), "--config", str(tmp_path / "bad.toml"),
         "--out", str(tmp_path / "x")],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "refit" in result.output
    assert "Traceback" not in result.output
