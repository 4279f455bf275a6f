"""For any sequence of broker events, the intent obeys its invariants.

Events are generated freely, including contradictory and out-of-order ones; an event
the machine refuses (IllegalTransition) must leave the intent unchanged.
"""

from __future__ import annotations

import contextlib
import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.factories import event, intent
from tradecore.domain import (
    TERMINAL,
    TRANSITIONS,
    IntentStatus,
    OrderEventKind,
    OrderIntent,
    apply_event,
)
from tradecore.domain.errors import IllegalTransition
from tradecore.domain.orders.lifecycle import VERDICTS

ORDER_QTY = 100

event_specs = st.lists(
    st.tuples(
        st.sampled_from(list(OrderEventKind)),
        st.integers(min_value=1, max_value=60),  # fill qty
        st.integers(min_value=0, max_value=12),  # execution id (repeats = duplicates)
        st.sampled_from([None, "cancel_rejected", "broker said no"]),
    ),
    max_size=25,
)


def _run(specs: list[tuple[OrderEventKind, int, int, str | None]]) -> list[OrderIntent]:
    current = intent(qty=Decimal(ORDER_QTY))
    history = [current]
    for n, (kind, qty, exec_n, reason) in enumerate(specs, start=1):
        is_fill = kind in (OrderEventKind.FILL, OrderEventKind.PARTIAL_FILL)
        ev = event(
            current,
            kind,
            qty=str(qty) if is_fill else None,
            exec_id=f"x{exec_n}",
            seconds=n,
            reason=reason,
        )
        # A refused event must leave the intent unchanged (checked via history).
        with contextlib.suppress(IllegalTransition):
            current = apply_event(current, ev).intent
        history.append(current)
    return history


@given(event_specs)
def test_only_a_fill_reopens_a_verdict_and_every_move_is_in_the_table(
    specs: list,
) -> None:
    """Terminal stays terminal, except that a fill overrules REJECTED/FAILED."""
    history = _run(specs)
    for before, after in itertools.pairwise(history):
        if before.status is not after.status:
            assert after.status in TRANSITIONS[before.status]
        if before.status in TERMINAL and after.status not in TERMINAL:
            assert before.status in VERDICTS
            assert after.status is IntentStatus.PARTIALLY_FILLED
            assert after.filled_qty > before.filled_qty


@given(event_specs)
def test_filled_quantity_never_decreases_nor_exceeds_the_order(specs: list) -> None:
    history = _run(specs)
    for before, after in itertools.pairwise(history):
        assert after.filled_qty >= before.filled_qty
        assert after.filled_qty <= ORDER_QTY
    final = history[-1]
    assert len(set(final.execution_ids)) == len(final.execution_ids)


@given(event_specs)
def test_fully_filled_intents_are_filled(specs: list) -> None:
    final = _run(specs)[-1]
    if final.filled_qty == ORDER_QTY:
        assert final.status is IntentStatus.FILLED
    if final.status is IntentStatus.FILLED:
        assert final.filled_qty == ORDER_QTY


@given(event_specs)
def test_applying_the_same_events_twice_gives_the_same_intent(specs: list) -> None:
    assert _run(specs)[-1] == _run(specs)[-1]
