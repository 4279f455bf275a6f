"""Circuit breakers: trip at their thresholds, record inputs, recover without flapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from tests.calendars import xnys
from tradecore.domain.errors import InvalidInput
from tradecore.domain.risk.breakers import (
    BreakerConfig,
    BreakerEvent,
    BrokerErrorRateBreaker,
    CorrelationBreaker,
    CorrelationConfig,
    DailyLossBreaker,
    DailyLossConfig,
    DayEquityTracker,
    DrawdownBreaker,
    DrawdownConfig,
    FailureRateConfig,
    LosingStreakBreaker,
    LosingStreakConfig,
    RejectRateBreaker,
    StalenessBreaker,
    StalenessConfig,
    TripLatch,
    VolatilitySpikeBreaker,
    VolatilitySpikeConfig,
    correlation_measures,
)
from tradecore.domain.risk.trading_state import TradingState

D = Decimal
T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
S = timedelta(seconds=1)
QUIET = timedelta(minutes=10)


def latch(auto_clear: bool = False) -> TripLatch:
    return TripLatch(QUIET, auto_clear=auto_clear)


# --- the latch ------------------------------------------------------------------------


def test_trip_records_inputs_and_stays_tripped_while_breached() -> None:
    lt = latch()
    assert lt.observe(False, T0, {}) is None
    assert lt.observe(True, T0 + S, {"loss": "5"}) is BreakerEvent.TRIPPED
    assert lt.observe(True, T0 + 2 * S, {"loss": "9"}) is None
    assert lt.tripped
    assert lt.tripped_at == T0 + S
    assert lt.trip_inputs == {"loss": "5"}


def test_recovery_needs_the_quiet_period_and_an_approval() -> None:
    lt = latch()
    lt.observe(True, T0, {})
    assert lt.observe(False, T0 + S, {}) is None  # quiet starts
    assert lt.observe(False, T0 + S + QUIET, {}) is None  # quiet, not approved
    lt.approve("checked the feed")
    assert lt.observe(False, T0 + S + QUIET, {}) is BreakerEvent.CLEARED
    assert not lt.tripped
    assert lt.approval is None


def test_an_early_approval_still_waits_for_the_quiet_period() -> None:
    lt = latch()
    lt.observe(True, T0, {})
    lt.approve("go when quiet")
    lt.observe(False, T0 + S, {})
    assert lt.observe(False, T0 + S + QUIET - S, {}) is None  # just under
    assert lt.observe(False, T0 + S + QUIET, {}) is BreakerEvent.CLEARED  # at


def test_a_breach_inside_the_quiet_period_restarts_it_no_flapping() -> None:
    lt = latch(auto_clear=True)
    lt.observe(True, T0, {})
    t = T0
    for _ in range(20):  # the condition toggles faster than the quiet period
        t += QUIET / 2
        assert lt.observe(False, t, {}) is None
        t += S
        assert lt.observe(True, t, {}) is None
    assert lt.tripped
    assert lt.observe(False, t + S, {}) is None
    assert lt.observe(False, t + S + QUIET, {}) is BreakerEvent.CLEARED


def test_auto_clear_needs_no_approval() -> None:
    lt = latch(auto_clear=True)
    lt.observe(True, T0, {})
    lt.observe(False, T0 + S, {})
    assert lt.observe(False, T0 + S + QUIET, {}) is BreakerEvent.CLEARED


def test_a_restored_trip_waits_for_a_fresh_quiet_period() -> None:
    lt = latch()
    lt.restore(T0, approval="approved before the restart")
    assert lt.observe(False, T0 + S, {}) is None
    assert lt.observe(False, T0 + S + QUIET, {}) is BreakerEvent.CLEARED


def test_latch_refuses_bad_approvals_and_time_going_back() -> None:
    lt = latch()
    with pytest.raises(InvalidInput, match="only a tripped breaker"):
        lt.approve("why not")
    lt.observe(True, T0, {})
    with pytest.raises(InvalidInput, match="needs a reason"):
        lt.approve("  ")
    with pytest.raises(InvalidInput, match="before the previous update"):
        lt.observe(False, T0 - S, {})


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"trip_state": TradingState.ACTIVE}, "trip_state"),
        ({"quiet_period_s": -1.0}, "quiet_period_s"),
        ({"auto_clear": "yes"}, "auto_clear"),
    ],
)
def test_breaker_config_validates(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        BreakerConfig(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


# --- P&L breakers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("equity", "trips"), [("99000.01", False), ("99000", False), ("98999.99", True)]
)
def test_daily_loss_at_under_over(equity: str, trips: bool) -> None:
    breaker = DailyLossBreaker(DailyLossConfig(max_loss=D(1000)))
    breaker.update(T0, D(100_000))
    reading = breaker.update(T0 + S, D(equity))
    assert reading.breached is trips
    assert (reading.event is BreakerEvent.TRIPPED) is trips
    if trips:
        assert reading.inputs["loss"] == "1000.01"
        assert reading.inputs["opening_equity"] == "100000"


def test_daily_loss_resets_with_the_day_so_it_can_recover() -> None:
    breaker = DailyLossBreaker(
        DailyLossConfig(max_loss=D(100), quiet_period_s=60, auto_clear=True)
    )
    breaker.update(T0, D(1000))
    assert breaker.update(T0 + S, D(800)).event is BreakerEvent.TRIPPED
    assert breaker.update(T0 + 2 * S, D(800)).tripped  # the loss is still there
    next_day = T0 + timedelta(days=1)
    assert not breaker.update(next_day, D(800)).breached
    assert breaker.tick(next_day + 2 * timedelta(minutes=1)).event is (
        BreakerEvent.CLEARED
    )


@pytest.mark.parametrize(
    ("equity", "trips"), [("1500.01", False), ("1500", False), ("1499.99", True)]
)
def test_drawdown_from_the_days_high(equity: str, trips: bool) -> None:
    breaker = DrawdownBreaker(DrawdownConfig(max_drawdown=D(500)))
    breaker.update(T0, D(1000))
    breaker.update(T0 + S, D(2000))  # the high-water mark
    reading = breaker.update(T0 + 2 * S, D(equity))
    assert reading.breached is trips
    assert reading.inputs["high_water_mark"] == "2000"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    "marks",
    [
        # Winter (EST): 16:30 and 19:30 New York on the 13th, 09:45 on the 14th.
        [utc(2026, 1, 13, 21, 30), utc(2026, 1, 14, 0, 30), utc(2026, 1, 14, 14, 45)],
        # Summer (EDT): 16:30 and 21:00 New York on the 15th, 09:45 on the 16th.
        [utc(2025, 7, 15, 20, 30), utc(2025, 7, 16, 1, 0), utc(2025, 7, 16, 13, 45)],
    ],
)
def test_a_day_across_utc_midnight_is_one_trading_day(marks: list[datetime]) -> None:
    exchange, utc_dates = DayEquityTracker(xnys()), DayEquityTracker()
    for at, equity in zip(marks, ("1000", "900", "950"), strict=True):
        day = exchange.update(at, D(equity))
        utc_dates.update(at, D(equity))
    assert day.day == marks[-1].date()
    assert (day.opening, day.high, day.pnl) == (D(1000), D(1000), D(-50))
    assert utc_dates.current is not None
    assert utc_dates.current.opening == D(900)  # the UTC date split the evening


def test_the_last_minute_and_the_next_morning_are_two_days() -> None:
    days = DayEquityTracker(xnys())
    days.update(utc(2026, 1, 13, 20, 59), D(1000))  # 15:59 New York
    morning = days.update(utc(2026, 1, 14, 14, 31), D(900))  # 09:31 next day
    assert morning.day.isoformat() == "2026-01-14"
    assert morning.opening == D(900)
    weekend = days.update(utc(2026, 1, 17, 12), D(800))  # Saturday: Tuesday 20th
    assert weekend.day.isoformat() == "2026-01-20"  # Monday 19th is MLK Day


def test_daily_loss_counts_an_evening_mark_towards_the_next_session() -> None:
    config = DailyLossConfig(max_loss=D(100))
    on_sessions = DailyLossBreaker(config, xnys())
    on_utc = DailyLossBreaker(config)
    for breaker in (on_sessions, on_utc):
        breaker.update(utc(2026, 1, 13, 23), D(1000))  # 18:00 New York, after close
    evening = on_sessions.update(utc(2026, 1, 14, 14, 35), D(800))
    assert evening.breached
    assert evening.inputs["day"] == "2026-01-14"
    assert not on_utc.update(utc(2026, 1, 14, 14, 35), D(800)).breached


def test_drawdown_resets_at_the_session_boundary_not_midnight_utc() -> None:
    breaker = DrawdownBreaker(DrawdownConfig(max_drawdown=D(100)), xnys())
    breaker.update(utc(2026, 1, 13, 20, 59), D(2000))  # 15:59 New York
    assert not breaker.update(utc(2026, 1, 14, 14, 31), D(1500)).breached
    assert breaker.update(utc(2026, 1, 14, 20, 0), D(1399)).breached


def test_losing_streak_trips_beyond_the_limit_and_restarts() -> None:
    breaker = LosingStreakBreaker(LosingStreakConfig(max_losses=2))
    t = T0
    readings = []
    for pnl in ["-1", "-2", "5", "-1", "-1"]:  # a win ends the first streak
        t += S
        readings.append(breaker.update(t, D(pnl), "AAPL"))
    assert not any(r.breached for r in readings)  # at the limit: 2 in a row
    t += S
    tripped = breaker.update(t, D("-0.01"), "AAPL")  # just over: 3 in a row
    assert tripped.event is BreakerEvent.TRIPPED
    assert tripped.inputs["losing_streak"] == "3"
    assert not breaker.tick(t + S).breached  # the streak restarted with the trip


# --- failure-rate breakers ------------------------------------------------------------


def _rate(
    cls: type[RejectRateBreaker | BrokerErrorRateBreaker],
) -> RejectRateBreaker | BrokerErrorRateBreaker:
    return cls(FailureRateConfig(max_rate=0.5, window_s=60, min_events=4))


@pytest.mark.parametrize("cls", [RejectRateBreaker, BrokerErrorRateBreaker])
@pytest.mark.parametrize(("failures", "trips"), [(1, False), (2, False), (3, True)])
def test_failure_rate_at_under_over(
    cls: type[RejectRateBreaker | BrokerErrorRateBreaker], failures: int, trips: bool
) -> None:
    breaker = _rate(cls)
    reading = None
    for i in range(4):
        reading = breaker.update(T0 + i * S, failed=i < failures)
    assert reading is not None
    assert reading.breached is trips  # 2/4 = 0.5 is at the limit
    assert reading.inputs["events"] == "4"


def test_failure_rate_needs_enough_events_and_ages_out() -> None:
    breaker = _rate(RejectRateBreaker)
    for i in range(3):
        assert not breaker.update(T0 + i * S, failed=True).breached  # 3 < 4
    assert breaker.update(T0 + 3 * S, failed=True).event is BreakerEvent.TRIPPED
    later = breaker.tick(T0 + 3 * S + timedelta(seconds=60))
    assert not later.breached
    assert later.inputs["events"] == "0"


# --- market-data breakers -------------------------------------------------------------


@pytest.mark.parametrize(("gap_s", "trips"), [(179, False), (180, False), (181, True)])
def test_staleness_at_under_over(gap_s: int, trips: bool) -> None:
    breaker = StalenessBreaker(StalenessConfig(expected_interval_s=60, multiple=3))
    breaker.update(T0, "AAPL")
    reading = breaker.update(T0 + timedelta(seconds=gap_s), "AAPL")
    assert reading.breached is trips
    if trips:
        assert reading.inputs["symbol"] == "AAPL"
        assert reading.inputs["gap_s"] == "181.0"


def test_staleness_sees_a_silent_symbol_when_others_still_trade() -> None:
    breaker = StalenessBreaker(StalenessConfig(expected_interval_s=60, multiple=2))
    breaker.update(T0, "AAPL")
    breaker.update(T0, "MSFT")
    for minute in range(1, 4):
        reading = breaker.update(T0 + minute * timedelta(minutes=1), "MSFT")
    assert reading.breached
    assert reading.inputs["symbol"] == "AAPL"


def test_staleness_counts_a_symbol_whose_every_bar_was_rejected() -> None:
    breaker = StalenessBreaker(StalenessConfig(expected_interval_s=60, multiple=3))
    readings = []
    for minute in range(5):
        at = T0 + minute * timedelta(minutes=1)
        breaker.update(at, "MSFT")  # MSFT is fresh every minute
        readings.append(breaker.rejected(at, "AAPL"))
    assert [r.breached for r in readings] == [False, False, False, False, True]
    assert readings[-1].inputs["symbol"] == "AAPL"
    assert readings[-1].inputs["gap_s"] == "240.0"


def test_a_rejected_bar_does_not_refresh_a_symbol() -> None:
    breaker = StalenessBreaker(StalenessConfig(expected_interval_s=60, multiple=3))
    breaker.update(T0, "AAPL")
    breaker.rejected(T0 + timedelta(minutes=2), "AAPL")
    assert breaker.rejected(T0 + timedelta(seconds=181), "AAPL").breached


def test_staleness_ignores_the_overnight_close() -> None:
    breaker = StalenessBreaker(StalenessConfig(expected_interval_s=60), xnys())
    last_bar = T0.replace(hour=20, minute=59)  # 15:59 New York in January
    breaker.update(last_bar, "AAPL")
    assert not breaker.update(
        last_bar + timedelta(hours=17, minutes=31), "AAPL"
    ).breached


def test_staleness_ignores_a_holiday_weekend_but_not_a_silent_session() -> None:
    breaker = StalenessBreaker(StalenessConfig(expected_interval_s=60), xnys())
    friday = datetime(2026, 1, 16, 20, 59, tzinfo=UTC)  # Monday 19th: MLK day
    breaker.update(friday, "AAPL")
    tuesday_open = datetime(2026, 1, 20, 14, 31, tzinfo=UTC)
    assert not breaker.update(tuesday_open, "AAPL").breached
    quiet = StalenessBreaker(StalenessConfig(expected_interval_s=60), xnys())
    quiet.update(tuesday_open, "AAPL")
    assert quiet.update(tuesday_open + timedelta(minutes=5), "AAPL").breached


def _prices(returns: np.ndarray) -> list[float]:
    return list(100.0 * np.exp(np.cumsum(returns)))


def test_volatility_spike_trips_on_a_burst_and_not_on_calm() -> None:
    rng = np.random.default_rng(3)
    config = VolatilitySpikeConfig(multiple=3.0, fast_span=5, slow_span=200, warmup=50)
    calm = VolatilitySpikeBreaker(config)
    spiky = VolatilitySpikeBreaker(config)
    quiet = rng.standard_normal(300) * 0.001
    burst = np.concatenate([quiet, rng.standard_normal(10) * 0.02])
    assert not any(
        calm.update(T0 + i * S, "AAPL", p).breached
        for i, p in enumerate(_prices(quiet))
    )
    events = [
        spiky.update(T0 + i * S, "AAPL", p).event for i, p in enumerate(_prices(burst))
    ]
    assert BreakerEvent.TRIPPED in events
    assert events.index(BreakerEvent.TRIPPED) >= 300


def test_correlation_measures_of_identical_and_independent_columns() -> None:
    rng = np.random.default_rng(1)
    same = np.repeat(rng.standard_normal((100, 1)), 4, axis=1)
    mean, pc1 = correlation_measures(same)
    assert mean == pytest.approx(1.0)
    assert pc1 == pytest.approx(1.0)
    mean, pc1 = correlation_measures(rng.standard_normal((5000, 4)))
    assert abs(mean) < 0.05
    assert pc1 < 0.3
    flat = np.zeros((10, 2))
    assert np.isnan(correlation_measures(flat)[0])


def _feed(breaker: CorrelationBreaker, returns: np.ndarray, start: int = 0) -> list:
    symbols = [f"S{i}" for i in range(returns.shape[1])]
    prices = 100.0 * np.exp(np.cumsum(returns, axis=0))
    return [
        breaker.update(T0 + (start + t) * S, dict(zip(symbols, row, strict=True)))
        for t, row in enumerate(prices)
    ]


def _one_factor(rng: np.random.Generator, n: int, k: int, rho: float) -> np.ndarray:
    factor = rng.standard_normal((n, 1))
    noise = rng.standard_normal((n, k))
    return 0.001 * (np.sqrt(rho) * factor + np.sqrt(1 - rho) * noise)


def test_correlation_rise_over_baseline_trips() -> None:
    rng = np.random.default_rng(7)
    breaker = CorrelationBreaker(CorrelationConfig(window=60, max_rise=0.3))
    calm = _feed(breaker, _one_factor(rng, 200, 5, 0.0))
    assert not any(r.breached for r in calm)
    spike = _feed(breaker, _one_factor(rng, 100, 5, 0.9), start=200)
    tripped = [r for r in spike if r.event is BreakerEvent.TRIPPED]
    assert len(tripped) == 1
    assert float(tripped[0].inputs["rise"]) > 0.3


def test_correlation_pc1_share_trips_from_the_start() -> None:
    rng = np.random.default_rng(8)
    config = CorrelationConfig(window=60, max_rise=1.0, max_pc1_share=0.7)
    readings = _feed(CorrelationBreaker(config), _one_factor(rng, 80, 5, 0.9))
    assert readings[-1].breached
    assert float(readings[-1].inputs["pc1_share"]) > 0.7


def test_correlation_skips_incomplete_cross_sections() -> None:
    breaker = CorrelationBreaker(CorrelationConfig(window=3))
    breaker.update(T0, {"A": 1.0, "B": 2.0})
    reading = breaker.update(T0 + S, {"A": 1.1})  # B missing: skipped
    assert reading.inputs == {"mean_correlation": "nan"}
