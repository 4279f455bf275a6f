"""Metrics against values computed by hand."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tests.calendars import ALWAYS_OPEN, xnys
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.datagen import Session, bar_timestamps
from tradecore.domain.research.metrics import (
    annualized_volatility,
    calendar_periods_per_year,
    daily_returns,
    day_ends,
    drawdown_series,
    max_drawdown,
    period_returns,
    periods_per_year,
    sharpe_ratio,
    summarize_performance,
    turnover,
)

EQUITY = [100.0, 110.0, 99.0, 108.9]  # returns +10 %, -10 %, +10 %
MONDAY = datetime(2024, 3, 4, tzinfo=UTC)


def daily(n: int, step: timedelta = timedelta(days=1)) -> np.ndarray:
    return np.array([to_ns(MONDAY + i * step) for i in range(n)], dtype=np.int64)


def test_period_returns_are_simple_returns() -> None:
    assert np.allclose(period_returns(EQUITY), [0.1, -0.1, 0.1])


def test_sharpe_matches_hand_computation() -> None:
    # mean 1/30, sample sd sqrt(0.04/3) -> per-period 0.288675..., x sqrt(252).
    expected = (1 / 30) / math.sqrt(0.04 / 3) * math.sqrt(252)
    assert sharpe_ratio(period_returns(EQUITY), 252) == pytest.approx(expected, 1e-12)
    assert expected == pytest.approx(4.58258, abs=1e-5)


def test_sharpe_is_nan_when_undefined() -> None:
    assert math.isnan(sharpe_ratio([0.01], 252))
    assert math.isnan(sharpe_ratio([0.01, 0.01, 0.01], 252))


def test_annualized_volatility_matches_hand_computation() -> None:
    expected = math.sqrt(0.04 / 3 * 252)
    assert annualized_volatility([0.1, -0.1, 0.1], 252) == pytest.approx(expected)
    assert math.isnan(annualized_volatility([0.1], 252))


def test_drawdown_series_and_max_drawdown() -> None:
    assert np.allclose(drawdown_series(EQUITY), [0.0, 0.0, -0.1, -0.01])
    assert max_drawdown(EQUITY) == pytest.approx(0.1)
    assert max_drawdown([100.0, 120.0, 60.0, 150.0, 90.0]) == pytest.approx(0.5)
    assert max_drawdown([1.0, 2.0, 3.0]) == 0.0
    assert math.copysign(1.0, max_drawdown([1.0, 2.0])) == 1.0  # never -0.0


def test_turnover_is_traded_notional_over_average_equity() -> None:
    assert turnover([50.0, -150.0], EQUITY) == pytest.approx(200.0 / 104.475)
    assert turnover(0.0, EQUITY) == 0.0


def test_rejects_non_positive_equity_naming_the_index() -> None:
    with pytest.raises(InvalidInput, match="index 2"):
        period_returns([100.0, 50.0, 0.0, 10.0])
    with pytest.raises(InvalidInput, match="index 1"):
        drawdown_series([100.0, math.nan])


def test_periods_per_year_for_regular_hours_minutes() -> None:
    stamps = bar_timestamps(
        390 * 5,
        start=datetime(2024, 3, 4, 14, 30, tzinfo=UTC),
        interval=timedelta(minutes=1),
        session=Session.REGULAR_HOURS,
    )
    assert periods_per_year(stamps) == 252 * 390


def test_periods_per_year_for_round_the_clock_minutes() -> None:
    stamps = daily(3 * 1440, timedelta(minutes=1))
    assert periods_per_year(stamps) == 252 * 1440


def test_periods_per_year_for_daily_and_weekly_bars() -> None:
    weekdays = [
        d for d in daily(30) if datetime.fromtimestamp(d / 1e9, UTC).weekday() < 5
    ]
    assert periods_per_year(np.array(weekdays)) == 252
    assert periods_per_year(daily(10, timedelta(days=7))) == pytest.approx(365.25 / 7)


def test_periods_per_year_needs_increasing_timestamps() -> None:
    with pytest.raises(InvalidInput):
        periods_per_year([1])
    with pytest.raises(InvalidInput):
        periods_per_year([2, 1])


def test_summary_uses_inferred_or_given_annualization() -> None:
    summary = summarize_performance(daily(4), EQUITY, traded_notional=[50.0, -150.0])
    assert summary.as_dict() == {
        "start_equity": 100.0,
        "end_equity": 108.9,
        "total_return": pytest.approx(0.089),
        "annualized_volatility": pytest.approx(math.sqrt(0.04 / 3 * 252)),
        "sharpe": pytest.approx(4.582575695),
        "max_drawdown": pytest.approx(0.1),
        "turnover": pytest.approx(200.0 / 104.475),
        "periods": 3,
        "periods_per_year": 252.0,
        "annualization": "252 periods a year (inferred from timestamps, no calendar)",
        # One point per UTC day: the first day's return is 0 (from the opening
        # equity), then the period returns.
        "sharpe_daily": pytest.approx(
            0.025 / math.sqrt(0.0275 / 3) * math.sqrt(252), rel=1e-12
        ),
        "days": 4,
    }
    given = summarize_performance(daily(4), EQUITY, periods_per_year_override=12.0)
    assert given.sharpe == pytest.approx((1 / 30) / math.sqrt(0.04 / 3) * math.sqrt(12))


def test_summary_rejects_mismatched_lengths() -> None:
    with pytest.raises(InvalidInput, match="equity values"):
        summarize_performance(daily(3), EQUITY)


def test_metrics_are_bit_identical_for_identical_input() -> None:
    rng = np.random.default_rng(9)
    curve = 1e6 * np.exp(np.cumsum(rng.normal(0, 0.001, 50_000)))
    stamps = daily(50_000, timedelta(minutes=1))
    first = summarize_performance(stamps, curve).as_dict()
    second = summarize_performance(stamps.copy(), curve.copy()).as_dict()
    assert repr(first) == repr(second)


# --- annualization and daily Sharpe on a market calendar ---------------------------


def test_periods_per_year_from_the_calendar() -> None:
    minute, day = timedelta(minutes=1), timedelta(days=1)
    assert calendar_periods_per_year(xnys(), minute) == 252 * 390
    assert calendar_periods_per_year(xnys(), timedelta(minutes=5)) == 252 * 78
    assert calendar_periods_per_year(xnys(), day) == 252
    assert calendar_periods_per_year(ALWAYS_OPEN, minute) == 365 * 1440
    assert calendar_periods_per_year(ALWAYS_OPEN, day) == 365


def ns(*parts: int) -> int:
    return to_ns(datetime(*parts, tzinfo=UTC))  # type: ignore[misc]


# Tue 13 Jan 2026 .. Thu 15 Jan 2026 (EST): sessions 14:30Z-21:00Z. 01:00Z on the
# 14th is after the 13th's close: it belongs to the 14th's session.
STAMPS = np.array(
    [
        ns(2026, 1, 13, 14, 30),
        ns(2026, 1, 13, 20, 59),
        ns(2026, 1, 14, 1, 0),
        ns(2026, 1, 14, 15, 0),
        ns(2026, 1, 14, 20, 59),
        ns(2026, 1, 15, 14, 30),
        ns(2026, 1, 15, 20, 30),
    ],
    dtype=np.int64,
)
CURVE = np.array([100.0, 101.0, 99.0, 102.0, 103.0, 101.0, 104.0])


def test_daily_returns_group_by_trading_day() -> None:
    assert list(day_ends(STAMPS, xnys())) == [1, 4, 6]
    # UTC dates put 01:00Z on the 14th with the 14th as well here, but split a
    # session spanning UTC midnight (next test).
    assert list(day_ends(STAMPS)) == [1, 4, 6]
    expected = [101.0 / 100.0 - 1, 103.0 / 101.0 - 1, 104.0 / 103.0 - 1]
    assert np.allclose(daily_returns(STAMPS, CURVE, xnys()), expected)


def test_a_session_across_utc_midnight_is_one_day() -> None:
    # Always-open days are UTC days; XNYS evening stamps (after the close, before
    # UTC midnight) join the next session, whose morning is on the next UTC date.
    stamps = np.array(
        [ns(2026, 1, 13, 20, 0), ns(2026, 1, 13, 22, 0), ns(2026, 1, 14, 15, 0)]
    )
    assert list(day_ends(stamps, xnys())) == [0, 2]
    assert list(day_ends(stamps)) == [1, 2]
    assert list(day_ends(stamps, ALWAYS_OPEN)) == [1, 2]


def test_summary_on_a_calendar_matches_a_hand_computation() -> None:
    summary = summarize_performance(
        STAMPS, CURVE, calendar=xnys(), interval=timedelta(minutes=1)
    )
    bar_returns = CURVE[1:] / CURVE[:-1] - 1
    per_year = 252 * 390
    sharpe = bar_returns.mean() / bar_returns.std(ddof=1) * math.sqrt(per_year)
    closes = CURVE[[1, 4, 6]]
    days = closes / np.array([100.0, closes[0], closes[1]]) - 1
    sharpe_daily = days.mean() / days.std(ddof=1) * math.sqrt(252)
    assert summary.periods_per_year == per_year
    assert summary.annualization == "252 sessions x 390 bars (XNYS)"
    assert summary.sharpe == pytest.approx(sharpe, rel=1e-12)
    assert summary.sharpe_daily == pytest.approx(sharpe_daily, rel=1e-12)
    assert summary.days == 3
    daily_bars = summarize_performance(
        STAMPS, CURVE, calendar=xnys(), interval=timedelta(days=1)
    )
    assert daily_bars.periods_per_year == 252
    assert daily_bars.annualization == "252 sessions x 1 bars (XNYS)"


def test_summary_on_an_always_open_calendar() -> None:
    stamps = daily(3 * 1440, timedelta(minutes=1))
    curve = 100.0 + np.sin(np.arange(len(stamps)) / 50.0)
    summary = summarize_performance(stamps, curve, calendar=ALWAYS_OPEN)
    assert summary.periods_per_year == 365 * 1440
    assert summary.annualization == "365 sessions x 1440 bars (24/7)"
    closes = curve[[1439, 2879, 4319]]
    days = closes / np.array([curve[0], closes[0], closes[1]]) - 1
    expected = days.mean() / days.std(ddof=1) * math.sqrt(365)
    assert summary.sharpe_daily == pytest.approx(expected, rel=1e-12)


def test_summary_infers_the_bar_interval_from_the_timestamps() -> None:
    stamps = bar_timestamps(
        390 + 210 + 390,
        start=datetime(2025, 11, 26, tzinfo=UTC),
        interval=timedelta(minutes=1),
        calendar=xnys(),
    )
    curve = 100.0 + np.cos(np.arange(len(stamps)) / 30.0)
    summary = summarize_performance(stamps, curve, calendar=xnys())
    assert summary.periods_per_year == 252 * 390
    assert summary.days == 3  # 26 Nov, 28 Nov (early close), 1 Dec
