"""The Store port: a unit of work over the repositories exactly-once depends on.

Usage::

    with store.unit_of_work() as uow:
        intent = uow.intents.create(intent)
        uow.commit()

Leaving the block without :meth:`UnitOfWork.commit` rolls everything back. Every
method raises :class:`StoreUnavailable` when the database cannot be reached,
:class:`SchemaOutOfDate` when its schema is not the one this code needs, and
:class:`InvalidInput` for a value it cannot store or a stored row it cannot read;
none of them leaves a partial write. Timestamps the store stamps itself (audit rows,
state changes) come from the clock the adapter was built with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import Applied, OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import (
    AuditEntry,
    AuditVerification,
    DecisionRecord,
    OutcomeRecord,
)
from tradecore.domain.risk.trading_state import (
    BreakerState,
    TradingState,
    TradingStateRecord,
)
from tradecore.ports.store_records import (
    BrokerOrderRecord,
    CostModelVersion,
    ManifestRecord,
    ModelRecord,
    ModelStage,
    PositionCheck,
    PositionSnapshot,
    StageChange,
)


class IntentRepository(Protocol):
    """Order intents, unique on client order id, versioned for optimistic concurrency.

    Status changes go through :func:`tradecore.domain.orders.lifecycle.check_transition`:
    the store refuses a stored row a move the domain table does not allow.
    """

    def create(self, intent: OrderIntent) -> OrderIntent:
        """Store a new intent and return it as stored (version 1).

        Idempotent: if the client order id exists, return the stored intent and create
        nothing (also when two processes race).
        """
        ...

    def insert(self, intent: OrderIntent) -> OrderIntent | None:
        """Store a new intent and return it as stored (version 1), or ``None``.

        ``None``: the client order id exists; nothing is written (also when two
        processes race). :meth:`create` without its read of the stored row: a
        caller that must tell "stored now" from "stored before" learns it from
        the one statement (the order path stores an intent already SUBMITTED
        this way, one row write instead of an insert and an update).
        """
        ...

    def insert_submitted(self, intent: OrderIntent, at: datetime) -> OrderIntent | None:
        """:meth:`insert` of ``mark_submitted(intent, at)``: the same row, the same
        answer, the same errors (the intent is marked before its id is looked up).

        The order path stores every new order this way; a store may mark the
        intent and give it its version in one copy.
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

    def find_many(self, client_order_ids: Iterable[str]) -> dict[str, OrderIntent]:
        """Return the stored intents among ``client_order_ids``, by client order id.

        Ids with no intent are absent from the result. One read however many ids:
        what a pass over every open order (reconciliation) uses instead of a
        :meth:`find` per order.

        Raises:
            InvalidInput: a stored row is malformed.
        """
        ...

    def update(self, intent: OrderIntent) -> OrderIntent:
        """Store ``intent`` over the row at ``intent.version``; return it at version+1.

        Raises:
            ConcurrencyConflict: the row's version is no longer ``intent.version``.
            IllegalTransition: stored status -> new status is not in the domain table.
            NotFound: no such intent.
        """
        ...

    def update_acknowledged(
        self, intent: OrderIntent, broker_order_id: str, at: datetime
    ) -> OrderIntent:
        """:meth:`update` of ``acknowledged(intent, broker_order_id, at)``: the same
        row, the same answer, the same errors (the intent is acknowledged first).

        The order path stores every plain acknowledgement this way; a store may
        build the acknowledged intent at its new version in one copy.
        """
        ...

    def update_by_event(self, intent: OrderIntent, event: OrderEvent) -> Applied:
        """:func:`~tradecore.domain.orders.intent.apply_event` of ``event`` to the
        stored ``intent``, its changed intent stored by :meth:`update`: the same
        answer (the intent as stored), the same errors, in the same order (the
        event's first). An ignored event stores nothing.

        The order path applies every broker event this way; a store may build the
        changed intent at its new version in one copy.
        """
        ...

    def update_many(self, intents: Sequence[OrderIntent]) -> list[OrderIntent | None]:
        """Store each intent as :meth:`update` would, in order, in one batch.

        Returns, in order, each intent as stored (version + 1), or ``None`` where
        :meth:`update` would have raised ``ConcurrencyConflict``,
        ``IllegalTransition`` or ``NotFound``: nothing is written for that one (call
        :meth:`update` to learn which). What a pass adopting thousands of broker
        orders (reconciliation) uses instead of an :meth:`update` per order; on a
        server database the batch is one round trip, not one per intent.

        Raises:
            InvalidInput: an intent cannot be stored (as :meth:`update`).
        """
        ...

    def open_intents(self) -> Sequence[OrderIntent]:
        """Return every intent not in a terminal status, oldest decision first."""
        ...

    def statuses(self, client_order_ids: Iterable[str]) -> dict[str, IntentStatus]:
        """Return the stored status of each intent among ``client_order_ids``.

        Ids with no intent are absent. One read, without building the intents: a
        check of every open broker order against our records needs no more.

        Raises:
            InvalidInput: a stored status is not one of :class:`IntentStatus`.
        """
        ...

    def open_symbols(self) -> frozenset[str]:
        """Return the symbols of every intent not in a terminal status.

        What :meth:`open_intents` would say about symbols, without building every
        intent (reconciliation asks it once per pass over thousands of them).
        """
        ...

    def by_status(self, *statuses: IntentStatus) -> Sequence[OrderIntent]:
        """Return intents in any of ``statuses``, oldest decision first."""
        ...

    def by_status_since(
        self, since: datetime, *statuses: IntentStatus
    ) -> Sequence[OrderIntent]:
        """Return intents in any of ``statuses`` decided at or after ``since``.

        Oldest decision first; reads only the recent end of the (status, decided_at)
        index, so a per-cycle caller does not pay for the whole day.
        """
        ...


class FillRepository(Protocol):
    """Executions, unique on execution id."""

    def record(self, fill: Fill) -> bool:
        """Store ``fill``; return False (changing nothing) if its id is stored.

        Raises:
            NotFound: no intent has the fill's client order id.
        """
        ...

    def for_order(self, client_order_id: str) -> Sequence[Fill]:
        """Return the fills of one order in execution order."""
        ...

    def all(self) -> Sequence[Fill]:
        """Return every fill in execution order."""
        ...

    def recorded_after(self, mark: int) -> tuple[Sequence[Fill], int]:
        """Return the fills stored after ``mark``, in storing order, and the next mark.

        ``mark`` is opaque: 0 (from the start) or a mark this store returned. Lets a
        per-cycle reader take only what is new instead of every fill of the day.
        """
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

    def all_decisions(self) -> Sequence[DecisionRecord]:
        """Return every decision, oldest first (ties by decision id)."""
        ...

    def all_outcomes(self) -> Sequence[OutcomeRecord]:
        """Return every outcome, in the order of their decisions."""
        ...

    def decisions_since(self, since: datetime) -> Sequence[DecisionRecord]:
        """Return decisions decided at or after ``since``, oldest first (indexed)."""
        ...

    def outcomes_since(self, since: datetime) -> Sequence[OutcomeRecord]:
        """Return outcomes of decisions decided at or after ``since``, in their order."""
        ...

    def decisions_without_outcome(self) -> Sequence[DecisionRecord]:
        """Return decisions still waiting for an outcome (a crash left them)."""
        ...


class AuditLog(Protocol):
    """Append-only, hash-chained log of who did what."""

    def append(self, kind: str, payload: dict[str, object]) -> AuditEntry:
        """Append an entry chained to the previous one and return it.

        The only write the log allows. ``payload`` is stored in its canonical form
        (:func:`tradecore.domain.hashing.canonical_bytes`), which is what comes back.

        Raises:
            ConcurrencyConflict: another writer appended first; retry the unit.
            InvalidInput: the payload has no canonical encoding (e.g. naive time).
        """
        ...

    def verify(self) -> AuditVerification:
        """Walk the chain; report the first row whose hash or link is wrong or missing."""
        ...


class BrokerOrderRepository(Protocol):
    """Broker orders by broker id; one intent may map to several over its life."""

    def record(self, order: BrokerOrderRecord) -> None:
        """Insert the order, or update its raw status and ``updated_at``.

        An older sighting (``updated_at`` before the stored one) changes nothing.

        Raises:
            NotFound: no intent has the order's client order id.
            InvalidInput: the order's client order id differs from the stored one.
        """
        ...

    def get(self, broker_order_id: str) -> BrokerOrderRecord:
        """Return the order.

        Raises:
            NotFound: no order has that broker id.
        """
        ...

    def for_intent(self, client_order_id: str) -> Sequence[BrokerOrderRecord]:
        """Return the intent's broker orders, first submitted first."""
        ...


class PositionSnapshotRepository(Protocol):
    """Snapshots of the books (ours and the broker's), append-only."""

    def record(self, snapshot: PositionSnapshot) -> None:
        """Store a snapshot (positions are stored exactly, as decimals)."""
        ...

    def latest(self, source: str) -> PositionSnapshot | None:
        """Return the most recent snapshot from ``source``, or ``None``."""
        ...

    def record_checks(self, checks: Sequence[PositionCheck]) -> int:
        """Store a reconciliation pass's per-symbol checks; return how many were new.

        Idempotent on (``checked_at``, ``symbol``): a check already stored is kept
        as it is and not counted.
        """
        ...

    def latest_checks(self) -> Sequence[PositionCheck]:
        """Return every check of the newest pass (newest ``checked_at``), by symbol."""
        ...

    def checks_since(self, since: datetime) -> Sequence[PositionCheck]:
        """Return checks made at or after ``since``, oldest pass first, by symbol."""
        ...


class ControlStateRepository(Protocol):
    """The persisted trading state and circuit-breaker states."""

    def get_trading_state(self) -> TradingStateRecord:
        """Return the current state (ACTIVE, "never set", on a fresh store)."""
        ...

    def set_trading_state(self, state: TradingState, reason: str) -> TradingStateRecord:
        """Record a new trading state with its reason, stamped now; return it.

        Raises:
            InvalidInput: ``state`` is not a TradingState or ``reason`` is blank.
        """
        ...

    def get_breaker(self, name: str) -> BreakerState | None:
        """Return the named breaker, or ``None`` if it was never set."""
        ...

    def set_breaker(self, name: str, *, tripped: bool, reason: str) -> BreakerState:
        """Trip or reset the named breaker, stamped now; return it.

        Raises:
            InvalidInput: ``name`` or ``reason`` is blank.
        """
        ...

    def breakers(self) -> Sequence[BreakerState]:
        """Return every breaker ever set, by name."""
        ...


class CostModelRepository(Protocol):
    """Versions of the cost-model parameters, immutable once stored."""

    def record(self, version: CostModelVersion) -> bool:
        """Store a version; return False (changing nothing) if its hash is stored."""
        ...

    def get(self, version_hash: str) -> CostModelVersion:
        """Return the version.

        Raises:
            NotFound: no version has that hash.
        """
        ...

    def latest(self) -> CostModelVersion | None:
        """Return the most recently created version, or ``None``."""
        ...


class ModelRegistry(Protocol):
    """Registered models and the manifests that bind them to data and config."""

    def register(self, model: ModelRecord) -> bool:
        """Register a model; return False (changing nothing) if its hash is known."""
        ...

    def get(self, model_hash: str) -> ModelRecord:
        """Return the model.

        Raises:
            NotFound: no model has that hash.
        """
        ...

    def record_manifest(self, manifest: ManifestRecord) -> bool:
        """Store a manifest; return False (changing nothing) if its hash is known.

        Raises:
            NotFound: the manifest's model is not registered.
        """
        ...

    def manifests_for(self, model_hash: str) -> Sequence[ManifestRecord]:
        """Return the model's manifests, oldest first."""
        ...

    def set_stage(
        self,
        model_hash: str,
        *,
        strategy_id: str,
        stage: ModelStage,
        actor: str,
        reason: str,
    ) -> StageChange:
        """Move a registered model to ``stage`` for ``strategy_id``; return the event.

        Stamped now, appended to the stage history and to the audit log (kind
        ``model.stage``) in this unit. Promoting to production archives the model
        that was production for ``strategy_id`` (its own event, same unit): there is
        never more than one production model per strategy id. Moving the production
        model to another stage leaves the strategy id with none. Setting the stage
        a model already has still appends an event (the history says who asked).

        Raises:
            NotFound: the model is not registered.
            ConcurrencyConflict: another unit changed the strategy id's production
                model since this one read it; nothing was written, retry the unit.
            InvalidInput: blank actor, reason or strategy id.
        """
        ...

    def stage_history(self, strategy_id: str) -> Sequence[StageChange]:
        """Return every stage event of ``strategy_id``, oldest first."""
        ...

    def production(self, strategy_id: str) -> StageChange | None:
        """Return the event that made the current production model, or ``None``."""
        ...

    def models(self, strategy_id: str | None = None) -> Sequence[StageChange]:
        """Return the latest stage event of each (model, strategy id), oldest first.

        ``strategy_id=None``: of every strategy id. A registered model with no stage
        event (a manifest stored by a run, not through the registry) is absent.
        """
        ...


class UnitOfWork(Protocol):
    """One transaction across the repositories."""

    @property
    def intents(self) -> IntentRepository:
        """The unit's intents repository."""
        ...

    @property
    def fills(self) -> FillRepository:
        """The unit's fills repository."""
        ...

    @property
    def decisions(self) -> DecisionRepository:
        """The unit's decisions repository."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The unit's audit repository."""
        ...

    @property
    def broker_orders(self) -> BrokerOrderRepository:
        """The unit's broker orders repository."""
        ...

    @property
    def positions(self) -> PositionSnapshotRepository:
        """The unit's positions repository."""
        ...

    @property
    def controls(self) -> ControlStateRepository:
        """The unit's controls repository."""
        ...

    @property
    def cost_models(self) -> CostModelRepository:
        """The unit's cost models repository."""
        ...

    @property
    def models(self) -> ModelRegistry:
        """The unit's models repository."""
        ...

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
