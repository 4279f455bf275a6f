"""The report's derived numbers: benchmark, MAE/MFE, drawdown periods, calendar
returns, exposure, formatting, and byte-identical pages for identical inputs."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tradecore.adapters.report import formatting as fmt
from tradecore.adapters.report import write_report
from tradecore.adapters.report.analysis import (
    benchmark,
    calendar_returns,
    drawdown_periods,
    fill_views,
    gross_exposure,
    longest_drawdown,
    trip_rows,
)
from tradecore.adapters.report.content import build_content, drawdown_of
from tradecore.domain.market.bar_frame import BarFrame, to_ns

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def frame(
    symbol: str, closes: list[float], lows=None, highs=None, step=MINUTE
) -> BarFrame:  # type: ignore[no-untyped-def]
    n = len(closes)
    stamps = np.array([to_ns(T0 + i * step) for i in range(n)], dtype=np.int64)
    close = np.array(closes, dtype=float)
    low = np.array(lows if lows is not None else closes, dtype=float)
    high = np.array(highs if highs is not None else closes, dtype=float)
    return BarFrame(symbol=symbol, timestamps=stamps, open=close, high=high, low=low,
                    close=close, volume=np.ones(n))  # fmt: skip


def fill(minute: int, side: str, qty: str, price: str, symbol: str = "AAA") -> dict:  # type: ignore[type-arg]
    return {"filled_at": (T0 + minute * MINUTE).isoformat(), "symbol": symbol,
            "side": side, "qty": Decimal(qty), "price": Decimal(price),
            "fee": Decimal("0.10")}  # fmt: skip


def test_benchmark_is_equal_weight_buy_and_hold_of_the_bars() -> None:
    a, b = frame("AAA", [10, 20, 20]), frame("BBB", [50, 50, 25])
    curve = benchmark([a, b], a.timestamps, 1_000.0)
    assert curve is not None
    # AAA doubles, BBB halves later: (2 + 1) / 2, then (2 + 0.5) / 2
    assert curve.tolist() == [1_000.0, 1_500.0, 1_250.0]


def test_mae_and_mfe_come_from_the_bars_while_the_trip_was_open() -> None:
    bars = frame("AAA", [100, 101, 99, 104, 103], lows=[100, 95, 98, 103, 50],
                 highs=[100, 102, 100, 110, 200])  # fmt: skip
    fills = fill_views([fill(0, "buy", "2", "100"), fill(3, "sell", "2", "104")])
    (trip,) = trip_rows(fills, [bars])
    assert trip.ret == pytest.approx(0.04)
    assert trip.mae == pytest.approx(-0.05)  # low 95 at minute 1
    assert trip.mfe == pytest.approx(0.10)  # high 110 at minute 3; minute 4 after exit
    assert trip.duration == 3 * MINUTE
    assert trip.trip.pnl == Decimal("7.80")  # 2 x 4 - 2 x 0.10 fees


def test_a_short_trips_excursions_are_mirrored() -> None:
    bars = frame("AAA", [100, 100, 90], lows=[100, 97, 90], highs=[100, 106, 92])
    fills = fill_views([fill(0, "sell", "1", "100"), fill(2, "buy", "1", "90")])
    (trip,) = trip_rows(fills, [bars])
    assert trip.ret == pytest.approx(0.10)
    assert trip.mae == pytest.approx(-0.06)
    assert trip.mfe == pytest.approx(0.10)


def test_drawdown_periods_deepest_first_with_recovery() -> None:
    values = np.array([100, 90, 100, 110, 80, 95, 105.0])
    periods = drawdown_periods(values, drawdown_of(values), top=5)
    assert [(p.peak, p.trough, p.recovery) for p in periods] == [
        (3, 4, None),
        (0, 1, 2),
    ]
    assert periods[0].depth == pytest.approx(80 / 110 - 1)
    stamps = np.arange(7, dtype=np.int64) * 60_000_000_000
    assert longest_drawdown(stamps, drawdown_of(values)) == 3 * MINUTE  # 3 -> end


def test_calendar_returns_compound_month_ends() -> None:
    days = [datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 31, tzinfo=UTC),
            datetime(2024, 2, 15, tzinfo=UTC), datetime(2025, 1, 10, tzinfo=UTC)]  # fmt: skip
    stamps = np.array([to_ns(d) for d in days], dtype=np.int64)
    found = calendar_returns(stamps, np.array([100, 110, 99, 198.0]))
    assert found.years == [2024, 2025]
    assert found.months[0, 0] == pytest.approx(0.10)
    assert found.months[0, 1] == pytest.approx(-0.10)
    assert math.isnan(found.months[0, 2])
    assert found.months[1, 0] == pytest.approx(1.0)
    assert found.yearly.tolist() == pytest.approx([-0.01, 1.0])


def test_gross_exposure_values_positions_at_the_bars_close() -> None:
    bars = frame("AAA", [10, 10, 20, 20])
    fills = fill_views([fill(1, "buy", "5", "10"), fill(3, "sell", "5", "20")])
    equity = np.array([100.0, 100.0, 150.0, 150.0])
    exposure = gross_exposure(fills, [bars], bars.timestamps, equity)
    assert exposure.tolist() == pytest.approx([0.0, 0.5, 100 / 150, 0.0])


def test_formatting_is_one_style() -> None:
    assert fmt.percent(-0.05) == "\u22125.00%"
    assert fmt.percent(0.0512, signed=True) == "+5.12%"
    assert fmt.percent(float("nan")) == fmt.MISSING
    assert fmt.money(Decimal("1234567.891")) == "1,234,567.89"
    assert fmt.compact_money(1_234_567) == "1.23M"
    assert fmt.ratio(float("inf")) == "\u221e"
    assert fmt.duration(timedelta(days=3, hours=4, minutes=5)) == "3d 4h"
    assert fmt.duration(timedelta(minutes=135)) == "2h 15m"
    assert fmt.duration(42) == "42s"
    assert fmt.price(Decimal("187.2")) == "187.20"
    assert fmt.count(True) == fmt.MISSING  # a flag is not a number


def test_identical_inputs_write_byte_identical_pages(tmp_path: Path) -> None:
    bars = [frame("AAA", list(np.linspace(100, 120, 400)))]
    stamps = bars[0].timestamps
    values = 1e5 + np.cumsum(np.random.default_rng(3).normal(0, 50, 400))
    fills = [fill(10, "buy", "3", "101"), fill(200, "sell", "3", "110")]
    pages = []
    for name in ("a", "b"):
        written = write_report(
            tmp_path / name, {"sharpe": 1.5}, (stamps, values), fills, [], [],
            {"seconds": 1.0 if name == "a" else 2.0}, bars=bars,
        )  # fmt: skip
        pages.append(written["report.html"].read_bytes())
    assert pages[0] == pages[1]  # timings stay in run.json
    assert b"tc-chart" in pages[0]


def test_the_content_holds_every_chart_for_a_trading_run() -> None:
    step = timedelta(hours=6)  # 100 days: a rolling window fits
    bars = [frame("AAA", list(np.linspace(100, 120, 400)), step=step)]
    values = 1e5 + np.cumsum(np.random.default_rng(4).normal(10, 50, 400))
    fills = [fill(10, "buy", "3", "101"), fill(200, "sell", "3", "110")]
    content = build_content({}, bars[0].timestamps, values, fills, bars, max_points=500)
    assert list(content.charts) == [
        "equity", "drawdown", "price-AAA", "calendar-returns", "rolling",
        "distribution", "symbol-pnl", "exposure",
    ]  # fmt: skip
    assert content.statistics["total_return"] == pytest.approx(
        values[-1] / values[0] - 1
    )
    assert len(content.trips) == 1


def test_the_content_releases_every_frame_it_reads_and_stays_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bars on memory-mapped files: the report tells the store when it is done with
    each frame (trade list every few trips, benchmark, price chart, exposure), so
    the pages a pass read can go; the content is the same as without."""
    from tradecore.adapters.report import analysis

    monkeypatch.setattr(analysis, "RELEASE_EVERY_TRIPS", 1)
    step = timedelta(hours=6)
    bars = [
        frame("AAA", list(np.linspace(100, 120, 400)), step=step),
        frame("BBB", list(np.linspace(50, 40, 400)), step=step),
    ]
    values = 1e5 + np.cumsum(np.random.default_rng(4).normal(10, 50, 400))
    fills = [fill(10, "buy", "3", "101"), fill(200, "sell", "3", "110"),
             fill(300, "buy", "2", "103"), fill(900, "sell", "2", "104")]  # fmt: skip
    released: list[str] = []
    kept = build_content({}, bars[0].timestamps, values, fills, bars, max_points=500)
    told = build_content({}, bars[0].timestamps, values, fills, bars, max_points=500,
                         release=lambda f: released.append(f.symbol))  # fmt: skip
    assert told.charts == kept.charts
    assert told.trips == kept.trips
    assert set(released) == {"AAA", "BBB"}
    # trip 2 (the trade list), after it, the benchmark, each price chart, exposure
    assert released.count("AAA") >= 5
