"""Issue 17, order path: answers that prove nothing, fills that overrule our verdict.

The emulator places the order and then answers as if it had not (408, 409, an unknown
4xx, a body that is not JSON). Through the Alpaca adapter and the order manager, each
is an unknown outcome settled by client order id: the order is adopted, never stored
REJECTED, and its fill is applied like any other. A fill for an intent we did record
REJECTED (an older verdict) is applied too, audited and alerted, and the ledger ends
level with the broker.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.alpaca_harness import AlpacaHarness
from tests.contract.broker_contract import calm_bar, limit, market
from tests.factories import key
from tests.risk_support import RecordingAlerter
from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.errors import (
    BrokerRejected,
    DuplicateClientOrderId,
    TransientBrokerError,
)
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import OrderIntent, mark_submitted
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.ports.alerts import AlertCode
from tradecore.ports.store import Store
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager, RetryPolicy
from tradecore.services.orders.reconciler import Reconciler

S = IntentStatus
_ids = itertools.count(1)

#: Apply the order, then answer with a status that does not prove non-acceptance.
APPLIED_THEN: dict[str, dict[str, Any]] = {
    "http_408_after_apply": {"errors": 1, "error_status": 408, "error_apply": True},
    "http_409_after_apply": {"errors": 1, "error_status": 409, "error_apply": True},
    "http_418_after_apply": {"errors": 1, "error_status": 418, "error_apply": True},
}
#: Apply the order, then answer with a body that is not JSON.
GARBAGE_AFTER_APPLY: dict[str, dict[str, Any]] = {
    f"unparseable_{status}_after_apply": {
        "errors": 1,
        "error_status": status,
        "error_apply": True,
        "error_body": "garbage",
        "error_route": "submit_order",
    }
    for status in (200, 400)
}


@pytest.fixture
def harness() -> Iterator[AlpacaHarness]:
    h = AlpacaHarness("ideal")
    yield h
    h.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'unproven.db'}", upgrade=True)
    yield opened
    opened.close()


def _decision(intent: OrderIntent, at: Any) -> DecisionRecord:
    return DecisionRecord(
        decision_id=f"d-{next(_ids)}",
        strategy_id="sma_cross",
        symbol="AAPL",
        decided_at=at,
        details={"client_order_id": intent.client_order_id},
    )


def _intent(h: AlpacaHarness, qty: int = 14) -> OrderIntent:
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(qty))
    return OrderIntent.create(
        key(qty=Decimal(qty), signal_hash=f"s{next(_ids)}"), spec, decided_at=h.now()
    )


def _apply_all(store: Store, manager: OrderManager, events: list[OrderEvent]) -> None:
    for event in events:
        with store.unit_of_work() as uow:
            manager.apply(uow, event)
            uow.commit()


def _ledger_position(store: Store) -> Decimal:
    with store.unit_of_work() as uow:
        fills = list(uow.fills.all())
    return Ledger.opening(Decimal(0)).apply_all(fills).position("AAPL")


def _broker_position(h: AlpacaHarness) -> Decimal:
    return sum((p.qty for p in h.broker.positions() if p.symbol == "AAPL"), Decimal(0))


@pytest.mark.parametrize("fault", sorted(APPLIED_THEN))
def test_an_applied_order_answered_408_409_or_418_is_unknown_not_rejected(
    harness: AlpacaHarness, fault: str
) -> None:
    h, cid = harness, f"unproven-{next(_ids)}"
    h.control.faults(**APPLIED_THEN[fault])
    with pytest.raises(TransientBrokerError, match=r"does not prove|HTTP 408"):
        h.broker.submit(cid, market(h, Side.BUY, 5))
    with pytest.raises(DuplicateClientOrderId):  # the same id, resent: it is there
        h.broker.submit(cid, market(h, Side.BUY, 5))
    assert h.broker.get_order_by_client_id(cid).spec.qty == Decimal(5)
    assert h.control.state()["orders"] == 1


@pytest.mark.parametrize("fault", sorted(APPLIED_THEN | GARBAGE_AFTER_APPLY))
def test_an_applied_order_answered_with_no_proof_is_adopted_and_its_fill_applied(
    harness: AlpacaHarness, store: Store, fault: str
) -> None:
    """The run that died with "fill after reject" (store 0 vs broker 14 shares)."""
    h = harness
    clock = SimClock(h.now())
    manager = OrderManager(
        h.broker, clock, CommitEachStep(store), retry=RetryPolicy(seed=3)
    )
    intent = _intent(h)
    h.control.faults(**APPLIED_THEN.get(fault) or GARBAGE_AFTER_APPLY[fault])
    placed = manager.place(_decision(intent, clock.now()), intent)
    assert placed.status is S.ACKED
    assert h.control.state()["faults"]["errors"] == 0  # the fault was injected
    assert h.control.state()["orders"] == 1
    calm_bar(h)
    _apply_all(store, manager, h.drain())
    with store.unit_of_work() as uow:
        after = uow.intents.get(intent.client_order_id)
    assert after.status is S.FILLED
    assert _ledger_position(store) == _broker_position(h) == Decimal(14)


def test_the_duplicate_code_is_a_duplicate_only_when_the_id_is_taken(
    harness: AlpacaHarness,
) -> None:
    """422 code 40010001 is both "duplicate" and "invalid": the lookup decides."""
    h = harness
    refused, taken = f"dup-{next(_ids)}", f"dup-{next(_ids)}"
    h.control.faults(errors=1, error_status=422, error_code=40010001)
    with pytest.raises(BrokerRejected) as raised:
        h.broker.submit(refused, market(h, Side.BUY, 1))
    assert raised.value.code == "40010001"
    h.control.faults(errors=1, error_status=422, error_code=40010001, error_apply=True)
    with pytest.raises(DuplicateClientOrderId):
        h.broker.submit(taken, market(h, Side.BUY, 1))
    assert [o.client_order_id for o in h.broker.open_orders()] == [taken]


def _rejected_at_our_side(
    h: AlpacaHarness, store: Store, manager: OrderManager, spec: OrderSpec
) -> OrderIntent:
    """An intent we stored REJECTED (as older versions did) that the broker has."""
    assert spec.qty is not None
    intent = OrderIntent.create(
        key(qty=spec.qty, signal_hash=f"s{next(_ids)}"), spec, decided_at=h.now()
    )
    with store.unit_of_work() as uow:
        stored = uow.intents.update(mark_submitted(uow.intents.create(intent), h.now()))
        uow.commit()
    h.broker.submit(stored.client_order_id, spec)
    reject = OrderEvent(
        kind=OrderEventKind.REJECTED,
        client_order_id=stored.client_order_id,
        occurred_at=h.now(),
        reason="HTTP 409 read as a refusal",
    )
    with store.unit_of_work() as uow:
        manager.apply(uow, reject)
        uow.commit()
    return stored


def test_fill_after_verdict_through_the_adapter_moves_the_intent_and_the_ledger(
    harness: AlpacaHarness, store: Store
) -> None:
    """Issue 17 (2): the broker's fill wins; a discrepancy with an alert, no crash."""
    h, alerter = harness, RecordingAlerter()
    manager = OrderManager(
        h.broker, SimClock(h.now()), CommitEachStep(store), alerter=alerter
    )
    intent = _rejected_at_our_side(h, store, manager, market(h, Side.BUY, 14))
    calm_bar(h)
    _apply_all(store, manager, h.drain())
    with store.unit_of_work() as uow:
        after = uow.intents.get(intent.client_order_id)
    assert after.status is S.FILLED
    assert _ledger_position(store) == _broker_position(h) == Decimal(14)
    assert alerter.codes() == [AlertCode.FILL_AFTER_VERDICT.value]


def test_an_open_broker_order_contradicting_a_verdict_is_adopted_by_reconcile(
    harness: AlpacaHarness, store: Store
) -> None:
    h = harness
    clock = SimClock(h.now())
    manager = OrderManager(h.broker, clock, CommitEachStep(store))
    resting = limit(h, Side.BUY, 10, "90.00")
    intent = _rejected_at_our_side(h, store, manager, resting)
    report = Reconciler(h.broker, clock, CommitEachStep(store), manager).run()
    (found,) = [d for d in report.discrepancies if d.kind == "verdict_contradicted"]
    assert found.client_order_id == intent.client_order_id
    assert found.ours == "rejected"
    h.feed_bar(open=89.0, high=89.5, low=88.5, close=89.0)  # it fills at the broker
    _apply_all(store, manager, h.drain())
    with store.unit_of_work() as uow:
        assert uow.intents.get(intent.client_order_id).status is S.FILLED
    assert _ledger_position(store) == _broker_position(h) == Decimal(10)
