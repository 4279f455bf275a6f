"""The degradation monitor's per-order shortcut gives the general refusal's answer.

:meth:`DegradationMonitor.refusal` compares a fresh bar's age in integer
nanoseconds with a bound worked out once from the thresholds
(:func:`full_age_ns`), and converts a plain UTC ``now`` inline; anything else
goes to :meth:`DegradationMonitor._refusal`, the general way (a float age, its
health, the mode). Here, for any thresholds and any sequence of observations,
the two answer alike (verdicts, errors, the mode left behind), and the bound is
exactly the last age the data health calls OK.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.orders.spec import Side
from tradecore.domain.risk.degradation import (
    DegradedFeedAction,
    Health,
    HealthThresholds,
    data_health,
)
from tradecore.services.controls.degradation import DegradationMonitor, full_age_ns

NOW = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)


@st.composite
def thresholds(draw: st.DrawFn) -> HealthThresholds:
    """Data-age thresholds of any size the validators accept (ints or floats)."""
    number = st.one_of(st.integers(1, 10_000), st.floats(1.0, 1e6, allow_nan=False))
    interval = draw(number)
    degraded = draw(number)
    down = degraded + draw(st.one_of(st.integers(0, 100), st.floats(0.0, 1e3)))
    return HealthThresholds(
        data_interval_s=interval,
        data_degraded_intervals=degraded,
        data_down_intervals=down,
        broker_min_calls=draw(st.integers(1, 4)),
    )


def _ages(bound: int) -> st.SearchStrategy[int]:
    """Bar ages in ns: at the bound and next to it, and anywhere."""
    return st.one_of(
        st.integers(-2, 2).map(lambda k: bound + k),
        st.integers(-2, 2).map(lambda k: bound + k),
        st.integers(-(10**12), 10**15),
        st.integers(-(2**70), 2**70),
    )


#: Instants of every kind ``now`` may be: plain UTC, another zero-offset zone,
#: a two-hour offset, and naive (the general path refuses it).
_ZONES = (UTC, timezone(timedelta(0)), timezone(timedelta(hours=2)), None)


class _Alerts:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, alert: Any) -> None:
        self.sent.append((alert.code, alert.message, dict(alert.context)))


@settings(max_examples=300)
@given(thresholds(), st.data())
def test_the_bound_is_the_last_ok_age(t: HealthThresholds, data: st.DataObject) -> None:
    bound = full_age_ns(t)
    age = data.draw(_ages(bound))
    assert (data_health(age / 1e9, t) is Health.OK) == (age <= bound)


@settings(max_examples=300)
@given(thresholds(), st.sampled_from(DegradedFeedAction), st.data())
def test_the_shortcut_answers_as_the_general_refusal(
    t: HealthThresholds, feed_action: DegradedFeedAction, data: st.DataObject
) -> None:
    alerts, twin_alerts = _Alerts(), _Alerts()
    monitor = DegradationMonitor(t, alerts, degraded_feed=feed_action)  # type: ignore[arg-type]
    twin = DegradationMonitor(t, twin_alerts, degraded_feed=feed_action)  # type: ignore[arg-type]
    bound = full_age_ns(t)
    clock = NOW
    for _ in range(data.draw(st.integers(1, 25))):
        kind = data.draw(st.sampled_from(("call", "store", "model", "feed", "ask")))
        if kind == "call":
            clock += timedelta(seconds=data.draw(st.integers(0, 900)))
            failed = data.draw(st.booleans())
            for m in (monitor, twin):
                m.on_broker_call(clock, failed=failed)
        elif kind == "store":
            failed = data.draw(st.booleans())
            for m in (monitor, twin):
                m.on_store_result(failed=failed)
        elif kind == "model":
            health = data.draw(st.sampled_from(Health))
            for m in (monitor, twin):
                m.set_model_health(health)
        elif kind == "feed":
            provenance = data.draw(st.sampled_from(Provenance))
            for m in (monitor, twin):
                m.on_feed(provenance)
        else:
            clock += timedelta(microseconds=data.draw(st.integers(0, 10**9)))
            _ask_both(monitor, twin, clock, bound, data)
        assert monitor.mode_now is twin.mode_now
        assert alerts.sent == twin_alerts.sent


@settings(max_examples=300)
@given(thresholds(), st.integers(-3, 3), st.sampled_from(_ZONES), st.sampled_from(Side))
def test_a_quiet_monitor_answers_at_the_bound_as_the_general_refusal(
    t: HealthThresholds, off: int, zone: timezone | None, side: Side
) -> None:
    # Every component OK but the data age, the mode FULL: the shortcut's case,
    # at the ages either side of its bound.
    monitor, twin = DegradationMonitor(t), DegradationMonitor(t)
    now = NOW.astimezone(zone) if zone is not None else NOW.replace(tzinfo=None)
    last_ns = to_ns(NOW) - (full_age_ns(t) + off)
    answers = []
    for ask in (monitor.refusal, twin._refusal):
        try:
            answers.append(ask(now, last_ns, side, Decimal(3), Decimal(0)))
        except Exception as error:  # the same error, or none
            answers.append((type(error), str(error)))
    assert answers[0] == answers[1]
    assert monitor.mode_now is twin.mode_now


def _ask_both(
    monitor: DegradationMonitor,
    twin: DegradationMonitor,
    clock: datetime,
    bound: int,
    data: st.DataObject,
) -> None:
    """Ask the shortcut and the general path the same order; same answer."""
    zone = data.draw(st.sampled_from(_ZONES))
    now = clock.astimezone(zone) if zone is not None else clock.replace(tzinfo=None)
    age = data.draw(st.one_of(st.none(), _ages(bound)))
    last_ns = None if age is None else to_ns(clock) - age
    side = data.draw(st.sampled_from(Side))
    qty = Decimal(data.draw(st.integers(1, 500)))
    current = Decimal(data.draw(st.integers(-500, 500)))
    expected: Any
    try:
        expected = twin._refusal(now, last_ns, side, qty, current)
    except Exception as error:  # the same error, or none
        expected = (type(error), str(error))
    got: Any
    try:
        got = monitor.refusal(now, last_ns, side, qty, current)
    except Exception as error:
        got = (type(error), str(error))
    assert got == expected


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(("answered", "failed", "health")),
            st.integers(-120, 400),  # seconds the clock moves (it may step back)
            st.booleans(),  # a new datetime object, or the last one again
        ),
        max_size=40,
    ),
    st.integers(1, 600),
)
def test_an_answered_call_is_counted_as_a_call_that_did_not_fail(
    steps: list[tuple[str, int, bool]], window_s: int
) -> None:
    t = HealthThresholds(broker_window_s=window_s, broker_min_calls=1)
    monitor, twin = DegradationMonitor(t), DegradationMonitor(t)
    at = NOW
    for kind, seconds, fresh in steps:
        if fresh:
            at = at + timedelta(seconds=seconds)
        if kind == "answered":
            monitor.on_answered_call(at)
            twin.on_broker_call(at, failed=False)
        elif kind == "failed":
            for m in (monitor, twin):
                m.on_broker_call(at, failed=True)
        else:
            assert monitor.health(at, 1.0) == twin.health(at, 1.0)
        assert list(monitor._calls) == list(twin._calls)
        assert monitor._failed_calls == twin._failed_calls
        assert monitor._cut_for is twin._cut_for
        assert monitor._cutoff == twin._cutoff
