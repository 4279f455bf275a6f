"""The Store port: a unit of work over the repositories exactly-once depends on.

Usage::

    with store.unit_of_work() as uow:
        intent = uow.intents.create(intent)
        uow.commit()

Leaving the block without :meth:`UnitOfWork.commit` rolls everything back. Every
method raises :class:`StoreUnavailable` when the database cannot be reached and
:class:`InvalidInput` for a value it cannot store; neither leaves a partial write.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self

from tradecore.domain.executions import Fill
from tradecore.domain.intent import OrderIntent
from tradecore.domain.lifecycle import IntentStatus
from tradecore.domain.records import (
    AuditEntry,
    AuditVerification,
    DecisionRecord,
    OutcomeRecord,
)


class IntentRepository(Protocol):
    """Order intents, unique on client order id, versioned for optimistic concurrency."""

    def create(self, intent: OrderIntent) -> OrderIntent:
        """Store a new intent and return it as stored (version 1).

        Idempotent: if the client order id exists, return the stored intent and create
        nothing (also when two processes race).
        """
        ...

    def get(self, client_order_id: str) -> OrderIntent:
        """Return the intent.

        Raises:
            NotFound: no intent has that client order id.
            InvalidInput: the stored row is malformed (e.g. an unknown status).
        """
        ...

    def find(self, client_order_id: str) -> OrderIntent | None:
        """Return the intent, or ``None``."""
        ...

    def update(self, intent: OrderIntent) -> OrderIntent:
        """Store ``intent`` over the row at ``intent.version``; return it at version + 1.

        Raises:
            ConcurrencyConflict: the row's version is no longer ``intent.version``.
            IllegalTransition: stored status -> new status is not in the domain table.
            NotFound: no such intent.
        """
        ...

    def open_intents(self) -> Sequence[OrderIntent]:
        """Return every intent not in a terminal status, oldest decision first."""
        ...

    def by_status(self, *statuses: IntentStatus) -> Sequence[OrderIntent]:
        """Return intents in any of ``statuses``, oldest decision first."""
        ...


class FillRepository(Protocol):
    """Executions, unique on execution id."""

    def record(self, fill: Fill) -> bool:
        """Store ``fill``; return False (and change nothing) if its id is already stored."""
        ...

    def for_order(self, client_order_id: str) -> Sequence[Fill]:
        """Return the fills of one order in execution order."""
        ...

    def all(self) -> Sequence[Fill]:
        """Return every fill in execution order."""
        ...


class DecisionRepository(Protocol):
    """Decision records and their outcomes (exactly one outcome per decision)."""

    def record_decision(self, record: DecisionRecord) -> bool:
        """Store a decision; return False if that decision id is already stored."""
        ...

    def record_outcome(self, outcome: OutcomeRecord) -> bool:
        """Store the decision's outcome; return False if it already has one.

        Raises:
            NotFound: no decision has that id.
        """
        ...

    def outcome(self, decision_id: str) -> OutcomeRecord | None:
        """Return the decision's outcome, or ``None``."""
        ...

    def decisions_without_outcome(self) -> Sequence[DecisionRecord]:
        """Return decisions still waiting for an outcome (a crash left them)."""
        ...


class AuditLog(Protocol):
    """Append-only, hash-chained log of who did what."""

    def append(self, kind: str, payload: dict[str, object]) -> AuditEntry:
        """Append an entry chained to the previous one and return it."""
        ...

    def verify(self) -> AuditVerification:
        """Walk the chain; report the first row whose hash or link is wrong or missing."""
        ...


class UnitOfWork(Protocol):
    """One transaction across the repositories."""

    intents: IntentRepository
    fills: FillRepository
    decisions: DecisionRepository
    audit: AuditLog

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back anything not committed."""
        ...

    def commit(self) -> None:
        """Make every change in this unit durable, or raise and keep none of them."""
        ...

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        ...


class Store(Protocol):
    """A database of record."""

    def unit_of_work(self) -> UnitOfWork:
        """Begin a unit of work."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
