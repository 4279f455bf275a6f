"""The console's cancel-one-order and reconcile-now actions, on a simulated venue:
they reach the broker through the order manager and the reconciler (the services
the trading process and ``tradecore-live reconcile`` use), and every one, refusals
included, is audited with the operator's name and alerted."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import key
from tests.risk_support import T0, audit_rows, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.apps.config.settings import Settings
from tradecore.apps.console.actions import Actions
from tradecore.apps.console.auth import Operator
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager

ALICE = Operator("alice", "operator")


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def venue(clock: SimClock) -> SimulatedBroker:
    config = VenueConfig(
        seed=1,
        fill_model=FillModel.ideal(),
        calendar=MarketCalendar.always_open(),
        starting_cash=Decimal(1_000_000),
    )
    venue = SimulatedBroker(clock, config)
    venue.on_bar(
        Bar(
            symbol="MSFT",
            timestamp=T0,
            open=50.0,
            high=50.0,
            low=50.0,
            close=50.0,
            volume=1e7,
        )
    )
    return venue


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = sqlite_store(tmp_path / "actions.db")
    yield opened
    opened.close()


def _bid(store: SqlStore, clock: SimClock, venue: SimulatedBroker) -> OrderIntent:
    spec = OrderSpec(
        symbol="MSFT",
        side=Side.BUY,
        qty=Decimal(5),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(10),
    )
    k = key(symbol="MSFT", qty=spec.qty, signal_hash="bid")
    intent = OrderIntent.create(k, spec, decided_at=clock.now())
    decision = DecisionRecord(
        decision_id="d1", strategy_id="s1", symbol="MSFT", decided_at=clock.now()
    )
    return OrderManager(venue, clock, CommitEachStep(store)).place(decision, intent)


def _db(store: SqlStore) -> Path:
    return Path(str(store.engine.url.database))


def _actions(
    store: SqlStore, clock: SimClock, venue: SimulatedBroker | None
) -> Actions:
    return Actions(Settings(), store, clock, lambda settings, clock: venue)


def test_cancel_one_order_reaches_the_broker_and_is_audited(
    store: SqlStore, clock: SimClock, venue: SimulatedBroker
) -> None:
    bid = _bid(store, clock, venue)
    assert [o.client_order_id for o in venue.open_orders()] == [bid.client_order_id]
    done = _actions(store, clock, venue).cancel(ALICE, bid.client_order_id, "stale bid")
    assert done.ok
    assert venue.open_orders() == []
    [(_, action)] = audit_rows(_db(store), "console_action")
    assert action == {
        "operator": "alice",
        "role": "operator",
        "action": "cancel_order",
        "target": bid.client_order_id,
        "reason": "stale bid",
        "complete": True,
        "result": [f"cancel of {bid.client_order_id} sent to the broker"],
    }
    codes = [p["code"] for _, p in audit_rows(_db(store), "alert")]
    assert codes == ["operator.action"]


def test_cancel_refuses_an_unknown_order_and_audits_the_refusal(
    store: SqlStore, clock: SimClock, venue: SimulatedBroker
) -> None:
    with pytest.raises(InvalidInput, match="no such order"):
        _actions(store, clock, venue).cancel(ALICE, "nope", "typo")
    [(_, action)] = audit_rows(_db(store), "console_action")
    assert action["complete"] is False
    assert action["result"][0].startswith("refused: ")


def test_reconcile_now_compares_with_the_broker(
    store: SqlStore, clock: SimClock, venue: SimulatedBroker
) -> None:
    bid = _bid(store, clock, venue)
    done = _actions(store, clock, venue).reconcile(ALICE, "check after restart")
    assert done.lines[0] == "checked 1 open intent(s)"
    assert done.ok  # the store agrees with the venue
    with store.unit_of_work() as uow:
        assert uow.intents.get(bid.client_order_id).broker_order_id is not None


def test_without_a_broker_cancel_and_reconcile_say_so(
    store: SqlStore, clock: SimClock, venue: SimulatedBroker
) -> None:
    bid = _bid(store, clock, venue)
    actions = _actions(store, clock, None)
    for done in (
        actions.cancel(ALICE, bid.client_order_id, "r"),
        actions.reconcile(ALICE, "r"),
    ):
        assert not done.ok
        assert done.lines == ("no broker configured ([broker] kind)",)
    assert [o.client_order_id for o in venue.open_orders()] == [bid.client_order_id]
