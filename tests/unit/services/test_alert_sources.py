"""Alert sources: broker lockout and 429, reconcile mismatches, stuck intents, slippage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.calendars import xnys
from tests.factories import intent
from tests.risk_support import T0, Book, RecordingAlerter, sqlite_store
from tradecore.adapters.observability import PrometheusMetrics
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.errors import AuthenticationFailed, BrokerRejected, RateLimited
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent, apply_event
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.breakers import FailureRateConfig, RejectRateBreaker
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.alerts import Severity
from tradecore.ports.broker import BrokerOrder
from tradecore.services.controls.monitored_broker import MonitoredBroker
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.observation.cycle_watch import (
    CycleWatch,
    WatchLimits,
    slippage_bps,
)
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler
from tradecore.services.trading.live_loop import CycleReport

BUY = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(10))


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(tmp_path / "alerts.db", clock)
    yield opened
    opened.close()


class RefusingBroker(SimulatedBroker):
    """Answers submits with the given error."""

    def __init__(self, clock: SimClock, error: Exception) -> None:
        super().__init__(
            clock, VenueConfig(calendar=xnys(), seed=1, fill_model=FillModel.ideal())
        )
        self.error = error

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        raise self.error


def _watched(
    store: SqlStore, clock: SimClock, error: Exception
) -> tuple[MonitoredBroker, RecordingAlerter, PrometheusMetrics]:
    alerter, metrics = RecordingAlerter(), PrometheusMetrics()
    gate = RiskGate(PreTradeChecker(RiskLimits()), CommitEachStep(store), alerter)
    broker = MonitoredBroker(
        RefusingBroker(clock, error),
        gate,
        clock,
        alerter=alerter,
        metrics=metrics,
        lockout=timedelta(minutes=10),
    )
    return broker, alerter, metrics


def test_credentials_refused_is_a_critical_lockout_with_its_expiry(
    store: SqlStore, clock: SimClock
) -> None:
    broker, alerter, _ = _watched(store, clock, AuthenticationFailed("HTTP 401"))
    with pytest.raises(AuthenticationFailed):
        broker.submit("c-1", BUY)
    assert broker.lockout is not None
    assert broker.lockout.until == T0 + timedelta(minutes=10)
    [alert] = alerter.alerts
    assert (alert.code, alert.severity) == ("broker.lockout", Severity.CRITICAL)
    assert "do not retry before 2026-01-05T14:40:00+00:00" in alert.message


def test_a_429_is_alerted_and_counted(store: SqlStore, clock: SimClock) -> None:
    broker, alerter, metrics = _watched(
        store, clock, RateLimited("slow down", retry_after_s=3.0)
    )
    with pytest.raises(RateLimited):
        broker.submit("c-1", BUY)
    assert alerter.codes() == ["broker.rate_limited"]
    assert alerter.alerts[0].context["retry_after_s"] == "3.0"
    assert metrics.registry.get_sample_value("tradecore_broker_rate_limited_total") == 1
    assert broker.lockout is None


def test_a_reconcile_pass_with_discrepancies_raises_one_alert(
    store: SqlStore, clock: SimClock
) -> None:
    commits = CommitEachStep(store)
    broker = SimulatedBroker(
        clock, VenueConfig(calendar=xnys(), seed=1, fill_model=FillModel.ideal())
    )
    orders = OrderManager(broker, clock, commits)
    with store.unit_of_work() as uow:
        uow.intents.create(intent())  # SUBMITTED, unknown to this broker
        uow.commit()
    alerter, metrics = RecordingAlerter(), PrometheusMetrics()
    clock.advance(3600)  # past the grace period
    report = Reconciler(
        broker, clock, commits, orders, alerter=alerter, metrics=metrics
    ).run()
    assert not report.clean
    [alert] = alerter.alerts
    assert alert.code == "reconcile.mismatch"
    kinds = {d.kind for d in report.discrepancies}
    assert set(alert.context["kinds"]) == kinds  # type: ignore[arg-type]
    for kind in kinds:
        sample = metrics.registry.get_sample_value(
            "tradecore_reconcile_discrepancies_total", {"kind": kind}
        )
        assert sample is not None
        assert sample >= 1


def test_a_clean_reconcile_raises_nothing(store: SqlStore, clock: SimClock) -> None:
    commits = CommitEachStep(store)
    broker = SimulatedBroker(
        clock, VenueConfig(calendar=xnys(), seed=1, fill_model=FillModel.ideal())
    )
    alerter = RecordingAlerter()
    Reconciler(
        broker, clock, commits, OrderManager(broker, clock, commits), alerter=alerter
    ).run()
    assert alerter.alerts == []


def _acked(n: int) -> OrderIntent:
    base = intent(qty=Decimal(10 + n))
    accepted = OrderEvent(
        kind=OrderEventKind.ACCEPTED,
        client_order_id=base.client_order_id,
        broker_order_id=f"b{n}",
        occurred_at=T0,
    )
    return apply_event(base, accepted).intent


def _watch(
    store: SqlStore, clock: SimClock, **limits: object
) -> tuple[CycleWatch, RecordingAlerter, PrometheusMetrics]:
    alerter, metrics = RecordingAlerter(), PrometheusMetrics()
    watch = CycleWatch(
        CommitEachStep(store),
        clock,
        alerter,
        Book(),
        metrics=metrics,
        limits=WatchLimits(**limits),  # type: ignore[arg-type]
    )
    watch.start()
    return watch, alerter, metrics


def _cycle(n: int) -> CycleReport:
    return CycleReport(cycle=n, bars=1, events=0, decisions=0)


def test_an_intent_open_too_long_is_alerted_once(
    store: SqlStore, clock: SimClock
) -> None:
    stuck = _acked(1)
    with store.unit_of_work() as uow:
        uow.intents.create(stuck)
        uow.commit()
    watch, alerter, metrics = _watch(store, clock, stuck_after=timedelta(minutes=5))
    assert watch.observe(_cycle(0)).stuck_intents == ()
    clock.advance(301)
    summary = watch.observe(_cycle(1))
    assert summary.stuck_intents == (stuck.client_order_id,)
    assert summary.open_intents == {"acked": 1}
    watch.observe(_cycle(2))
    assert alerter.codes() == ["intent.stuck"]
    assert alerter.alerts[0].context["dedup_key"] == stuck.client_order_id
    age = metrics.registry.get_sample_value(
        "tradecore_open_intent_oldest_age_seconds", {"status": "acked"}
    )
    assert age == 301


def _fill(target: OrderIntent, n: int, price: str) -> Fill:
    assert target.spec.qty is not None
    return Fill(
        execution_id=f"x{n}",
        client_order_id=target.client_order_id,
        symbol="AAPL",
        side=Side.BUY,
        qty=target.spec.qty,
        price=Decimal(price),
        filled_at=T0,
    )


def test_a_slippage_spike_is_alerted_once_per_spike(
    store: SqlStore, clock: SimClock
) -> None:
    watch, alerter, metrics = _watch(
        store, clock, slippage_bps=25.0, slippage_window=3, slippage_min_fills=3
    )
    prices = ["100.10", "100.10", "100.10", "100.50", "100.50", "100.50"]
    for n, price in enumerate(prices):
        target = OrderIntent.create(
            intent(qty=Decimal(n + 1)).decision_key,
            intent(qty=Decimal(n + 1)).spec,
            decided_at=T0,
            arrival_price=Decimal("100"),
        )
        with store.unit_of_work() as uow:
            uow.intents.create(target)
            uow.fills.record(_fill(target, n, price))
            uow.commit()
        summary = watch.observe(_cycle(n))
        assert summary.fills == 1
    assert alerter.codes() == ["cost.slippage_spike"]  # 10 bps: none; 50 bps: one
    assert (
        metrics.registry.get_sample_value("tradecore_fills_total", {"side": "buy"}) == 6
    )


def test_slippage_is_signed_by_side() -> None:
    buy = Fill(
        execution_id="x",
        client_order_id="c",
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal(1),
        price=Decimal("101"),
        filled_at=T0,
    )
    assert slippage_bps(buy, Decimal("100")) == pytest.approx(100.0)
    sell = Fill(
        execution_id="y",
        client_order_id="c",
        symbol="AAPL",
        side=Side.SELL,
        qty=Decimal(1),
        price=Decimal("101"),
        filled_at=T0,
    )
    assert slippage_bps(sell, Decimal("100")) == pytest.approx(-100.0)


def test_a_reject_rate_trip_carries_its_own_code(
    store: SqlStore, clock: SimClock
) -> None:
    alerter = RecordingAlerter()
    rejects = RejectRateBreaker(FailureRateConfig(max_rate=0.5, min_events=1))
    gate = RiskGate(
        PreTradeChecker(RiskLimits()),
        CommitEachStep(store),
        alerter,
        breakers=(rejects,),
    )
    broker = MonitoredBroker(
        RefusingBroker(clock, BrokerRejected("no buying power")), gate, clock
    )
    with pytest.raises(BrokerRejected):
        broker.submit("c-1", BUY)
    [alert] = alerter.alerts
    assert alert.code == "orders.reject_rate"
    assert alert.context["dedup_key"] == "reject_rate"


def test_a_fill_is_measured_against_the_cost_its_decision_predicted(
    store: SqlStore, clock: SimClock
) -> None:
    watch, _, metrics = _watch(store, clock)
    target = OrderIntent.create(
        intent().decision_key, intent().spec, decided_at=T0, arrival_price=Decimal(100)
    )
    details = {
        "client_order_id": target.client_order_id,
        "policy": {"policy": "market", "cost": {"total_bps": 4.0}},
    }
    with store.unit_of_work() as uow:
        uow.intents.create(target)
        uow.decisions.record_decision(
            DecisionRecord(
                decision_id="d1",
                strategy_id="s",
                symbol="AAPL",
                decided_at=T0,
                details=details,
            )
        )
        uow.fills.record(_fill(target, 1, "100.10"))  # 10 bps, no fee
        uow.commit()
    watch.observe(_cycle(0))
    name = "tradecore_cost_vs_predicted_bps"
    assert metrics.registry.get_sample_value(f"{name}_count") == 1
    # realized 10 bps - predicted 4 bps = 6: above the 5 bucket, inside the 10 one
    below = metrics.registry.get_sample_value(f"{name}_bucket", {"le": "5.0"})
    within = metrics.registry.get_sample_value(f"{name}_bucket", {"le": "10.0"})
    assert (below, within) == (0, 1)
