"""``tradecore-replay parity``: a real ``tradecore-live run --emulator`` process and a
replay over the same bars and seed, compared, with the report on disk."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tests.alpaca_harness  # noqa: F401 - skips (fails in CI) without the extras
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.replay import parity_report
from tradecore.apps.replay.main import app
from tradecore.apps.replay.parity_report import RunRecord
from tradecore.apps.wiring import errors
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
PARAMS = ["--param", "fast=3", "--param", "slow=8", "--param", "qty=5"]


@pytest.fixture
def bars(tmp_path: Path) -> Path:
    folder = tmp_path / "bars"
    write_bar_files(folder, generate_bars(["AAPL", "MSFT"], 80, start=START, seed=4))
    return folder


@pytest.mark.heavy
def test_live_on_the_emulator_and_replay_agree_and_say_so_on_disk(
    tmp_path: Path, bars: Path
) -> None:
    out = tmp_path / "parity"
    args = ["parity", "--bars", str(bars), "--out", str(out), "--seed", "7", *PARAMS]
    result = CliRunner().invoke(app, args, env={})
    assert result.exit_code == 0, result.output
    report = json.loads((out / "parity.json").read_text())
    assert report["parity"] is True
    assert report["mismatches"] == []
    assert report["orders"]["live"] == report["orders"]["replay"] > 5
    assert report["orders"]["matched"] == report["orders"]["live"]
    assert report["decisions"]["matched"] == report["decisions"]["replay"] > 5
    assert report["inputs"]["seed"] == 7
    assert "PARITY" in (out / "parity.txt").read_text()
    log = (out / "live.log").read_text()
    assert "drained:" in log
    summaries = [
        json.loads(line)["cycle_summary"]
        for line in log.splitlines()
        if line.startswith("{") and '"cycle summary"' in line
    ]
    # the Alpaca adapter's store-kept limiter reports its budget every cycle
    budgets = [s["rate_limit_budget_left"] for s in summaries]
    assert budgets
    assert all(isinstance(b, float) and b >= 0 for b in budgets)
    # A second run must not mix its stores with the first one's.
    again = CliRunner().invoke(app, args, env={})
    assert again.exit_code == errors.CONFIG_OR_AUTH
    assert "not empty" in again.output


@pytest.mark.heavy
def test_a_difference_is_listed_and_fails_the_command(
    tmp_path: Path, bars: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = parity_report.read_run

    def live_lost_an_order(url: str) -> RunRecord:
        run = read(url)
        if "live.db" not in url:
            return run
        dropped = sorted(run.orders)[0]
        orders = {k: v for k, v in run.orders.items() if k != dropped}
        return RunRecord(decisions=run.decisions, orders=orders)

    monkeypatch.setattr(parity_report, "read_run", live_lost_an_order)
    out = tmp_path / "parity"
    args = ["parity", "--bars", str(bars), "--out", str(out), *PARAMS]
    result = CliRunner().invoke(app, args, env={})
    assert result.exit_code == errors.PARITY_MISMATCH, result.output
    report = json.loads((out / "parity.json").read_text())
    assert report["parity"] is False
    assert [m["kind"] for m in report["mismatches"]] == ["order_missing"]
    assert report["mismatches"][0]["live"] is None
    assert "NO PARITY" in result.output


def test_compare_names_every_kind_of_difference() -> None:
    live = RunRecord(
        decisions=["d1", "d3", "d2"],
        orders={"a": ("AAPL", "buy", "5"), "b": ("MSFT", "sell", "5")},
    )
    replay = RunRecord(
        decisions=["d1", "d2", "d4"],
        orders={"a": ("AAPL", "buy", "6"), "c": ("MSFT", "buy", "5")},
    )
    report = parity_report.compare(live, replay)
    kinds = [m["kind"] for m in report["mismatches"]]
    assert kinds == [
        "decision_only_live",
        "decision_only_replay",
        "order_differs",
        "order_missing",
        "order_missing",
    ]
    assert report["decisions"] == {"live": 3, "replay": 3, "matched": 2}
    assert report["orders"]["matched"] == 0
    assert not report["parity"]
    same = parity_report.compare(live, live)
    assert same["parity"]
    assert "mismatches: none" in parity_report.table(same)
