"""The write-behind store drops what is durable and settled; reads still find it.

A replay's memory must be bounded by its commit batch, not by its length: after a
commit the mirrors keep only working intents (and the ids they must recognise), and
every read of a dropped row is answered from the database, exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.contract.store_contract import T0, fill_event, make_intent
from tradecore.adapters.sqlstore import open_store
from tradecore.adapters.sqlstore.write_behind import WriteBehindStore
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import OrderIntent, apply_event, mark_submitted
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord


@pytest.fixture
def store(tmp_path: Path) -> Iterator[WriteBehindStore]:
    sql = open_store(f"sqlite:///{tmp_path / 'replay.db'}", upgrade=True)
    opened = WriteBehindStore(sql)
    yield opened
    opened.close()


def _filled(store: WriteBehindStore, n: int) -> OrderIntent:
    """Create, submit and fill intent ``n`` (with its decision and outcome)."""
    decision = DecisionRecord.keyed(
        strategy_id="contract", symbol="AAPL", decided_at=T0, inputs_hash=f"in{n}"
    )
    with store.unit_of_work() as uow:
        uow.decisions.record_decision(decision)
        intent = uow.intents.create(make_intent(n))
        intent = uow.intents.update(mark_submitted(intent, T0))
        event = fill_event(intent, f"x-{n}", "10")
        applied = apply_event(intent, event)
        intent = uow.intents.update(applied.intent)
        assert applied.new_fill is not None
        uow.fills.record(applied.new_fill)
        uow.decisions.record_outcome(
            OutcomeRecord(
                decision_id=decision.decision_id,
                kind=OutcomeKind.SUBMITTED,
                recorded_at=T0,
                client_order_id=intent.client_order_id,
            )
        )
        uow.commit()
    return intent


def test_settled_rows_leave_memory_and_are_still_read(store: WriteBehindStore) -> None:
    filled = [_filled(store, n) for n in range(1, 6)]
    working = store.intents  # the store-level mirrors
    assert working._rows == {}
    assert store.fills._fills == []
    assert store.decisions._decisions == {}
    with store.unit_of_work() as uow:
        assert uow.intents.get(filled[0].client_order_id) == filled[0]
        assert len(uow.intents.by_status(IntentStatus.FILLED)) == 5
        assert [f.execution_id for f in uow.fills.all()] == [
            f"x-{n}" for n in range(1, 6)
        ]
        assert len(uow.decisions.all_decisions()) == 5
        assert len(uow.decisions.all_outcomes()) == 5
        fills, mark = uow.fills.recorded_after(3)
        assert ([f.execution_id for f in fills], mark) == (["x-4", "x-5"], 5)


def test_a_dropped_intent_is_recognised_not_created_twice(
    store: WriteBehindStore,
) -> None:
    first = _filled(store, 1)
    with store.unit_of_work() as uow:
        again = uow.intents.create(make_intent(1))  # the same decision, re-run
        uow.commit()
    assert again == first
    assert again.status is IntentStatus.FILLED
    with store.unit_of_work() as uow:
        decision = DecisionRecord.keyed(
            strategy_id="contract", symbol="AAPL", decided_at=T0, inputs_hash="in1"
        )
        assert uow.decisions.record_decision(decision) is False
        assert uow.fills.record(fill_event(first, "x-1", "10").fill) is False  # type: ignore[arg-type]


def test_a_late_event_for_a_dropped_intent_is_applied(store: WriteBehindStore) -> None:
    with store.unit_of_work() as uow:
        intent = uow.intents.create(make_intent(7, qty="10"))
        intent = uow.intents.update(mark_submitted(intent, T0))
        canceled = OrderEvent(
            kind=OrderEventKind.CANCELED,
            client_order_id=intent.client_order_id,
            occurred_at=T0 + timedelta(seconds=1),
        )
        intent = uow.intents.update(apply_event(intent, canceled).intent)
        uow.commit()
    assert store.intents._rows == {}  # canceled is terminal: dropped
    with store.unit_of_work() as uow:  # a fill that raced the cancel arrives late
        stored = uow.intents.get(intent.client_order_id)
        applied = apply_event(stored, fill_event(stored, "late-1", "4"))
        after = uow.intents.update(applied.intent)
        assert applied.new_fill is not None
        assert uow.fills.record(applied.new_fill)
        uow.commit()
    reopened = WriteBehindStore(open_store(store.url, upgrade=False))
    try:
        with reopened.unit_of_work() as uow:
            assert uow.intents.get(intent.client_order_id) == after
            assert [f.execution_id for f in uow.fills.all()] == ["late-1"]
    finally:
        reopened.close()


def test_working_intents_stay_in_memory(store: WriteBehindStore) -> None:
    with store.unit_of_work() as uow:
        intent = uow.intents.create(make_intent(9))
        intent = uow.intents.update(mark_submitted(intent, T0))
        uow.commit()
    assert list(store.intents._rows) == [intent.client_order_id]
    with store.unit_of_work() as uow:
        assert uow.intents.open_intents() == [intent]
