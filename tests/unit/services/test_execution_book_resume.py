"""ExecutionBook.resume_parent: a parent worked again after a restart, from its children."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs

from tests.factories import T0, key
from tradecore.domain.execution.parent_record import ParentSchedule
from tradecore.domain.execution.policy import ExecutionPolicy
from tradecore.domain.execution.slicing import child_intent
from tradecore.domain.orders.intent import OrderIntent, mark_submitted
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import OrderSpec
from tradecore.services.execution.execution_book import ExecutionBook

D = Decimal
QTY = D(1_000)


def _parent() -> OrderIntent:
    spec = OrderSpec(symbol="AAPL", side=key().side, qty=QTY)
    return OrderIntent.create(key(qty=QTY), spec, decided_at=T0)


def _schedule(policy: ExecutionPolicy) -> ParentSchedule:
    return ParentSchedule(
        policy=policy,
        slices=4,
        horizon=timedelta(minutes=20),
        participation_cap=0.1,
        start=T0,
    )


def test_a_resumed_twap_parent_goes_on_with_the_next_slice_at_its_time() -> None:
    parent = _parent()
    fresh = ExecutionBook().resume_parent(
        parent, _schedule(ExecutionPolicy.TWAP), "decision", []
    )
    sent = [
        mark_submitted(child_intent(parent, s, decided_at=s.not_before), T0)  # type: ignore[arg-type]
        for s in fresh.twap[:2]
    ]
    filled = attrs.evolve(sent[0], status=IntentStatus.FILLED, filled_qty=D(250))
    book = ExecutionBook()
    working = book.resume_parent(
        parent, _schedule(ExecutionPolicy.TWAP), "decision", [filled, sent[1]]
    )
    assert working.next_index == 2
    assert working.unsent == QTY - D(500)
    assert working.deadline == T0 + timedelta(minutes=25)
    assert book.parent_ids() == (parent.client_order_id,)
    assert list(book.due("AAPL", T0 + timedelta(minutes=9), 0.0)) == []
    ((_, due),) = book.due("AAPL", T0 + timedelta(minutes=10), 0.0)
    assert due == fresh.twap[2]  # the slice and id the first process would send
    # The open child got its deadline back (one slice interval); the filled one not.
    late, ended = book.overdue("AAPL", T0 + timedelta(minutes=10))
    assert [i.client_order_id for i in late] == [sent[1].client_order_id]
    assert ended == []


def test_a_resumed_pov_parent_numbers_the_next_child_after_the_sent_ones() -> None:
    parent = _parent()
    fresh = ExecutionBook().resume_parent(
        parent, _schedule(ExecutionPolicy.POV), "decision", []
    )
    assert fresh.pov is not None
    first = fresh.pov.next_slice(
        parent.decision_key, index=0, remaining=QTY, observed_volume=3_000.0
    )
    assert first is not None
    child = attrs.evolve(
        child_intent(parent, first, decided_at=T0), status=IntentStatus.FILLED
    )
    book = ExecutionBook()
    working = book.resume_parent(
        parent, _schedule(ExecutionPolicy.POV), "decision", [child]
    )
    assert (working.next_index, working.unsent) == (1, QTY - first.qty)
    assert list(book.due("AAPL", T0, 5_000.0)) == []  # one POV child per bar
    ((_, due),) = book.due("AAPL", T0 + timedelta(minutes=1), 5_000.0)
    assert due.index == 1
