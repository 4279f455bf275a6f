"""``tradecore-live strategy halt|resume`` against a running portfolio process.

A real ``tradecore-live run --strategy portfolio`` (simulated broker, paced) trades
two strategies; while it runs, the operator command halts one of them through the
shared SQLite store, then resumes it. Verified: the process applies each request at
its next cycle without a restart (its own audit events), the allocations made while
the strategy was halted give it nothing, and the run writes its attribution,
allocations and ``portfolio.json`` beside the store, with one
``portfolio.correlation`` alert per breach in the audit log.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.risk_support import audit_rows, sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app
from tradecore.domain.market.datagen import generate_bars

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
CONFIG = """
[portfolio]
id = "book"
method = "equal_weight"
sizing = "paper"
correlation_alert = 0.2
correlation_window = 10
[portfolio.constraints]
gross_target = 0.5

[[strategies]]
name = "trend"
strategy = "sma_cross"
params = { fast = 3, slow = 8 }
budget = 2.0

[[strategies]]
name = "reversion"
strategy = "rsi_reversion"
params = { period = 5 }
"""


def _live_command() -> list[str]:
    script = Path(sys.executable).with_name("tradecore-live")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "tradecore.apps.live.main"]


def _read_until(process: subprocess.Popen[str], wanted: str) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith(wanted):
            return
    process.kill()
    pytest.fail(f"the trading process never printed {wanted!r}")


def _operator(db: Path, *args: str) -> str:
    result = CliRunner().invoke(
        app, ["--database-url", f"sqlite:///{db}", "strategy", *args]
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.heavy
def test_an_operator_halts_and_resumes_one_strategy_of_a_running_portfolio(
    tmp_path: Path,
) -> None:
    db, bars, toml = tmp_path / "live.db", tmp_path / "bars", tmp_path / "pf.toml"
    sqlite_store(db).close()
    write_bar_files(bars, generate_bars(["AAA", "BBB"], 120, start=START, seed=2))
    toml.write_text(CONFIG, encoding="utf-8")
    env = {**os.environ, "TRADECORE_BROKER": "simulated", "PYTHONUNBUFFERED": "1"}
    command = [
        *_live_command(),
        "--database-url",
        f"sqlite:///{db}",
        "run",
        "--bars",
        str(bars),
        "--strategy",
        "portfolio",
        "--param",
        f"config={toml}",
        "--pace",
        "0.05",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        _read_until(process, "cycle ")  # trading, both strategies allocated
        assert "HALTED" in _operator(db, "halt", "trend", "--reason", "drawdown")
        _read_until(process, "portfolio book: strategy trend halted")
        _read_until(process, "cycle ")  # at least one reallocation while halted
        _operator(db, "resume", "trend", "--reason", "reviewed")
        _read_until(process, "portfolio book: strategy trend resumed")
        out, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, out
    assert "trend  resumed  reviewed" in _operator(db, "list")
    breakers = CliRunner().invoke(
        app, ["--database-url", f"sqlite:///{db}", "breaker", "list"]
    )
    assert "strategy_halt" not in breakers.output  # not a circuit breaker
    tca = CliRunner().invoke(
        app, ["--database-url", f"sqlite:///{db}", "tca", "--date", "2026-01-05"]
    )
    assert tca.exit_code == 0, tca.output
    assert "by strategy of the portfolio" in tca.output

    # the operator's requests and the process's answers, audited
    assert [p["strategy"] for _, p in audit_rows(db, "strategy_halted")] == ["trend"]
    [(_, halted)] = audit_rows(db, "portfolio_strategy_halted")
    [(_, resumed)] = audit_rows(db, "portfolio_strategy_resumed")
    halted_at = datetime.fromisoformat(halted["at"])
    resumed_at = datetime.fromisoformat(resumed["at"])
    assert halted_at < resumed_at

    # while halted, the allocations give the trend strategy nothing
    report = Path(f"{db}.portfolio")
    with (report / "allocations.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    trend_at: dict[datetime, float] = {}
    for row in rows:
        at = datetime.fromisoformat(row["timestamp"])
        shares = abs(float(row["shares"])) if row["strategy"] == "trend" else 0.0
        trend_at[at] = trend_at.get(at, 0.0) + shares
    before = [s for at, s in trend_at.items() if at < halted_at]
    during = [s for at, s in trend_at.items() if halted_at <= at < resumed_at]
    assert any(s > 0 for s in before)  # it held something before the halt
    assert during  # the halt reallocated at the next bar
    assert set(during) == {0.0}

    # the summary block and one correlation alert per breach
    block = json.loads((report / "portfolio.json").read_text(encoding="utf-8"))
    assert set(block["attribution"]) == {"trend", "reversion"}
    for name, row in block["attribution"].items():  # tca prints what the file says
        assert f"{name:>16} {row['market']:>12.2f}" in tca.output
    assert (report / "attribution.csv").read_text(encoding="utf-8").count("\n") > 10
    breaches = {b["at"] for b in block["correlation_breaches"]}
    alerts = [
        p for _, p in audit_rows(db, "alert") if p["code"] == "portfolio.correlation"
    ]
    assert breaches
    assert {a["first_raised_at"] for a in alerts} == breaches
    assert len(alerts) == len(breaches)
