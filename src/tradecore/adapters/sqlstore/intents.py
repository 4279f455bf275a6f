"""Order-side repositories: intents, fills and broker orders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, literal_column, select, update

from tradecore.adapters.sqlstore import codec, hot_path
from tradecore.adapters.sqlstore import tables as t
from tradecore.adapters.sqlstore.session import Session
from tradecore.adapters.sqlstore.sql import insert_ignore, upsert
from tradecore.domain.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
)
from tradecore.domain.frozen import replace
from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import (
    Applied,
    OrderIntent,
    acknowledged,
    apply_event,
    mark_submitted,
)
from tradecore.domain.orders.lifecycle import IntentStatus, check_transition
from tradecore.ports.store import (
    BrokerOrderRepository,
    FillRepository,
    IntentRepository,
)
from tradecore.ports.store_records import BrokerOrderRecord

_I = t.intents
_ORDER = (_I.c.decided_at, _I.c.client_order_id)


def _allowed(source: IntentStatus, target: IntentStatus) -> bool:
    try:
        check_transition(source, target)
    except IllegalTransition:
        return False
    return True


@cache
def _predecessors(target: IntentStatus) -> tuple[str, ...]:
    """Statuses a stored row may have for a move to ``target`` (per the domain)."""
    return tuple(s.value for s in IntentStatus if _allowed(s, target))


@cache
def _update_statement(target: IntentStatus) -> Any:
    # One round trip: the version check and the transition check are the WHERE
    # clause; only a miss reads the row back to say which one failed.
    return (
        update(_I)
        .where(
            and_(
                _I.c.client_order_id == bindparam("key"),
                _I.c.version == bindparam("expected"),
                # Inline constants (our own enum values): an IN over bound values is
                # re-expanded on every call, which costs more than the UPDATE itself.
                _I.c.status.in_(
                    [literal_column(f"'{s}'") for s in _predecessors(target)]
                ),
            )
        )
        .values(
            {c.name: bindparam(c.name) for c in _I.c if c.name != "client_order_id"}
        )
    )


@cache
def intent_insert(dialect_name: str) -> str:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING version`` of an intent row
    (:meth:`hot_path.IntentEncoder.values`)."""
    stmt = insert_ignore(dialect_name, _I, "client_order_id").returning(_I.c.version)
    return hot_path.compile_rows(stmt, dialect_name, hot_path.INTENT_COLUMNS)


@cache
def intent_update(dialect_name: str, target: IntentStatus) -> str:
    """The version- and transition-checked ``UPDATE`` of an intent to ``target``
    (:meth:`hot_path.IntentEncoder.update`)."""
    return hot_path.compile_rows(
        _update_statement(target), dialect_name, hot_path.UPDATE_COLUMNS
    )


@cache
def _intent_update_returning(dialect_name: str, target: IntentStatus) -> str:
    """:func:`intent_update` saying whether it matched (a batch has no rowcount)."""
    statement = _update_statement(target).returning(_I.c.client_order_id)
    return hot_path.compile_rows(statement, dialect_name, hot_path.UPDATE_COLUMNS)


def _runs(intents: Sequence[OrderIntent]) -> list[list[OrderIntent]]:
    """Consecutive intents moving to the same status (one statement serves each run)."""
    runs: list[list[OrderIntent]] = []
    for intent in intents:
        if runs and runs[-1][0].status is intent.status:
            runs[-1].append(intent)
        else:
            runs.append([intent])
    return runs


class SqlIntentRepository(IntentRepository):
    """Intents in the ``intents`` table (see the port for the contract).

    The order path's statements (create, get/find, update, find_many, open_intents)
    run pre-compiled on the raw cursor with hand-made rows (:mod:`.hot_path`); the
    rarer listings go through SQLAlchemy.
    """

    def __init__(self, conn: Session) -> None:
        self._conn = conn
        self._dialect = conn.dialect_name
        self._encoder = hot_path.intent_encoder(self._dialect)

    def create(self, intent: OrderIntent) -> OrderIntent:
        """Store a new intent (idempotent on client order id); see the port."""
        stored = self.insert(intent)
        return self.get(intent.client_order_id) if stored is None else stored

    def insert(self, intent: OrderIntent) -> OrderIntent | None:
        """Store a new intent, or ``None`` if its id is stored; see the port."""
        stored = replace(intent, version=1)
        row = self._encoder.values(stored)
        if self._conn.run(intent_insert(self._dialect), row).fetchone() is not None:
            return stored
        return None

    def insert_submitted(self, intent: OrderIntent, at: datetime) -> OrderIntent | None:
        """Store the intent marked SUBMITTED at ``at``, or ``None``; see the port."""
        return self.insert(mark_submitted(intent, at))

    def update_acknowledged(
        self, intent: OrderIntent, broker_order_id: str, at: datetime
    ) -> OrderIntent:
        """Store the intent acknowledged at ``at``; see the port."""
        return self.update(acknowledged(intent, broker_order_id, at))

    def update_by_event(self, intent: OrderIntent, event: OrderEvent) -> Applied:
        """Store the intent ``event`` changes, if it changes it; see the port."""
        applied = apply_event(intent, event)
        if applied.ignored is not None:
            return applied
        return replace(applied, intent=self.update(applied.intent))

    def get(self, client_order_id: str) -> OrderIntent:
        """Return the intent; see the port."""
        found = self.find(client_order_id)
        if found is None:
            raise NotFound(f"no intent {client_order_id!r}")
        return found

    def find(self, client_order_id: str) -> OrderIntent | None:
        """Return the intent or ``None``; see the port."""
        query = hot_path.select_intent(self._dialect)
        row = self._conn.run(query.sql, (client_order_id,)).fetchone()
        return None if row is None else hot_path.intent_from_values(row)

    def find_many(self, client_order_ids: Iterable[str]) -> dict[str, OrderIntent]:
        """Return the stored intents among ``client_order_ids``; see the port."""
        ids = sorted(set(client_order_ids))
        if not ids:
            return {}
        sql = hot_path.select_intents_among(self._dialect)
        rows = self._conn.run(sql, (hot_path.among_param(self._dialect, ids),))
        found = [hot_path.intent_from_values(r) for r in rows.fetchall()]
        return {i.client_order_id: i for i in found}

    def statuses(self, client_order_ids: Iterable[str]) -> dict[str, IntentStatus]:
        """Return the stored status of each intent among the ids; see the port."""
        ids = sorted(set(client_order_ids))
        if not ids:
            return {}
        sql = hot_path.select_statuses_among(self._dialect)
        rows = self._conn.run(sql, (hot_path.among_param(self._dialect, ids),))
        return {cid: hot_path.status_of(cid, s) for cid, s in rows.fetchall()}

    def update(self, intent: OrderIntent) -> OrderIntent:
        """Store ``intent`` over its stored version; see the port."""
        new = replace(intent, version=intent.version + 1)
        row = self._encoder.update(new, intent.version)
        statement = intent_update(self._dialect, new.status)
        if self._conn.run(statement, row).rowcount == 1:
            return new
        raise self._why_not_updated(intent)

    def update_many(self, intents: Sequence[OrderIntent]) -> list[OrderIntent | None]:
        """Store each intent over its stored version, in one batch; see the port.

        The statement is :meth:`update`'s (the same version and transition checks
        in its WHERE clause), one per run of intents moving to the same status, so
        the order of the intents is kept.
        """
        stored: list[OrderIntent | None] = []
        for run in _runs(intents):
            statement = _intent_update_returning(self._dialect, run[0].status)
            news, rows = [], []
            for intent in run:
                new = replace(intent, version=intent.version + 1)
                news.append(new)
                rows.append(tuple(self._encoder.update(new, intent.version)))
            matched = self._conn.run_each(statement, rows)
            stored += [n if hit else None for n, hit in zip(news, matched, strict=True)]
        return stored

    def _why_not_updated(self, intent: OrderIntent) -> Exception:
        stored = self.get(intent.client_order_id)
        if stored.version != intent.version:
            return ConcurrencyConflict(
                f"intent {intent.client_order_id}: stored version {stored.version}, "
                f"update was based on {intent.version}"
            )
        try:
            check_transition(stored.status, intent.status)
        except IllegalTransition as e:
            return IllegalTransition(f"intent {intent.client_order_id}: {e}")
        return ConcurrencyConflict(f"intent {intent.client_order_id} changed")

    def open_intents(self) -> Sequence[OrderIntent]:
        """Return every non-terminal intent, oldest decision first."""
        # IN (the open statuses), not NOT IN (the terminal ones): the former searches
        # the (status, decided_at) index, the latter scans the whole day's intents.
        query = hot_path.select_open_intents(self._dialect)
        rows = self._conn.run(query.sql, ()).fetchall()
        return [hot_path.intent_from_values(r) for r in rows]

    def open_symbols(self) -> frozenset[str]:
        """Return the symbols of every non-terminal intent; see the port."""
        query = hot_path.select_open_symbols(self._dialect)
        return frozenset(r[0] for r in self._conn.run(query.sql, ()).fetchall())

    def all(self) -> Sequence[OrderIntent]:
        """Return every intent, oldest decision first (a malformed row raises)."""
        stmt = select(_I).order_by(*_ORDER)
        return _decoded(self._conn.execute(stmt))

    def by_status(self, *statuses: IntentStatus) -> Sequence[OrderIntent]:
        """Return intents in any of ``statuses``, oldest decision first."""
        wanted = tuple(IntentStatus(s).value for s in statuses)
        stmt = select(_I).where(_I.c.status.in_(wanted)).order_by(*_ORDER)
        return _decoded(self._conn.execute(stmt))

    def by_status_since(
        self, since: datetime, *statuses: IntentStatus
    ) -> Sequence[OrderIntent]:
        """Return intents in ``statuses`` decided at or after ``since``."""
        wanted = tuple(IntentStatus(s).value for s in statuses)
        where = and_(_I.c.status.in_(wanted), _I.c.decided_at >= since)
        stmt = select(_I).where(where).order_by(*_ORDER)
        return _decoded(self._conn.execute(stmt))


def _decoded(result: Any) -> list[OrderIntent]:
    """Intents from a SQLAlchemy result of ``select(intents)`` (columns in order)."""
    return [hot_path.intent_from_values(r) for r in result]


_F = t.fills
_decode_fill = codec.decoder(Fill, table="fills", key="execution_id")


@cache
def _fill_insert(dialect_name: str) -> Any:
    return insert_ignore(dialect_name, _F, "execution_id").returning(_F.c.id)


class SqlFillRepository(FillRepository):
    """Fills in the ``fills`` table, unique on execution id."""

    def __init__(self, conn: Session) -> None:
        self._conn = conn
        self._insert = _fill_insert(conn.dialect.name)

    def record(self, fill: Fill) -> bool:
        """Store ``fill`` unless its execution id is stored; see the port."""
        row = codec.flat_row(fill)
        return self._conn.execute(self._insert, row).first() is not None

    def for_order(self, client_order_id: str) -> Sequence[Fill]:
        """Return one order's fills in execution order."""
        return self._select(_F.c.client_order_id == client_order_id)

    def all(self) -> Sequence[Fill]:
        """Return every fill in execution order."""
        return self._select(None)

    def recorded_after(self, mark: int) -> tuple[Sequence[Fill], int]:
        """Fills with a row id above ``mark`` (the last id seen), in id order."""
        cols = [c for c in _F.c if c.name != "id"]
        stmt = select(_F.c.id, *cols).where(_F.c.id > mark).order_by(_F.c.id)
        rows = list(self._conn.execute(stmt).mappings())
        fills = [_decode_fill({k: r[k] for k in r if k != "id"}) for r in rows]
        return fills, (rows[-1]["id"] if rows else mark)

    def _select(self, where: Any) -> Sequence[Fill]:
        cols = [c for c in _F.c if c.name != "id"]
        stmt = select(*cols).order_by(_F.c.filled_at, _F.c.id)
        if where is not None:
            stmt = stmt.where(where)
        return [_decode_fill(r) for r in self._conn.execute(stmt).mappings()]


_B = t.broker_orders
_decode_broker_order = codec.decoder(
    BrokerOrderRecord, table="broker_orders", key="broker_order_id"
)


@cache
def broker_order_upsert(dialect_name: str) -> str:
    """Insert a broker order, or move it to a newer sighting (``RETURNING`` says)."""
    # Insert, or move to a newer sighting of the same order; RETURNING says which.
    stmt = upsert(dialect_name, _B)
    newer = and_(
        stmt.excluded.updated_at >= _B.c.updated_at,
        stmt.excluded.client_order_id == _B.c.client_order_id,
    )
    upserted = stmt.on_conflict_do_update(
        index_elements=["broker_order_id"],
        set_={
            "raw_status": stmt.excluded.raw_status,
            "updated_at": stmt.excluded.updated_at,
        },
        where=newer,
    ).returning(_B.c.broker_order_id)
    return hot_path.compile_rows(upserted, dialect_name, hot_path.BROKER_ORDER_COLUMNS)


class SqlBrokerOrderRepository(BrokerOrderRepository):
    """Broker orders in ``broker_orders``, keyed by the broker's id."""

    def __init__(self, conn: Session) -> None:
        self._conn = conn

    def record(self, order: BrokerOrderRecord) -> None:
        """Insert the order or move it to a newer sighting; see the port."""
        dialect = self._conn.dialect_name
        row = hot_path.broker_order_row(dialect, order)
        if self._conn.run(broker_order_upsert(dialect), row).fetchone() is not None:
            return
        stored = self.get(order.broker_order_id)
        if stored.client_order_id != order.client_order_id:
            raise InvalidInput(
                "client_order_id",
                order.client_order_id,
                f"broker order {order.broker_order_id} belongs to "
                f"{stored.client_order_id}",
            )

    def get(self, broker_order_id: str) -> BrokerOrderRecord:
        """Return the order; see the port."""
        stmt = select(_B).where(_B.c.broker_order_id == broker_order_id)
        row = self._conn.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(f"no broker order {broker_order_id!r}")
        return _decode_broker_order(row)

    def for_intent(self, client_order_id: str) -> Sequence[BrokerOrderRecord]:
        """Return the intent's broker orders, first submitted first."""
        stmt = (
            select(_B)
            .where(_B.c.client_order_id == client_order_id)
            .order_by(_B.c.submitted_at, _B.c.broker_order_id)
        )
        return [_decode_broker_order(r) for r in self._conn.execute(stmt).mappings()]
