"""A write-behind Store for replay: reads from memory, rows reach SQL in bulk at commit.

Why: a replay places tens of thousands of orders, and ten SQL round trips per order
(create, mark submitted, ack, events, fills, decision, outcome) cost more than the
whole rest of the pipeline. Here the order-path repositories (intents, fills,
decisions, outcomes) live in memory mirrors that keep the port's contract, and
:meth:`WriteBehindUnitOfWork.commit` writes everything pending since the last commit
with one ``executemany`` per table in one transaction. With ``CommitInBatches`` that
is exactly the durability replay already had — a crash loses the open batch, and
``--resume`` re-derives it with the same ids — at a fraction of the cost.

It assumes one writer: the mirrors are loaded when the store opens, so another
process writing the same database meanwhile would not be seen (the replay process
owns its ``replay.db``). Every other repository (audit, controls, ...) is the SQL
one, sharing the unit's transaction; touching one first flushes the pending rows
into that transaction, so foreign keys and reads stay consistent.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from types import TracebackType
from typing import Any, Self

from sqlalchemy import and_, bindparam, update

from tradecore.adapters.sqlstore import codec, sqlite_rows
from tradecore.adapters.sqlstore import tables as t
from tradecore.adapters.sqlstore.memory import DecisionMirror, FillMirror, IntentMirror
from tradecore.adapters.sqlstore.session import Session
from tradecore.adapters.sqlstore.store import SqlStore, SqlUnitOfWork
from tradecore.domain.errors import ConcurrencyConflict, StoreError
from tradecore.domain.orders.intent import OrderIntent
from tradecore.ports.store import (
    AuditLog,
    BrokerOrderRepository,
    ControlStateRepository,
    CostModelRepository,
    ModelRegistry,
    PositionSnapshotRepository,
    Store,
)


class WriteBehindStore(Store):
    """The replay process's store: SQL underneath, the order path in memory."""

    def __init__(self, sql: SqlStore) -> None:
        """Load the order-path tables of ``sql`` into memory (resume reads them)."""
        self._sql = sql
        self._active: WriteBehindUnitOfWork | None = None
        #: SQLite takes the hand-written flush (:mod:`.sqlite_rows`).
        self.intent_rows = (
            sqlite_rows.IntentRows() if sql.engine.dialect.name == "sqlite" else None
        )
        #: The decisions' shared values, spelled in their INSERT (SQLite).
        self.decision_rows = sqlite_rows.SharedColumns(
            sqlite_rows.INSERT_DECISION,
            sqlite_rows.SHARED_DECISION_COLUMNS,
            (),
            {len(sqlite_rows.DECISION_COLUMNS): sqlite_rows.INSERT_DECISION},
        )
        with sql.unit_of_work() as uow:
            self.intents = IntentMirror(uow.intents.all(), self._flushed_sql)
            self.fills = FillMirror(uow.fills.all(), self.intents, self._flushed_sql)
            self.decisions = DecisionMirror(
                uow.decisions.all_decisions(),
                uow.decisions.all_outcomes(),
                self._flushed_sql,
            )
        for mirror in (self.intents, self.fills, self.decisions):
            mirror.evict()  # a resumed run keeps only what is still working

    def unit_of_work(self) -> WriteBehindUnitOfWork:
        """Begin a unit of work over the mirrors and one SQL transaction.

        Raises:
            StoreError: another unit of work of this store is still open (the
                mirrors have one undo journal, so units cannot interleave).
        """
        return WriteBehindUnitOfWork(self)

    def _flushed_sql(self) -> SqlUnitOfWork:
        """The open unit's SQL transaction, pending rows written (mirror reads)."""
        if self._active is None:
            raise StoreError("read of a dropped row outside a unit of work")
        return self._active.flushed_sql()

    def claim(self, unit: WriteBehindUnitOfWork | None) -> None:
        """Record ``unit`` as the open unit (``None``: released)."""
        if unit is not None and self._active is not None:
            raise StoreError(
                "the write-behind store allows one open unit of work at a time"
            )
        self._active = unit

    @property
    def url(self) -> str:
        """The database URL (password hidden)."""
        return self._sql.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Close the SQL store (pending rows of an uncommitted unit are discarded)."""
        self._sql.close()

    def sql_unit(self) -> SqlUnitOfWork:
        """A unit of work on the underlying SQL store."""
        return self._sql.unit_of_work()


class WriteBehindUnitOfWork:
    """One transaction: mirrored repositories in memory, the rest on SQL."""

    def __init__(self, store: WriteBehindStore) -> None:
        self._store = store
        self.intents: IntentMirror = store.intents
        self.fills: FillMirror = store.fills
        self.decisions: DecisionMirror = store.decisions
        self._sql: SqlUnitOfWork | None = None
        self._open = False

    def __enter__(self) -> Self:
        self._store.claim(self)
        self._open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the connection."""
        if self._open:
            self.rollback()
            self._store.claim(None)
        self._open = False
        sql, self._sql = self._sql, None
        if sql is not None:
            sql.__exit__(exc_type, exc, tb)

    # --- repositories served by SQL (pending rows flushed first) -------------------

    @property
    def audit(self) -> AuditLog:
        """The audit log, in this unit's SQL transaction."""
        return self._flushed().audit

    @property
    def broker_orders(self) -> BrokerOrderRepository:
        """Broker orders, in this unit's SQL transaction."""
        return self._flushed().broker_orders

    @property
    def positions(self) -> PositionSnapshotRepository:
        """Position snapshots, in this unit's SQL transaction."""
        return self._flushed().positions

    @property
    def controls(self) -> ControlStateRepository:
        """Trading state and breakers, in this unit's SQL transaction."""
        return self._flushed().controls

    @property
    def cost_models(self) -> CostModelRepository:
        """Cost-model versions, in this unit's SQL transaction."""
        return self._flushed().cost_models

    @property
    def models(self) -> ModelRegistry:
        """The model registry, in this unit's SQL transaction."""
        return self._flushed().models

    # --- transaction ---------------------------------------------------------------

    def commit(self) -> None:
        """Write every pending row (one executemany per table) and commit.

        The cyclic garbage collector is paused meanwhile (:func:`_collector_paused`).
        """
        self._require_open()
        with _collector_paused():
            try:
                sql = self._flushed()
                sql.commit()
            except BaseException:
                self.rollback()
                raise
            for mirror in (self.intents, self.fills, self.decisions):
                mirror.commit()
                mirror.evict()

    def rollback(self) -> None:
        """Discard everything since the last commit, in memory and in SQL."""
        for mirror in (self.intents, self.fills, self.decisions):
            mirror.rollback()
        if self._sql is not None:
            self._sql.rollback()

    def _require_open(self) -> None:
        if not self._open:
            raise StoreError("unit of work used outside its `with` block")

    def flushed_sql(self) -> SqlUnitOfWork:
        """The SQL unit with every pending row written into its transaction."""
        return self._flushed()

    def _flushed(self) -> SqlUnitOfWork:
        """The SQL unit, with every pending row written into its transaction."""
        self._require_open()
        if self._sql is None:
            self._sql = self._store.sql_unit().__enter__()
        session = self._sql.session
        rows = self._store.intent_rows
        if rows is not None:
            _flush_sqlite(session, rows, self.intents, self.fills)
            _flush_sqlite_records(session, self.decisions, self._store.decision_rows)
            return self._sql
        _write_intents(session, self.intents)
        decisions, outcomes = self.decisions.unflushed()
        _insert(session, t.decisions, [_record_row(d) for d in decisions])
        _insert(session, t.outcomes, [_record_row(o) for o in outcomes])
        self.decisions.mark_flushed()
        _insert(
            session,
            t.fills,
            [codec.flat_row(f, validated=True) for f in self.fills.unflushed()],
        )
        self.fills.mark_flushed()
        return self._sql


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk write, then restore it.

    Why: a replay's commit builds four row tuples an order (thousands a batch),
    each allocation counting towards the collector's next pass, so a commit ran
    a dozen passes over the young objects (the rows themselves, acyclic and
    short-lived): about 4 K instructions an order. Paused, the allocations add
    up to one pass after the commit. Nothing is kept from being freed (reference
    counting frees the rows); a collector paused by someone else stays paused.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _flush_sqlite(
    session: Session,
    rows: sqlite_rows.IntentRows,
    intents: IntentMirror,
    fills: FillMirror,
) -> None:
    """Pending intents (inserts, then checked updates), then new fills."""
    if intents.pending:
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        written: list[OrderIntent] = []
        for intent, before in intents.unwritten():
            if before is None:
                new.append(rows.new_row(intent))
            else:
                changed.append(rows.update(intent, before))
            written.append(intent)
        for sql, run in sqlite_rows.runs_by_width(new, rows.statements):
            _insert_sqlite(session, sql, run)
        done = session.execute_many(sqlite_rows.UPDATE_INTENT, changed)
        if done != len(changed):
            raise ConcurrencyConflict(
                f"{len(changed) - done} intents were changed by another "
                "writer while this replay held them"
            )
        intents.all_written(written)
        intents.pending.clear()
    new_fills = [sqlite_rows.fill_row(f) for f in fills.unflushed()]
    _insert_sqlite(session, sqlite_rows.INSERT_FILL, new_fills)
    fills.mark_flushed()


def _flush_sqlite_records(
    session: Session, mirror: DecisionMirror, shared: sqlite_rows.SharedColumns
) -> None:
    """New decisions (their ``shared`` values left to the statement where they
    hold them), then their outcomes (the outcome's parent row first)."""
    decisions, outcomes = mirror.unflushed()
    new = sqlite_rows.decision_inserts(decisions, shared)
    for sql, run in sqlite_rows.runs_by_width(new, shared.statements):
        _insert_sqlite(session, sql, run)
    rows = [sqlite_rows.outcome_insert(o) for o in outcomes]
    for sql, run in sqlite_rows.runs_by_width(rows, sqlite_rows.OUTCOME_INSERTS):
        _insert_sqlite(session, sql, run)
    mirror.mark_flushed()


def _insert_sqlite(session: Session, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """``rows`` by the ``INSERT`` ``sql``, :data:`.sqlite_rows.CHUNK` a statement."""
    chunk = sqlite_rows.CHUNK
    session.insert_many(sql, rows, sqlite_rows.chunked_insert(sql, chunk), chunk)


def _record_row(record: object) -> dict[str, Any]:
    return codec.flat_row(record, json_fields=("details",))


def _insert(session: Any, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(table.insert(), rows)


def _write_intents(session: Any, mirror: IntentMirror) -> None:
    if not mirror.pending:
        return
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    written: list[OrderIntent] = []
    for cid in sorted(mirror.pending):
        intent = mirror.get(cid)
        row = codec.intent_row(intent, validated=True)
        before = mirror.db_version.get(cid)
        if before is None:
            new.append(row)
        else:
            row["key"] = row.pop("client_order_id")
            row["expected"] = before
            changed.append(row)
        written.append(intent)
    _insert(session, t.intents, new)
    if changed:
        result = session.execute(_update_intent(), changed)
        if result.rowcount not in (-1, len(changed)):
            raise ConcurrencyConflict(
                f"{len(changed) - result.rowcount} intents were changed by another "
                "writer while this replay held them"
            )
    for intent in written:
        mirror.written(intent.client_order_id, intent.version)
    mirror.pending.clear()


@cache
def _update_intent() -> Any:
    i = t.intents
    return (
        update(i)
        .where(
            and_(
                i.c.client_order_id == bindparam("key"),
                i.c.version == bindparam("expected"),
            )
        )
        .values({c.name: bindparam(c.name) for c in i.c if c.name != "client_order_id"})
    )
