"""An order the broker answers ``pending_new`` is stored acknowledged, with its id.

Through alpaca-py against the emulator: the emulator (like Alpaca for an order
routed but not yet accepted by the venue) answers the submit with ``pending_new``
and the order's id. Before the fix, the intent stayed SUBMITTED with no broker id,
so an order left there when a recorded feed ended could not be found by id.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.alpaca_harness import AlpacaHarness
from tests.factories import key
from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.ports.broker import BrokerOrder
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager, RetryPolicy


class Answers:
    """The adapter, keeping what each submit answered."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.submitted: list[BrokerOrder] = []

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        answer: BrokerOrder = self._inner.submit(client_order_id, spec)
        self.submitted.append(answer)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_pending_new_answer_is_stored_acked_with_its_broker_id(
    tmp_path: Path,
) -> None:
    h = AlpacaHarness("ideal")
    store = open_store(f"sqlite:///{tmp_path / 'pending.db'}", upgrade=True)
    try:
        clock = SimClock(h.now())
        broker = Answers(h.broker)
        manager = OrderManager(
            broker,  # type: ignore[arg-type]
            clock,
            CommitEachStep(store),
            retry=RetryPolicy(seed=3),
        )
        spec = OrderSpec(
            symbol="AAPL",
            side=Side.BUY,
            qty=Decimal(100),
            order_type=OrderType.LIMIT,
            limit_price=Decimal(50),  # far below the market: it stays working
        )
        intent = OrderIntent.create(key(), spec, decided_at=clock.now())
        decision = DecisionRecord(
            decision_id="d-pending",
            strategy_id="sma_cross",
            symbol="AAPL",
            decided_at=clock.now(),
            details={"client_order_id": intent.client_order_id},
        )
        manager.place(decision, intent)
        with store.unit_of_work() as uow:
            stored = uow.intents.get(intent.client_order_id)
        at_broker = h.broker.get_order_by_client_id(intent.client_order_id)
    finally:
        store.close()
        h.close()
    [answer] = broker.submitted
    assert answer.status is BrokerOrderStatus.PENDING_NEW
    assert answer.broker_order_id
    assert stored.status is IntentStatus.ACKED
    assert stored.broker_order_id == answer.broker_order_id == at_broker.broker_order_id
