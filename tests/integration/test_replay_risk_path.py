"""Replay runs the live risk path: ``[risk]`` from ``--config`` applies in replay
exactly as in ``tradecore-live``, and parity runs both sides under one config."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.replay.main import app
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
PARAMS = ["--param", "fast=3", "--param", "slow=8", "--param", "qty=5"]
DAILY_LOSS = '[risk.breakers.daily_loss]\nmax_loss = 1\ntrip_state = "halted"\n'


@pytest.fixture
def bars(tmp_path: Path) -> Path:
    folder = tmp_path / "bars"
    write_bar_files(folder, generate_bars(["AAPL", "MSFT"], 80, start=START, seed=4))
    return folder


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "risk.toml"
    path.write_text(DAILY_LOSS)
    return path


def test_a_replay_with_a_daily_loss_limit_in_config_stops_trading_on_the_day_it_is_hit(
    tmp_path: Path, bars: Path, config: Path
) -> None:
    out = tmp_path / "out"
    args = ["run", "--data", str(bars), "--config", str(config), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, *PARAMS], env={})
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["breaker_trips"] == 1
    assert summary["breaker_trips_by_name"] == {"daily_loss": 1}
    assert summary["trading_state"] == "halted"
    with (out / "outcomes.csv").open() as f:
        outcomes = list(csv.DictReader(f))
    submitted = [o for o in outcomes if o["kind"] == "submitted"]
    skipped = [o for o in outcomes if o["kind"] == "skipped"]
    assert submitted
    assert skipped
    # Every decision after the trip is refused; none was refused before it.
    first_refusal = min(o["recorded_at"] for o in skipped)
    assert all(o["recorded_at"] < first_refusal for o in submitted)
    assert {o["reason"] for o in skipped} == {"risk:trading_halted"}
    assert summary["refusals_by_reason"] == {"risk:trading_halted": len(skipped)}
    assert "tripped: 1 daily_loss" in result.output
    page = (out / "report.html").read_text()
    assert "Circuit-breaker trips" in page
    assert "refusals_by_reason.risk:trading_halted" in page


def test_a_replay_without_the_limit_keeps_trading(tmp_path: Path, bars: Path) -> None:
    out = tmp_path / "out"
    args = ["run", "--data", str(bars), "--out", str(out), *PARAMS]
    result = CliRunner().invoke(app, args, env={})
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["breaker_trips"] == 0
    assert summary["orders"] > 1


def test_parity_with_one_daily_loss_config_gives_the_same_refusals_live_and_replay(
    tmp_path: Path, bars: Path, config: Path
) -> None:
    pytest.importorskip("alpaca")
    import tests.alpaca_harness  # noqa: F401 - skips without the extras

    out = tmp_path / "parity"
    args = ["parity", "--bars", str(bars), "--out", str(out), "--config", str(config)]
    result = CliRunner().invoke(app, [*args, *PARAMS], env={})
    assert result.exit_code == 0, result.output
    report = json.loads((out / "parity.json").read_text())
    assert report["parity"] is True, report["mismatches"]
    assert report["skipped"]["live"] == report["skipped"]["replay"] > 0
    assert report["skipped"]["matched"] == report["skipped"]["live"]
    assert report["inputs"]["config"] == str(config)
    assert "risk:trading_halted" not in json.dumps(report["mismatches"])
    assert "daily_loss" in (out / "live.log").read_text()


def test_parity_refuses_a_config_that_sets_the_broker(
    tmp_path: Path, bars: Path
) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[broker]\nkind = "simulated"\n')
    out = tmp_path / "parity"
    args = ["parity", "--bars", str(bars), "--out", str(out), "--config", str(config)]
    result = CliRunner().invoke(app, args, env={})
    assert result.exit_code != 0
    assert "sets [broker]" in result.output
    assert not out.exists()
