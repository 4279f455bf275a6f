"""Orders stuck open past ``[alerts] cancel_stuck_after_s`` are cancelled by policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import key
from tests.risk_support import T0, RecordingAlerter, audit_rows, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.errors import TransientBrokerError
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.alerts import AlertCode
from tradecore.services.controls.stuck_orders import StuckOrderPolicy
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager

D = Decimal


class Broker(SimulatedBroker):
    def __init__(self, clock: SimClock) -> None:
        super().__init__(
            clock,
            VenueConfig(
                seed=1,
                fill_model=FillModel.ideal(),
                calendar=MarketCalendar.always_open(),
                starting_cash=D(1_000_000),
            ),
        )
        self.down = False

    def cancel(self, broker_order_id: str) -> None:
        if self.down:
            raise TransientBrokerError("connection refused")
        super().cancel(broker_order_id)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "stuck.db"


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def store(db: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(db, clock)
    yield opened
    opened.close()


def _bid(orders: OrderManager, clock: SimClock, qty: int) -> OrderIntent:
    """A limit bid far below the market: it rests, unchanged."""
    spec = OrderSpec(
        symbol="AAPL",
        side=Side.BUY,
        qty=D(qty),
        order_type=OrderType.LIMIT,
        limit_price=D(10),
    )
    intent = OrderIntent.create(
        key(qty=D(qty), signal_hash=f"bid{qty}"), spec, decided_at=clock.now()
    )
    decision = DecisionRecord(
        decision_id=intent.client_order_id[:32],
        strategy_id="s1",
        symbol="AAPL",
        decided_at=clock.now(),
    )
    return orders.place(decision, intent)


def _apply(store: SqlStore, orders: OrderManager, broker: Broker) -> None:
    with store.unit_of_work() as uow:
        for event in broker.poll_events():
            orders.apply(uow, event)
        uow.commit()


def test_an_order_open_past_the_limit_is_cancelled_audited_and_alerted(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    broker = Broker(clock)
    orders = OrderManager(broker, clock, CommitEachStep(store))
    broker.on_bar(
        Bar(
            symbol="AAPL",
            timestamp=T0,
            open=100.0,
            high=100.0,
            low=100.0,
            close=100.0,
            volume=1e6,
        )
    )
    old = _bid(orders, clock, 5)
    clock.advance(1)
    _apply(store, orders, broker)
    clock.advance(200)
    young = _bid(orders, clock, 6)
    clock.advance(1)
    _apply(store, orders, broker)
    alerter = RecordingAlerter()
    policy = StuckOrderPolicy(
        orders,
        broker,
        CommitEachStep(store),
        clock,
        alerter,
        cancel_after=timedelta(seconds=120),
    )

    assert policy.sweep() == (old.client_order_id,)  # the young one is left alone
    assert policy.sweep() == ()  # asked once
    clock.advance(1)
    _apply(store, orders, broker)
    with store.unit_of_work() as uow:
        assert uow.intents.get(old.client_order_id).status is IntentStatus.CANCELED
        assert uow.intents.get(young.client_order_id).status is IntentStatus.ACKED
    (entry,) = [p for _, p in audit_rows(db, "stuck_order_cancel")]
    assert entry["client_order_id"] == old.client_order_id
    assert entry["before"]["status"] == "acked"
    assert float(entry["before"]["age_s"]) > 120
    assert entry["after"]["cancel_requested"] is True
    assert entry["after"]["broker_status"] in ("pending_cancel", "canceled")
    assert alerter.codes() == [AlertCode.INTENT_STUCK_CANCELED.value]


def test_a_broker_error_is_alerted_and_the_cancel_tried_again(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    broker = Broker(clock)
    orders = OrderManager(broker, clock, CommitEachStep(store))
    broker.on_bar(
        Bar(
            symbol="AAPL",
            timestamp=T0,
            open=100.0,
            high=100.0,
            low=100.0,
            close=100.0,
            volume=1e6,
        )
    )
    bid = _bid(orders, clock, 5)
    clock.advance(1)
    _apply(store, orders, broker)
    clock.advance(600)
    alerter = RecordingAlerter()
    policy = StuckOrderPolicy(
        orders,
        broker,
        CommitEachStep(store),
        clock,
        alerter,
        cancel_after=timedelta(seconds=60),
    )
    broker.down = True
    assert policy.sweep() == ()
    assert "connection refused" in alerter.alerts[-1].message
    assert audit_rows(db, "stuck_order_cancel") == []
    broker.down = False
    assert policy.sweep() == (bid.client_order_id,)
    assert len(audit_rows(db, "stuck_order_cancel")) == 1
