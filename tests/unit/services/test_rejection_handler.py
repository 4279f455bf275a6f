"""Rejections become capped retries (new attempts, placed exactly once) or alerts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import key
from tests.risk_support import T0, RecordingAlerter, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.errors import BrokerRejected
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.rejection_policy import RejectionAction, RejectionPolicy
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.broker import BrokerOrder
from tradecore.services.controls.rejection_handler import RejectionHandler
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager

D = Decimal


class RefusingBroker(SimulatedBroker):
    """Refuses the first ``refusals`` submits synchronously with ``reason``."""

    def __init__(self, clock: SimClock, reason: str, refusals: int) -> None:
        config = VenueConfig(
            seed=1,
            fill_model=FillModel.ideal(),
            calendar=MarketCalendar.always_open(),
        )
        super().__init__(clock, config)
        self.reason = reason
        self.refusals = refusals
        self.submitted: list[OrderSpec] = []
        self.on_bar(
            Bar(symbol="AAPL", timestamp=T0, open=100.0, high=100.0, low=100.0,
                close=100.0, volume=1e7)
        )  # fmt: skip

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        self.submitted.append(spec)
        if self.refusals > 0:
            self.refusals -= 1
            raise BrokerRejected(self.reason)
        return super().submit(client_order_id, spec)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(tmp_path / "rej.db", clock)
    yield opened
    opened.close()


def _first_try(orders: OrderManager, clock: SimClock, qty: str = "100") -> OrderIntent:
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=D(qty))
    intent = OrderIntent.create(key(qty=D(qty)), spec, decided_at=clock.now())
    decision = DecisionRecord(
        decision_id="d-first", strategy_id="sma_cross", symbol="AAPL",
        decided_at=clock.now(),
    )  # fmt: skip
    return orders.place(decision, intent)


def _all_intents(store: SqlStore) -> list[OrderIntent]:
    with store.unit_of_work() as uow:
        return list(uow.intents.by_status(*IntentStatus))


def test_buying_power_retries_once_at_half_size(
    store: SqlStore, clock: SimClock
) -> None:
    broker = RefusingBroker(clock, "insufficient buying power", refusals=1)
    orders = OrderManager(broker, clock, CommitEachStep(store))
    handler = RejectionHandler(orders, clock, RecordingAlerter())
    first = _first_try(orders, clock)
    assert first.status is IntentStatus.REJECTED
    decision = handler.on_rejected(first, first.reason or "")
    assert decision.action is RejectionAction.REDUCE_SIZE
    retry = next(i for i in _all_intents(store) if i.attempt == 2)
    assert retry.spec.qty == D(50)
    assert retry.parent_client_order_id == first.client_order_id
    assert retry.status is not IntentStatus.REJECTED
    assert retry.client_order_id.endswith("-2")


def test_a_rejection_storm_stops_at_the_cap_and_alerts(
    store: SqlStore, clock: SimClock
) -> None:
    broker = RefusingBroker(clock, "rate limit exceeded", refusals=100)
    orders = OrderManager(broker, clock, CommitEachStep(store))
    alerter = RecordingAlerter()
    handler = RejectionHandler(
        orders, clock, alerter, RejectionPolicy(max_retries=3, backoff_base_s=2)
    )
    first = _first_try(orders, clock)
    handler.on_rejected(first, first.reason or "")
    waits = []
    while handler.waiting:
        clock.advance(1)
        waits.append(clock.now())
        handler.place_due()
    assert len(broker.submitted) == 4  # the first try and three retries
    assert [i.attempt for i in _all_intents(store)] == [1, 2, 3, 4]
    actions = [d.action for d in handler.decisions]
    assert actions == [RejectionAction.BACKOFF] * 3 + [RejectionAction.GIVE_UP]
    assert alerter.codes() == ["order_rejected"]
    assert alerter.alerts[0].context["attempt"] == 4
    # backoff 2 s, 4 s, 8 s: the retries went out 2, 6 and 14 s after the start
    sent_at = [(w - T0).total_seconds() for w in waits]
    assert {2.0, 6.0, 14.0} <= set(sent_at)


def test_an_unknown_rejection_is_not_retried(store: SqlStore, clock: SimClock) -> None:
    broker = RefusingBroker(clock, "asset is not tradable", refusals=1)
    orders = OrderManager(broker, clock, CommitEachStep(store))
    alerter = RecordingAlerter()
    handler = RejectionHandler(orders, clock, alerter)
    first = _first_try(orders, clock)
    assert handler.on_rejected(first, first.reason or "").gives_up
    assert len(broker.submitted) == 1
    assert alerter.alerts[0].context["kind"] == "not_allowed"
