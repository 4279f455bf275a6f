"""The degraded data regime (iex, delayed_sip): seen, priced and acted on as configured."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.risk_support import T0
from tests.unit.services.test_net_of_cost import _plan, _planner
from tradecore.adapters.observability import PrometheusMetrics
from tradecore.adapters.sim import SimClock
from tradecore.apps.live.operations import TimedFeed, health_checks
from tradecore.domain.execution.policy import ExecutionPolicy
from tradecore.domain.market.bars import Bar, Provenance
from tradecore.domain.risk.degradation import (
    DegradedFeedAction,
    Health,
    Mode,
    regime_health,
    worst,
)
from tradecore.domain.strategies.protocol import Target
from tradecore.services.controls.degradation import DegradationMonitor


def test_regime_health_counts_only_when_told_to() -> None:
    reduce, block = (
        DegradedFeedAction.REDUCE_AGGRESSION,
        DegradedFeedAction.NO_NEW_ENTRIES,
    )
    assert regime_health(Provenance.IEX, reduce) is Health.OK
    assert regime_health(Provenance.IEX, block) is Health.DEGRADED
    assert regime_health(Provenance.DELAYED_SIP, block) is Health.DEGRADED
    assert regime_health(Provenance.SIP, block) is Health.OK
    assert regime_health(None, block) is Health.OK
    assert worst(Health.OK, Health.DOWN, Health.DEGRADED) is Health.DOWN


@pytest.mark.parametrize(
    ("action", "iex_mode"),
    [
        (DegradedFeedAction.REDUCE_AGGRESSION, Mode.FULL),
        (DegradedFeedAction.NO_NEW_ENTRIES, Mode.NO_NEW_ENTRIES),
    ],
)
def test_the_monitor_acts_on_the_feed_as_configured(
    action: DegradedFeedAction, iex_mode: Mode
) -> None:
    monitor = DegradationMonitor(degraded_feed=action)
    assert monitor.mode(T0, data_age_s=0.0) is Mode.FULL  # no bar yet: no regime
    monitor.on_feed(Provenance.IEX)
    assert monitor.mode(T0, data_age_s=0.0) is iex_mode
    monitor.on_feed(Provenance.SIP)
    assert monitor.mode(T0, data_age_s=0.0) is Mode.FULL


def test_the_default_is_reduce_aggression_not_a_halt() -> None:
    monitor = DegradationMonitor()
    monitor.on_feed(Provenance.DELAYED_SIP)
    assert monitor.mode(T0, data_age_s=0.0) is Mode.FULL


def test_the_planner_prices_with_the_bars_feed() -> None:
    planner = _planner(urgency_minutes=20.0, spread_bps=4.0)
    sip = _plan(planner, Target("AAA", Decimal(100)))
    assert sip.choice.policy is ExecutionPolicy.MARKETABLE_LIMIT
    planner.observe_provenance("AAA", Provenance.FILE)  # names no feed: ignored
    assert _plan(planner, Target("AAA", Decimal(100))).choice == sip.choice
    planner.observe_provenance("AAA", Provenance.IEX)
    iex = _plan(planner, Target("AAA", Decimal(100)))
    assert iex.details["policy"]["features"]["provenance"] == "iex"
    assert iex.choice.policy is ExecutionPolicy.PASSIVE_LIMIT
    assert iex.spec.limit_price < sip.spec.limit_price  # less aggressive


class _Bars:
    def __init__(self, *batches: list[Bar]) -> None:
        self._batches = list(batches)

    def poll(self, now: object) -> list[Bar]:
        return self._batches.pop(0) if self._batches else []

    @property
    def exhausted(self) -> bool:
        return not self._batches

    def next_close(self) -> None:
        return None


def _bar(provenance: Provenance) -> Bar:
    return Bar(
        symbol="AAA",
        timestamp=T0,
        open=100.0,
        high=100.0,
        low=100.0,
        close=100.0,
        volume=10.0,
        provenance=provenance,
    )


def test_the_feed_regime_is_a_gauge_and_a_health_detail() -> None:
    metrics = PrometheusMetrics()
    feed = TimedFeed(
        _Bars([_bar(Provenance.IEX)], [_bar(Provenance.SIP)]),  # type: ignore[arg-type]
        timedelta(minutes=1),
        metrics=metrics,
    )
    check = health_checks(
        broker=_Unlocked(),  # type: ignore[arg-type]
        feed=feed,
        clock=SimClock(T0 + timedelta(minutes=1)),
        max_data_age=timedelta(minutes=3),
        store=None,  # type: ignore[arg-type]
        manifest="m",
    )["data_feed"]
    feed.poll(T0)
    assert feed.degraded
    gauge = metrics.registry.get_sample_value
    assert gauge("tradecore_data_degraded", {"feed": "iex"}) == 1
    assert check().detail.endswith("feed iex (degraded: execution passive)")
    feed.poll(T0)
    assert not feed.degraded
    assert gauge("tradecore_data_degraded", {"feed": "sip"}) == 0
    assert gauge("tradecore_data_degraded", {"feed": "iex"}) == 0
    assert check().detail.endswith("feed sip (full)")


class _Unlocked:
    lockout = None
