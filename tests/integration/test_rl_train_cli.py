"""``tradecore-replay rl train`` (PPO, 2 seeds, a small budget) -> policy
directories and a structured verdict; a policy trades in a replay; tampered policy
directories are refused before anything is unpickled (exit 7).

Marked ``rl``: needs stable-baselines3 and torch (``nox -s rl``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.adapters.signing import read_signed_manifest
from tradecore.apps.replay.demo_data import demo_calendar
from tradecore.apps.replay.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import Shape, generate_bars

pytestmark = pytest.mark.rl
pytest.importorskip("stable_baselines3")

runner = CliRunner()
FEATURES = """
[[feature]]
name = "r5"
kind = "return"
n = 5

[[feature]]
name = "rsi"
kind = "rsi"
period = 10
"""


def _write_csv(folder: Path, frames: list[BarFrame]) -> Path:
    folder.mkdir(parents=True)
    for f in frames:
        lines = ["timestamp,open,high,low,close,volume"]
        for i in range(len(f)):
            at = datetime.fromtimestamp(int(f.timestamps[i]) / 1e9, UTC).isoformat()
            row = (f.open[i], f.high[i], f.low[i], f.close[i], f.volume[i])
            lines.append(at + "," + ",".join(repr(float(v)) for v in row))
        (folder / f"{f.symbol}.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("rl")
    frames = generate_bars(
        ("AAPL", "MSFT"),
        3 * 390,  # three XNYS sessions of one-minute bars: 5-7 January 2026
        start=datetime(2026, 1, 5, 14, 30, tzinfo=UTC),
        seed=11,
        shape=Shape.ONE_FACTOR,
        calendar=demo_calendar(),
    )
    features = root / "features.toml"
    features.write_text(FEATURES)
    return {
        "root": root,
        "bars": _write_csv(root / "bars", frames),
        "features": features,
        "dev": root / "dev-key",
    }


def _cli(ws: dict[str, Path], *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, list(args), env={"TRADECORE_DEV_KEY_DIR": str(ws["dev"])}
    )
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def trained(ws: dict[str, Path]) -> tuple[int, str, Path]:
    out = ws["root"] / "policies"
    code, output = _cli(
        ws,
        "rl",
        "train",
        "--algo",
        "ppo",
        "--seeds",
        "2",
        "--features",
        str(ws["features"]),
        "--data",
        str(ws["bars"]),
        "--train-start",
        "2026-01-05",
        "--train-end",
        "2026-01-06",
        "--test-start",
        "2026-01-07",
        "--test-end",
        "2026-01-07",
        "--timesteps",
        "256",
        "--episode-bars",
        "64",
        "--name-cap",
        "0.5",
        "--out",
        str(out),
    )
    return code, output, out


def test_two_seeds_train_and_the_gate_gives_a_structured_verdict(
    trained: tuple[int, str, Path],
) -> None:
    code, output, out = trained
    verdict = json.loads((out / "verdict.json").read_text())
    assert code == (0 if verdict["passed"] else errors.DOMAIN), output
    names = {c["name"] for c in verdict["criteria"]}
    assert {"mean_sharpe", "sharpe_std", "max_drawdown", "net_return"} <= names
    assert {"turnover_min", "turnover_max", "dsr"} <= names
    for criterion in verdict["criteria"]:
        assert set(criterion) == {"name", "value", "comparison", "threshold", "passed"}
        assert f"{criterion['name']}:" in output
    assert verdict["passed"] == all(c["passed"] for c in verdict["criteria"])
    assert [s["seed"] for s in verdict["seeds"]] == [0, 1]
    # Out of sample: the test span starts after the training span ends.
    assert verdict["test"]["start"] > verdict["train"]["end"]
    assert (
        verdict["test"]["dataset_fingerprint"]
        != verdict["train"]["dataset_fingerprint"]
    )
    for seed in verdict["seeds"]:
        folder = Path(seed["policy_dir"])
        manifest = read_signed_manifest(folder / "manifest.json").manifest
        assert manifest.model_hash == seed["policy_sha256"]
        assert manifest.dataset_fingerprint == verdict["train"]["dataset_fingerprint"]
        # The evaluation replay ran the policy, bound by its hash, and traded.
        run = read_signed_manifest(folder / "test-replay" / "manifest.json").manifest
        assert run.model_hash == seed["policy_sha256"]
        assert seed["fills"] > 0


def test_a_policy_runs_as_a_strategy_in_replay(
    ws: dict[str, Path], trained: tuple[int, str, Path], tmp_path: Path
) -> None:
    policy = trained[2] / "seed-1"
    code, output = _cli(
        ws,
        "run",
        "--data",
        str(ws["bars"]),
        "--strategy",
        "policy",
        "--param",
        f"policy_dir={policy}",
        "--out",
        str(tmp_path / "run"),
    )
    assert code == 0, output
    assert int(re.search(r"fills: (\d+)", output)[1]) > 0  # type: ignore[index]


def _append(name: str) -> Callable[[Path], None]:
    return lambda d: (d / name).write_bytes((d / name).read_bytes() + b"x")


def _edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(d: Path) -> None:
        text = (d / name).read_text()
        assert old in text
        (d / name).write_text(text.replace(old, new, 1))

    return edit


def _card_fingerprint(d: Path) -> None:
    card = json.loads((d / "policy_card.json").read_text())
    card["dataset_fingerprint"] = "0" * 64
    (d / "policy_card.json").write_text(json.dumps(card))


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_append("policy.zip"), "model_hash"),
        (_edit("features.toml", "period = 10", "period = 11"), "feature_schema_hash"),
        (_card_fingerprint, "dataset_fingerprint"),
        (_edit("manifest.json", '"embargo_bars": 0', '"embargo_bars": 1'), "signature"),
    ],
    ids=["artifact", "features", "card-fingerprint", "manifest"],
)
def test_tampered_policy_dirs_are_refused_with_exit_7(
    ws: dict[str, Path],
    trained: tuple[int, str, Path],
    tmp_path: Path,
    tamper: Callable[[Path], None],
    message: str,
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(
        trained[2] / "seed-0", copy, ignore=shutil.ignore_patterns("test-replay")
    )
    tamper(copy)
    code, output = _cli(
        ws,
        "run",
        "--data",
        str(ws["bars"]),
        "--strategy",
        "policy",
        "--param",
        f"policy_dir={copy}",
        "--out",
        str(tmp_path / "run"),
    )
    assert code == errors.MANIFEST_REJECTED, output
    assert message in output
    assert "Traceback" not in output


def _sac(ws: dict[str, Path], out: Path) -> dict[str, object]:
    code, output = _cli(
        ws,
        "rl",
        "train",
        "--algo",
        "sac",
        "--seeds",
        "1",
        "--features",
        str(ws["features"]),
        "--data",
        str(ws["bars"]),
        "--train-start",
        "2026-01-05",
        "--train-end",
        "2026-01-06",
        "--test-start",
        "2026-01-07",
        "--test-end",
        "2026-01-07",
        "--timesteps",
        "200",
        "--episode-bars",
        "50",
        "--long-only",
        "--out",
        str(out),
    )
    assert code in (0, errors.DOMAIN), output
    document: dict[str, object] = json.loads((out / "verdict.json").read_text())
    return document


def test_sac_trains_and_the_same_seed_gives_the_same_test_figures(
    ws: dict[str, Path], tmp_path: Path
) -> None:
    one, two = _sac(ws, tmp_path / "one"), _sac(ws, tmp_path / "two")
    assert one["algo"] == "sac"
    assert one["options"]["space"]["long_only"] is True  # type: ignore[index]
    # The weights (so the test replay) repeat; the zip's bytes need not: SB3 also
    # stores reprs holding memory addresses, so each artifact has its own sha256.
    drop = {"policy_dir", "policy_sha256"}
    figures = [
        [{k: v for k, v in s.items() if k not in drop} for s in d["seeds"]]  # type: ignore[attr-defined]
        for d in (one, two)
    ]
    assert figures[0] == figures[1]
    assert one["criteria"] == two["criteria"]


def test_an_out_folder_with_policies_is_refused_without_force(
    ws: dict[str, Path], trained: tuple[int, str, Path]
) -> None:
    out = trained[2]
    before = (out / "verdict.json").read_bytes()
    code, output = _cli(
        ws,
        "rl",
        "train",
        "--features",
        str(ws["features"]),
        "--data",
        str(ws["bars"]),
        "--train-start",
        "2026-01-05",
        "--train-end",
        "2026-01-06",
        "--test-start",
        "2026-01-07",
        "--test-end",
        "2026-01-07",
        "--out",
        str(out),
    )
    assert code == errors.CONFIG_OR_AUTH, output
    assert "--force" in output
    assert (out / "verdict.json").read_bytes() == before
