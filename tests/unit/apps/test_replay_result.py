"""The notebook API of a replay result: typed pandas views, charts, report, cleanup.

Each test is one promise of ``tc.replay(...)``'s result (docs/report-and-notebooks.md).
"""

from __future__ import annotations

import gc
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.calendars import xnys
from tradecore.apps.replay.result import ReplayResult
from tradecore.apps.replay.runner import replay
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import generate_bars

PARAMS = {"fast": 5, "slow": 20, "qty": 3}


@pytest.fixture(scope="module")
def frames() -> list[BarFrame]:
    start = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)
    return generate_bars(["AAA", "BBB"], 800, start=start, seed=5, calendar=xnys())


@pytest.fixture(scope="module")
def result(frames: list[BarFrame]) -> Iterator[ReplayResult]:
    with replay(frames, "sma_cross", PARAMS) as done:
        yield done


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp dir of our own: other processes' leftovers cannot blur the count."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_equity_is_a_float_series_on_a_utc_index(result: ReplayResult) -> None:
    equity = result.equity
    assert isinstance(equity, pd.Series)
    assert isinstance(equity.index, pd.DatetimeIndex)
    assert str(equity.index.tz) == "UTC"
    assert equity.dtype == np.float64
    assert equity.index.asi8.tolist() == result.timestamps_ns.tolist()
    assert equity.to_numpy().tolist() == result.equity_values.tolist()


def test_stats_is_a_series_with_the_reports_statistics(result: ReplayResult) -> None:
    stats = result.stats
    assert isinstance(stats, pd.Series)
    assert stats["sharpe"] == result.summary["sharpe"]
    first, last = result.equity_values[[0, -1]]
    assert stats["total_return"] == pytest.approx(last / first - 1)
    assert stats["dsr"] == stats["psr"]  # one trial: DSR equals PSR
    assert isinstance(stats["max_drawdown_duration"], pd.Timedelta)
    assert list(stats.index[:3]) == ["total_return", "cagr", "annualized_volatility"]


def test_fills_have_utc_times_and_exact_decimals(result: ReplayResult) -> None:
    fills = result.fills
    assert len(fills) == result.summary["fills"] > 0
    assert str(fills["filled_at"].dtype) == "datetime64[ns, UTC]"
    assert all(isinstance(v, Decimal) for v in fills["qty"])
    assert sum(fills["fee"], Decimal(0)) == result.summary["fees"]  # to the cent


def test_orders_are_the_intents_with_parsed_specs(result: ReplayResult) -> None:
    orders = result.orders
    assert len(orders) == result.summary["orders"]
    assert str(orders["decided_at"].dtype) == "datetime64[ns, UTC]"
    assert str(orders["updated_at"].dtype) == "datetime64[ns, UTC]"
    assert orders["spec"].map(type).eq(dict).all()
    assert set(orders["status"]) == {"filled"}
    assert sum(orders["filled_qty"], Decimal(0)) == sum(result.fills["qty"], Decimal(0))


def test_decisions_and_outcomes_are_typed(result: ReplayResult) -> None:
    decisions, outcomes = result.decisions, result.outcomes
    assert len(decisions) == result.summary["decisions"]
    assert str(decisions["decided_at"].dtype) == "datetime64[ns, UTC]"
    assert decisions["details"].map(type).eq(dict).all()
    assert str(outcomes["recorded_at"].dtype) == "datetime64[ns, UTC]"
    assert set(outcomes["decision_id"]) <= set(decisions["decision_id"])


def test_trades_are_the_round_trips_with_excursions(result: ReplayResult) -> None:
    trades = result.trades
    assert len(trades) == result.summary["round_trips"] > 0
    assert trades["pnl"].dtype == np.float64
    assert str(trades["entry_time"].dtype) == "datetime64[ns, UTC]"
    assert str(trades["duration"].dtype) == "timedelta64[ns]"
    assert (trades["duration"] == trades["exit_time"] - trades["entry_time"]).all()
    assert (trades["mae"] <= 0).all()
    assert (trades["mfe"] >= 0).all()
    # an excursion bounds the trip's own move: MAE <= return <= MFE
    assert (trades["mae"] <= trades["return"] + 1e-12).all()
    assert (trades["return"] <= trades["mfe"] + 1e-12).all()
    wins = (trades["pnl"] > 0).mean()
    assert wins == pytest.approx(result.summary["win_rate"])


def test_plot_returns_the_reports_charts(result: ReplayResult) -> None:
    figure = result.plot()
    assert isinstance(figure, go.Figure)
    assert [t.name for t in figure.data] == ["Strategy", "Buy & hold (equal weight)"]
    charts = result.charts()
    assert {"equity", "drawdown", "price-AAA", "price-BBB", "exposure"} <= set(charts)
    with pytest.raises(ConfigurationError, match="no chart 'nope'"):
        result.plot("nope")


def test_report_writes_the_folder(result: ReplayResult, tmp_path: Path) -> None:
    page = result.report(tmp_path / "rep")
    assert page == tmp_path / "rep" / "report.html"
    assert 'id="chart-price-AAA"' in page.read_text()
    assert (tmp_path / "rep" / "trades.csv").read_text().count("\n") == len(
        result.trades
    ) + 1


def test_plain_views_still_work_without_pandas_names(result: ReplayResult) -> None:
    curve = result.equity_curve()
    assert curve["equity"] is result.equity_values
    assert len(result.blotter()) == result.summary["fills"]
    assert len(result.fill_rows) == len(result.fills)


def test_no_temp_store_is_left_after_results_are_collected(
    frames: list[BarFrame], private_tmp: Path
) -> None:
    for _ in range(3):
        done = replay(frames[:1], "sma_cross", PARAMS)
        assert list(private_tmp.glob("tc-replay-*"))  # the store exists while used
        assert len(done.fills) > 0
        del done
        gc.collect()
    assert list(private_tmp.glob("tc-replay-*")) == []


def test_close_and_with_remove_the_store_at_once(
    frames: list[BarFrame], private_tmp: Path
) -> None:
    done = replay(frames[:1], "sma_cross", PARAMS)
    fills = done.fills  # made before closing: stays
    done.close()
    assert done.closed
    assert list(private_tmp.glob("tc-replay-*")) == []
    assert len(fills) > 0
    with pytest.raises(ConfigurationError, match="closed"):
        _ = done.orders
    with replay(frames[:1], "sma_cross", PARAMS) as kept:
        assert list(private_tmp.glob("tc-replay-*"))
    assert kept.closed
    assert list(private_tmp.glob("tc-replay-*")) == []


def test_a_failed_replay_leaves_no_temp_store(
    frames: list[BarFrame], private_tmp: Path
) -> None:
    with pytest.raises(ConfigurationError):
        replay(frames[:1], "no_such_strategy")
    assert list(private_tmp.glob("tc-replay-*")) == []


def test_an_out_folder_is_kept(frames: list[BarFrame], tmp_path: Path) -> None:
    with replay(frames[:1], "sma_cross", PARAMS, out=tmp_path / "run") as done:
        pass
    assert not done.closed
    assert (tmp_path / "run" / "replay.db").is_file()
    assert len(done.fills) > 0  # still readable: the folder is the user's


def test_tradecore_imports_without_pandas_or_plotly() -> None:
    code = (
        "import sys; sys.modules['pandas'] = None; sys.modules['plotly'] = None\n"
        "import tradecore as tc\n"
        "from tradecore.apps.replay.runner import replay, ReplayResult\n"
        "print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr
