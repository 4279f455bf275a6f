"""StoreContract, part four: batched intent writes (ST-47 ...), ``insert`` (ST-49),
``update_by_event`` (ST-52).

:class:`BatchesContract` is a mixin of :class:`store_contract.StoreContract`
(adapters subclass that one class); it uses the ``store`` fixture StoreContract
defines. ``update_many`` must answer exactly as one ``update`` per intent would, in
order: the same rows stored, the same versions, and ``None`` exactly where
``update`` raises.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from tradecore.domain.errors import ConcurrencyConflict, IllegalTransition, NotFound
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import (
    OrderIntent,
    acknowledged,
    apply_event,
    mark_submitted,
)
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.ports.store import Store

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


def _acked(intent: OrderIntent, broker_id: str) -> OrderIntent:
    event = OrderEvent(
        kind=OrderEventKind.ACCEPTED,
        client_order_id=intent.client_order_id,
        occurred_at=T0 + timedelta(seconds=1),
        broker_order_id=broker_id,
    )
    return apply_event(intent, event).intent


class BatchesContract:
    """``IntentRepository.update_many``: one batch, answers as ``update`` each."""

    make_intent: Callable[..., OrderIntent]

    def _submitted(self, store: Store, *numbers: int) -> list[OrderIntent]:
        """Intents ``numbers`` stored and moved to SUBMITTED (version 2), committed."""
        with store.unit_of_work() as uow:
            stored = [
                uow.intents.update(
                    mark_submitted(uow.intents.create(self.make_intent(n)), T0)
                )
                for n in numbers
            ]
            uow.commit()
        return stored

    def test_update_many_answers_as_update_each(self, store: Store) -> None:
        """ST-47 update_many stores the legal moves at version + 1, in order, and
        returns None (writing nothing) where update raises: a stale version, a move
        the domain forbids, an unknown intent."""
        a, b, c, e = self._submitted(store, 1, 2, 3, 4)
        stale = attrs.evolve(_acked(b, "b-2"), version=1)
        illegal = attrs.evolve(c, status=IntentStatus.CREATED)
        unknown = attrs.evolve(_acked(a, "b-x"), client_order_id="nope")
        canceled = attrs.evolve(e, status=IntentStatus.CANCELED, reason="operator")
        batch = [_acked(a, "b-1"), stale, illegal, unknown, canceled]
        with store.unit_of_work() as uow:
            for one in (stale, illegal, unknown):  # what update says of each
                with pytest.raises((ConcurrencyConflict, IllegalTransition, NotFound)):
                    uow.intents.update(one)
        with store.unit_of_work() as uow:
            stored = uow.intents.update_many(batch)
            uow.commit()
        expected_a = attrs.evolve(batch[0], version=3)
        expected_e = attrs.evolve(canceled, version=3)
        assert stored == [expected_a, None, None, None, expected_e]
        with store.unit_of_work() as uow:
            found = uow.intents.find_many(i.client_order_id for i in (a, b, c, e))
        assert found == {
            a.client_order_id: expected_a,
            b.client_order_id: b,
            c.client_order_id: c,
            e.client_order_id: expected_e,
        }

    def test_update_many_keeps_order_within_the_unit(self, store: Store) -> None:
        """ST-48 update_many: one intent twice moves twice (in order); the unit's
        reads see the batch; without a commit nothing is kept; [] gives []."""
        (a,) = self._submitted(store, 1)
        acked = _acked(a, "b-1")
        canceled = attrs.evolve(
            acked, status=IntentStatus.CANCELED, reason="operator", version=3
        )
        with store.unit_of_work() as uow:
            assert uow.intents.update_many([]) == []
            stored = uow.intents.update_many([acked, canceled])
            assert stored == [
                attrs.evolve(acked, version=3),
                attrs.evolve(canceled, version=4),
            ]
            assert uow.intents.get(a.client_order_id) == stored[1]
        with store.unit_of_work() as uow:  # left without commit
            assert uow.intents.get(a.client_order_id) == a

    def test_insert_submitted_is_insert_of_the_marked_intent(
        self, store: Store
    ) -> None:
        """ST-50 insert_submitted stores what insert(mark_submitted(...)) stores and
        answers as it does: the marked intent at version 1, later ``None`` and no
        write; an intent that cannot be marked raises before any look-up."""
        created = self.make_intent(1)
        at = T0 + timedelta(seconds=5)
        with store.unit_of_work() as uow:
            stored = uow.intents.insert_submitted(created, at)
            assert stored == attrs.evolve(mark_submitted(created, at), version=1)
            assert uow.intents.get(created.client_order_id) == stored
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.intents.insert_submitted(created, at) is None
            later = uow.intents.insert_submitted(created, at + timedelta(seconds=9))
            assert later is None
            assert uow.intents.get(created.client_order_id) == stored
            with pytest.raises(IllegalTransition):
                uow.intents.insert_submitted(
                    attrs.evolve(created, status=IntentStatus.FILLED), at
                )
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.intents.get(created.client_order_id) == stored

    def test_update_acknowledged_is_update_of_the_acknowledged_intent(
        self, store: Store
    ) -> None:
        """ST-51 update_acknowledged stores what update(acknowledged(...)) stores
        and answers as it does: the acked intent at the next version, the broker
        id adopted; a stale version conflicts, an intent not SUBMITTED raises."""
        at = T0 + timedelta(seconds=5)
        with store.unit_of_work() as uow:
            submitted = uow.intents.create(mark_submitted(self.make_intent(1), T0))
            uow.commit()
        with store.unit_of_work() as uow:
            stored = uow.intents.update_acknowledged(submitted, "b-9", at)
            expected = attrs.evolve(
                acknowledged(submitted, "b-9", at), version=submitted.version + 1
            )
            assert stored == expected
            assert stored.broker_order_id == "b-9"
            assert uow.intents.get(submitted.client_order_id) == stored
            uow.commit()
        with store.unit_of_work() as uow:
            with pytest.raises(ConcurrencyConflict):
                uow.intents.update_acknowledged(submitted, "b-9", at)
            with pytest.raises(IllegalTransition):
                uow.intents.update_acknowledged(stored, "b-9", at)
        with store.unit_of_work() as uow:
            assert uow.intents.get(submitted.client_order_id) == stored

    def test_insert_stores_a_new_intent_once(self, store: Store) -> None:
        """ST-49 insert stores a new intent (any status) at version 1 and returns
        it; an existing id gives None and writes nothing; uncommitted, nothing stays."""
        submitted = mark_submitted(self.make_intent(1), T0)
        with store.unit_of_work() as uow:
            stored = uow.intents.insert(submitted)
            assert stored == attrs.evolve(submitted, version=1)
            assert uow.intents.get(submitted.client_order_id) == stored
            uow.commit()
        other = attrs.evolve(self.make_intent(1), execution_policy="twap")
        with store.unit_of_work() as uow:
            assert uow.intents.insert(other) is None
            assert uow.intents.insert(submitted) is None
            assert uow.intents.get(submitted.client_order_id) == stored
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.intents.get(submitted.client_order_id) == stored
            assert uow.intents.insert(self.make_intent(2)) is not None
        with store.unit_of_work() as uow:  # left without commit
            assert uow.intents.find(self.make_intent(2).client_order_id) is None

    def test_update_by_event_is_update_of_the_applied_intent(
        self, store: Store
    ) -> None:
        """ST-52 update_by_event answers as apply_event and stores what update of
        its changed intent stores (the fill's intent at the next version); an
        ignored event stores nothing; a stale version conflicts."""
        (submitted,) = self._submitted(store, 1)
        at = T0 + timedelta(seconds=5)
        fill = Fill(
            execution_id="x-1",
            client_order_id=submitted.client_order_id,
            symbol=submitted.spec.symbol,
            side=submitted.spec.side,
            qty=Decimal(4),
            price=Decimal("187.25"),
            fee=Decimal(0),
            filled_at=at,
        )
        event = OrderEvent(
            kind=OrderEventKind.PARTIAL_FILL,
            client_order_id=submitted.client_order_id,
            occurred_at=at,
            broker_order_id="b-5",
            fill=fill,
        )
        expected = apply_event(submitted, event)
        with store.unit_of_work() as uow:
            applied = uow.intents.update_by_event(submitted, event)
            assert applied.intent == attrs.evolve(
                expected.intent, version=submitted.version + 1
            )
            assert (applied.new_fill, applied.ignored) == (fill, None)
            assert uow.intents.get(submitted.client_order_id) == applied.intent
            again = uow.intents.update_by_event(applied.intent, event)
            assert again.ignored is not None  # the same execution: nothing stored
            assert uow.intents.get(submitted.client_order_id) == applied.intent
            uow.commit()
        with store.unit_of_work() as uow:
            with pytest.raises(ConcurrencyConflict):
                uow.intents.update_by_event(
                    submitted,
                    attrs.evolve(event, fill=attrs.evolve(fill, execution_id="x-2")),
                )
            assert uow.intents.get(submitted.client_order_id) == applied.intent
