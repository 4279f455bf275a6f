"""The events path's shortcuts answer as the general paths they stand for.

:func:`~tradecore.domain.orders.intent.apply_event_at_version` applies an event
with the changed intent built at a given version (a fill's in one copy): for any
intent (moved by any events), any next event and any version, it is
:func:`~tradecore.domain.orders.intent.apply_event`'s answer with that version
set on the changed intent (an ignored event's intent as it is), or the same
error. The write-behind mirror's ``update_by_event`` stores what applying and
then ``update`` store. Each test fails if a shortcut drops a field, versions an
ignored event or raises another error.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import intent
from tests.property.test_intent_trusted_moves import ORDER_QTY, _event, event_specs
from tradecore.adapters.sqlstore.memory import IntentMirror
from tradecore.domain.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InvalidInput,
    Overfill,
)
from tradecore.domain.frozen import trusted_replace
from tradecore.domain.orders.intent import (
    Applied,
    OrderIntent,
    apply_event,
    apply_event_at_version,
)

_REFUSALS = (IllegalTransition, Overfill, InvalidInput)


def _moved(specs: list) -> OrderIntent:
    """An intent moved by the events ``specs`` describe (refused ones skipped)."""
    current = intent(qty=Decimal(ORDER_QTY))
    for spec in specs:
        with contextlib.suppress(*_REFUSALS):
            current = apply_event(current, _event(current, spec)).intent
    return current


def _fields(value: object) -> dict[str, object]:
    return {f.name: getattr(value, f.name) for f in attrs.fields(type(value))}


def _expected(applied: Applied, version: int | None) -> Applied:
    if version is None or applied.ignored is not None:
        return applied
    return attrs.evolve(
        applied, intent=trusted_replace(applied.intent, version=version)
    )


@given(event_specs, event_specs, st.one_of(st.none(), st.integers(0, 60)))
def test_applying_at_a_version_is_applying_then_the_version(
    specs: list, nexts: list, version: int | None
) -> None:
    """The same Applied (the changed intent at ``version``), or the same error."""
    base = _moved(specs)
    for spec in nexts:
        event = _event(base, spec)
        try:
            general = apply_event(base, event)
        except _REFUSALS as e:
            with pytest.raises(type(e)):
                apply_event_at_version(base, event, version)
            continue
        shortcut = apply_event_at_version(base, event, version)
        expected = _expected(general, version)
        assert type(shortcut.intent) is OrderIntent
        assert _fields(shortcut.intent) == _fields(expected.intent)
        assert shortcut.new_fill == expected.new_fill
        assert shortcut.ignored == expected.ignored
        assert shortcut.overruled == expected.overruled
        base = general.intent


@given(event_specs, event_specs, st.integers(-1, 1))
def test_the_mirror_stores_by_event_what_update_stores(
    specs: list, nexts: list, stale: int
) -> None:
    """``update_by_event`` answers and stores as ``apply_event`` then ``update``
    (a version the row is not at conflicts, as ``update`` does)."""
    base = _moved(specs)
    stored = trusted_replace(base, version=5)
    general_store, shortcut_store = IntentMirror([stored]), IntentMirror([stored])
    read = trusted_replace(stored, version=stored.version + stale)
    for spec in nexts:
        event = _event(read, spec)
        try:
            general = apply_event(read, event)
            if general.ignored is None:
                general = attrs.evolve(
                    general, intent=general_store.update(general.intent)
                )
        except (*_REFUSALS, ConcurrencyConflict) as e:
            with pytest.raises(type(e)):
                shortcut_store.update_by_event(read, event)
            return
        shortcut = shortcut_store.update_by_event(read, event)
        assert _fields(shortcut.intent) == _fields(general.intent)
        assert (shortcut.new_fill, shortcut.ignored, shortcut.overruled) == (
            general.new_fill,
            general.ignored,
            general.overruled,
        )
        cid = read.client_order_id
        assert _fields(shortcut_store.get(cid)) == _fields(general_store.get(cid))
        read = general.intent
