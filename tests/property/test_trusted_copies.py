"""The copies generated for fixed fields are the copies ``trusted_replace`` makes.

:func:`~tradecore.domain.frozen.trusted_copier` compiles a copy for a fixed set of
changed fields (the intent's status and time on every order, the store's version
on every insert and update): for any intent (moved by any events) and any values
of those fields, in any order of names, its copy is field for field, and in type,
what :func:`~tradecore.domain.frozen.trusted_replace` builds, and the original is
untouched. :func:`~tradecore.domain.orders.intent.mark_submitted` copies a CREATED
intent without the transition table's look-up: for any instant, before or after
the intent's, it is what :func:`~tradecore.domain.orders.intent.transition` gives.
:func:`~tradecore.domain.orders.intent.acknowledged` is what applying the ACCEPTED
event gives. Each test fails if a generated copy drops, swaps or keeps a field.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import T0, intent
from tests.property.test_intent_trusted_moves import ORDER_QTY, _event, event_specs
from tradecore.domain import OrderEvent, OrderEventKind, OrderIntent, apply_event
from tradecore.domain.errors import IllegalTransition, InvalidInput, Overfill
from tradecore.domain.frozen import trusted_copier, trusted_replace
from tradecore.domain.orders.intent import (
    Applied,
    _apply_accepted,
    _move,
    _status_after_fill,
    acknowledged,
    acknowledged_at_version,
    mark_submitted,
    mark_submitted_at_version,
    transition,
)
from tradecore.domain.orders.lifecycle import IntentStatus

S = IntentStatus

#: A value of each field a generated copy may change, drawn per field.
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "status": st.sampled_from(list(IntentStatus)),
    "updated_at": st.integers(-100, 100).map(lambda s: T0 + timedelta(seconds=s)),
    "broker_order_id": st.sampled_from([None, "b-1", "b-2"]),
    "version": st.integers(0, 50),
    "reason": st.sampled_from([None, "why"]),
    "filled_qty": st.sampled_from([Decimal(0), Decimal(7)]),
}


def _fields(value: object) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in attrs.fields(type(value))}


def _moved(specs: list) -> OrderIntent:
    """An intent moved by the events ``specs`` describe (illegal ones skipped)."""
    current = intent(qty=Decimal(ORDER_QTY))
    for spec in specs:
        with contextlib.suppress(IllegalTransition, Overfill):
            current = apply_event(current, _event(current, spec)).intent
    return current


@given(
    event_specs,
    st.lists(st.sampled_from(sorted(_VALUES)), min_size=1, unique=True).flatmap(
        lambda names: st.tuples(st.just(names), st.tuples(*(_VALUES[n] for n in names)))
    ),
)
def test_a_generated_copy_is_trusted_replace(specs: list, change: tuple) -> None:
    names, values = change
    base = _moved(specs)
    before = _fields(base)
    copied = trusted_copier(OrderIntent, *names)(base, *values)
    expected = trusted_replace(base, **dict(zip(names, values, strict=True)))
    assert type(copied) is OrderIntent
    assert _fields(copied) == _fields(expected)
    assert _fields(base) == before  # the original is untouched


@given(st.integers(-100, 100), st.booleans())
def test_marking_a_created_intent_is_its_transition(seconds: int, moved: bool) -> None:
    created = intent(submitted=False)
    if moved:  # an intent whose own instant is later than T0
        created = trusted_replace(created, updated_at=T0 + timedelta(seconds=30))
    at = T0 + timedelta(seconds=seconds)
    marked = mark_submitted(created, at)
    assert type(marked) is OrderIntent
    assert _fields(marked) == _fields(transition(created, S.SUBMITTED, at))


@given(
    st.integers(-100, 100),
    st.sampled_from([None, "b-0"]),  # the broker id the intent already has
    st.sampled_from(["", "b-1"]),  # the broker id the answer carries
)
def test_an_acknowledgement_is_the_accepted_event(
    seconds: int, known_id: str | None, answer_id: str
) -> None:
    base = trusted_replace(intent(), broker_order_id=known_id)
    at = T0 + timedelta(seconds=seconds)
    event = OrderEvent(
        kind=OrderEventKind.ACCEPTED,
        client_order_id=base.client_order_id,
        occurred_at=at,
        broker_order_id=answer_id or None,
    )
    acked = acknowledged(base, answer_id, at)
    assert type(acked) is OrderIntent
    assert _fields(acked) == _fields(apply_event(base, event).intent)


@attrs.frozen(slots=False)
class _Unslotted:
    """A class with an instance dictionary: copied through its fields' setters."""

    a: int
    b: str = "x"


def test_a_class_without_a_twin_is_copied_field_by_field() -> None:
    copied = trusted_copier(_Unslotted, "b")(_Unslotted(a=1), "y")
    assert copied == _Unslotted(a=1, b="y")


@pytest.mark.parametrize("names", [(), ("nope",), ("status", "status")])
def test_names_not_fields_once_each_are_refused(names: tuple[str, ...]) -> None:
    with pytest.raises(TypeError):
        trusted_copier(OrderIntent, *names)


@given(
    st.sampled_from([None, "b-0"]),  # the broker id the intent has
    st.sampled_from([None, "", "b-1"]),  # the broker id the event carries
    st.sampled_from([None, "cancel_rejected", "replace_rejected", "other"]),
    st.integers(-100, 100),
)
def test_an_accepted_event_on_an_acked_intent_is_the_rules_answer(
    known_id: str | None, event_id: str | None, reason: str | None, seconds: int
) -> None:
    """apply_event's early answer for a stale ACCEPTED is what its rules give."""
    base = trusted_replace(
        intent(), status=S.ACKED, broker_order_id=known_id, reason=None
    )
    event = OrderEvent(
        kind=OrderEventKind.ACCEPTED,
        client_order_id=base.client_order_id,
        occurred_at=T0 + timedelta(seconds=seconds),
        broker_order_id=event_id,
        reason=reason,
    )
    adopted = {"broker_order_id": event_id} if event_id and known_id is None else {}
    applied = apply_event(base, event)
    expected = _apply_accepted(base, event, adopted)
    assert applied.ignored == expected.ignored
    assert applied.new_fill is expected.new_fill is None
    assert applied.overruled is expected.overruled is None
    assert _fields(applied.intent) == _fields(expected.intent)


@given(
    st.sampled_from(list(IntentStatus)),
    st.integers(-100, 100),
    st.booleans(),  # a UTC instant (else one in another zone, refused)
    st.integers(1, 9),
)
def test_marking_at_a_version_is_marking_then_the_version(
    status: IntentStatus, seconds: int, utc: bool, version: int
) -> None:
    """One copy, or the same error, as mark_submitted then the version."""
    base = trusted_replace(intent(submitted=False), status=status)
    at = T0 + timedelta(seconds=seconds)
    if not utc:
        at = at.astimezone(timezone(timedelta(hours=-5)))
    try:
        expected = trusted_replace(mark_submitted(base, at), version=version)
    except (IllegalTransition, InvalidInput) as e:
        with pytest.raises(type(e)):
            mark_submitted_at_version(base, at, version)
        return
    marked = mark_submitted_at_version(base, at, version)
    assert type(marked) is OrderIntent
    assert _fields(marked) == _fields(expected)


@given(
    st.sampled_from(list(IntentStatus)),
    st.sampled_from([None, "b-0"]),  # the broker id the intent already has
    st.sampled_from(["", "b-1"]),  # the broker id the answer carries
    st.integers(-100, 100),
    st.integers(1, 9),
)
def test_acknowledging_at_a_version_is_acknowledging_then_the_version(
    status: IntentStatus,
    known_id: str | None,
    answer_id: str,
    seconds: int,
    version: int,
) -> None:
    """One copy, or the same error, as acknowledged then the version."""
    base = trusted_replace(intent(), status=status, broker_order_id=known_id)
    at = T0 + timedelta(seconds=seconds)
    try:
        expected = trusted_replace(acknowledged(base, answer_id, at), version=version)
    except IllegalTransition:
        with pytest.raises(IllegalTransition):
            acknowledged_at_version(base, answer_id, at, version)
        return
    acked = acknowledged_at_version(base, answer_id, at, version)
    assert type(acked) is OrderIntent
    assert _fields(acked) == _fields(expected)


@given(event_specs, event_specs)
def test_an_applied_event_with_another_intent_is_trusted_replace(
    specs: list, others: list
) -> None:
    """The order manager's copy of an applied event with its stored intent."""
    base = _moved(specs)
    applied = (
        apply_event(
            base,
            _event(
                base,
                (
                    OrderEventKind.PARTIAL_FILL,
                    1,
                    Decimal(1),
                    Decimal(0),
                    99,
                    1,
                    None,
                    None,
                ),
            ),
        )
        if base.status in (S.ACKED, S.SUBMITTED)
        else apply_event(
            base,
            _event(
                base,
                (
                    OrderEventKind.DONE_FOR_DAY,
                    1,
                    Decimal(1),
                    Decimal(0),
                    0,
                    1,
                    None,
                    None,
                ),
            ),
        )
    )
    other = _moved(others)
    copied = trusted_copier(Applied, "intent")(applied, other)
    assert type(copied) is Applied
    assert _fields(copied) == _fields(trusted_replace(applied, intent=other))


@given(
    event_specs,
    st.integers(1, 30),
    st.integers(-100, 100),
    st.sampled_from([OrderEventKind.FILL, OrderEventKind.PARTIAL_FILL]),
)
def test_a_fill_is_copied_as_the_general_move_copies_it(
    specs: list, qty: int, seconds: int, kind: OrderEventKind
) -> None:
    """A fill with no broker id to adopt: the generated copy is _move's copy."""
    base = _moved(specs)
    spec = (kind, qty, Decimal("12.5"), Decimal("0.1"), 77, seconds, None, None)
    event = _event(base, spec)
    assert event.fill is not None
    try:
        applied = apply_event(base, event)
    except (IllegalTransition, Overfill) as e:
        with pytest.raises(type(e)):
            _general_fill(base, event)
        return
    if applied.new_fill is None:  # a duplicate execution: no copy at all
        return
    assert type(applied.intent) is OrderIntent
    assert _fields(applied.intent) == _fields(_general_fill(base, event))


def _general_fill(base: OrderIntent, event: OrderEvent) -> OrderIntent:
    """The fill's intent as :func:`_move` builds it (the general path)."""
    fill = event.fill
    assert fill is not None
    filled = base.filled_qty + fill.qty
    if base.spec.qty is not None and filled > base.spec.qty:
        raise Overfill("over")
    return _move(
        base,
        _status_after_fill(base, filled, event.kind),
        event.occurred_at,
        filled_qty=filled,
        filled_notional=base.filled_notional + fill.notional,
        fees=base.fees + fill.fee,
        execution_ids=(*base.execution_ids, fill.execution_id),
    )
