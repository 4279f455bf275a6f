"""Two strategies in one account through the allocator, end to end (issue 23).

The real ``tradecore-replay run --strategy portfolio --param config=...`` on
generated bars: budgets in the targets, attribution that adds up to the account's
P&L, a ``portfolio.correlation`` alert when two identical strategies are combined,
and one clear line (and exit code) for a bad config or a manifest of another
strategy.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import tradecore as tc
from tests.risk_support import audit_rows
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.wiring.errors import MANIFEST_REJECTED
from tradecore.apps.wiring.strategy_loader import load_strategy
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.strategies.portfolio_strategy import PortfolioStrategy

START = datetime(2024, 1, 2, tzinfo=UTC)
SYMBOLS = ["AAA", "BBB", "CCC", "DDD"]

TWO = """
[portfolio]
method = "{method}"
{extra}
[portfolio.constraints]
gross_target = 0.9
[portfolio.estimation]
window = 60
min_observations = 20

[[strategies]]
name = "trend"
strategy = "sma_cross"
params = {{ fast = 5, slow = 20 }}
budget = 3.0
{manifest}
[[strategies]]
name = "{second}"
strategy = "{second_strategy}"
params = {second_params}
budget = 1.0
"""


def config(
    folder: Path,
    *,
    method: str = "inverse_vol",
    extra: str = "",
    twin: bool = False,
    manifest: str = "",
) -> Path:
    text = TWO.format(
        method=method,
        extra=extra,
        manifest=manifest,
        second="twin" if twin else "reversion",
        second_strategy="sma_cross" if twin else "rsi_reversion",
        second_params="{ fast = 5, slow = 20 }" if twin else "{ period = 14 }",
    )
    path = folder / "portfolio.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def bars(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bars")
    write_bar_files(folder, generate_bars(SYMBOLS, 300, start=START, seed=11))
    return folder


def replay_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "tradecore.apps.replay.main", "run", *args]
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def run_portfolio(bars: Path, toml: Path, out: Path) -> tuple[dict[str, object], Path]:
    done = replay_cli(
        "--data", str(bars), "--calendar", "24/7", "--strategy", "portfolio",
        "--param", f"config={toml}", "--out", str(out), cwd=out.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((out / "summary.json").read_text()), out


def test_attribution_adds_up_to_the_accounts_pnl(bars: Path, tmp_path: Path) -> None:
    summary, out = run_portfolio(bars, config(tmp_path), tmp_path / "out")
    block = summary["portfolio"]
    assert isinstance(block, dict)
    assert block["budgets"] == {"reversion": 0.25, "trend": 0.75}
    assert block["allocations"] > 0
    pnl = float(Decimal(str(summary["final_equity"]))) - 1_000_000
    assert summary["fills"] > 0
    attributed = block["attribution"]
    assert set(attributed) == {"trend", "reversion"}
    assert sum(a["net"] for a in attributed.values()) == pytest.approx(pnl, abs=0.01)
    for part in attributed.values():
        assert part["net"] == pytest.approx(part["market"] - part["costs"])
        assert part["costs"] != 0.0  # each paid for its trades
    with (out / "attribution.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert sum(float(r["net"]) for r in rows) == pytest.approx(pnl, abs=0.01)
    with (out / "allocations.csv").open() as f:
        allocations = list(csv.DictReader(f))
    ids = {r["allocation_id"] for r in allocations}
    assert len(ids) == block["allocations"]
    assert block["correlation_breaches"] == []  # no alert level configured


def test_budgets_are_respected_in_the_targets_that_reach_the_engine(
    bars: Path, tmp_path: Path
) -> None:
    pf = load_strategy(
        "portfolio", {"config": str(config(tmp_path, method="equal_weight"))}
    )
    assert isinstance(pf, PortfolioStrategy)
    frames = generate_bars(SYMBOLS, 300, start=START, seed=11)
    result = tc.replay(frames, strategy=pf, calendar="24/7")
    both = 0
    for record in pf.allocations:
        gross: dict[str, float] = defaultdict(float)
        for _, parts in record.weights:
            for strategy, weight in parts:
                gross[strategy] += abs(weight)
        if gross.get("trend") and gross.get("reversion"):
            both += 1
            assert gross["trend"] / gross["reversion"] == pytest.approx(3.0)
        assert sum(gross.values()) <= 0.9 + 1e-9
    assert both > 0
    # every decision traded toward the allocation its signal names
    decided = [json.loads(str(d["details"])) for d in result.decision_rows]
    allowed = {str(q) for r in pf.allocations for _, q in (*r.targets, *r.sent)}
    assert decided
    assert all(d["target"] in allowed for d in decided)


def test_two_identical_strategies_raise_a_correlation_alert(
    bars: Path, tmp_path: Path
) -> None:
    toml = config(
        tmp_path, twin=True, extra="correlation_alert = 0.9\ncorrelation_window = 20"
    )
    summary, out = run_portfolio(bars, toml, tmp_path / "out")
    block = summary["portfolio"]
    assert isinstance(block, dict)
    breaches = block["correlation_breaches"]
    assert [b["strategies"] for b in breaches] == [["trend", "twin"]]
    found = [p for _, p in audit_rows(out / "replay.db", "alert")]
    alerts = [a for a in found if a["code"] == "portfolio.correlation"]
    assert len(alerts) == 1
    assert "trend and twin" in alerts[0]["message"]


def test_a_bad_config_is_one_line_and_a_foreign_manifest_exit_7(
    bars: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(config(tmp_path).read_text().replace("budget = 3.0", "budget = 'x'"))
    done = replay_cli(
        "--data", str(bars), "--calendar", "24/7", "--strategy", "portfolio",
        "--param", f"config={bad}", "--out", str(tmp_path / "o1"), cwd=tmp_path,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    assert "strategies[0].budget = 'x'" in errors[0]
    # a signed run manifest of rsi_reversion, named as trend's: refused (exit 7)
    frames = generate_bars(SYMBOLS, 60, start=START, seed=11)
    tc.replay(frames, strategy="rsi_reversion", calendar="24/7", out=tmp_path / "rsi")
    foreign = config(
        tmp_path, manifest=f'manifest = "{tmp_path / "rsi" / "manifest.json"}"'
    )
    done = replay_cli(
        "--data", str(bars), "--calendar", "24/7", "--strategy", "portfolio",
        "--param", f"config={foreign}", "--out", str(tmp_path / "o2"), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == MANIFEST_REJECTED, done.stdout + done.stderr
    assert "strategy_id" in done.stdout + done.stderr
    # trend's own signed manifest is accepted
    tc.replay(
        frames,
        strategy="sma_cross",
        params={"fast": 5, "slow": 20},
        calendar="24/7",
        out=tmp_path / "sma",
    )
    own = config(
        tmp_path, manifest=f'manifest = "{tmp_path / "sma" / "manifest.json"}"'
    )
    assert isinstance(
        load_strategy("portfolio", {"config": str(own)}), PortfolioStrategy
    )


def test_the_portfolios_own_risk_limits_apply_to_its_orders(
    bars: Path, tmp_path: Path
) -> None:
    risk = tmp_path / "risk.toml"
    risk.write_text("[risk.strategies.portfolio]\nmax_position_shares = 1000\n")
    out = tmp_path / "out"
    done = replay_cli(
        "--data", str(bars), "--calendar", "24/7", "--strategy", "portfolio",
        "--param", f"config={config(tmp_path)}", "--config", str(risk),
        "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "decisions.csv").open() as f:
        decisions = {
            d["decision_id"]: json.loads(d["details"]) for d in csv.DictReader(f)
        }
    with (out / "outcomes.csv").open() as f:
        outcomes = list(csv.DictReader(f))
    refused = [o for o in outcomes if o["reason"].startswith("risk:")]
    assert refused
    assert {o["reason"] for o in refused} == {"risk:max_position_shares"}
    for o in outcomes:
        target = abs(int(decisions[o["decision_id"]]["target"]))
        if o["kind"] == "submitted":
            assert target <= 1000
