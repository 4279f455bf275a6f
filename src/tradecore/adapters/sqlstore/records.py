"""Decision, outcome and audit repositories."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import RowMapping, bindparam, exists, select, text

from tradecore.adapters.sqlstore import codec, hot_path, sqlite_rows
from tradecore.adapters.sqlstore import tables as t
from tradecore.adapters.sqlstore.session import Session
from tradecore.adapters.sqlstore.sql import insert_ignore_returning, upsert
from tradecore.domain.errors import InvalidInput, NotFound
from tradecore.domain.orders.records import (
    GENESIS_HASH,
    AuditEntry,
    AuditVerification,
    DecisionRecord,
    OutcomeRecord,
    audit_row_hash,
)
from tradecore.ports.store import AuditLog, DecisionRepository

_D, _O, _A, _H = t.decisions, t.outcomes, t.audit_log, t.audit_head
_decode_decision = codec.decoder(
    DecisionRecord, table="decisions", key="decision_id", json_fields=("details",)
)
_decode_outcome = codec.decoder(
    OutcomeRecord, table="outcomes", key="decision_id", json_fields=("details",)
)


@cache
def decision_insert(dialect_name: str) -> str:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING decision_id`` of a decision
    (:func:`hot_path.decision_row`)."""
    stmt = insert_ignore_returning(dialect_name, _D, "decision_id")
    return hot_path.compile_rows(stmt, dialect_name, sqlite_rows.DECISION_COLUMNS)


#: The parameters of :func:`outcome_insert`: the outcome's row, then its decision id.
_OUTCOME_PARAMS = (*sqlite_rows.OUTCOME_COLUMNS, "parent")


@cache
def outcome_insert(dialect_name: str) -> str:
    """Insert an outcome if its decision is stored and it has none yet, in one
    statement: ``INSERT ... SELECT <row> WHERE EXISTS (<the decision>) ON CONFLICT
    DO NOTHING RETURNING decision_id`` (parameters: :data:`_OUTCOME_PARAMS`).

    No row back means the outcome is stored already or its decision is missing;
    only then is the decision looked up (:meth:`SqlDecisionRepository.record_outcome`).
    A foreign key violation would say it too, but it would abort a PostgreSQL
    transaction.
    """
    columns = sqlite_rows.OUTCOME_COLUMNS
    row = select(*[bindparam(c, type_=_O.c[c].type) for c in columns]).where(
        exists().where(_D.c.decision_id == bindparam("parent"))
    )
    stmt = (
        upsert(dialect_name, _O)
        .from_select(list(columns), row)
        .on_conflict_do_nothing(index_elements=["decision_id"])
        .returning(_O.c.decision_id)
    )
    return hot_path.compile_rows(stmt, dialect_name, _OUTCOME_PARAMS)


@cache
def decision_exists(dialect_name: str) -> str:
    """``SELECT decision_id FROM decisions WHERE decision_id = ?``."""
    stmt = select(_D.c.decision_id).where(_D.c.decision_id == bindparam("id"))
    return hot_path.compile_rows(stmt, dialect_name, ("id",))


class SqlDecisionRepository(DecisionRepository):
    """Decisions and their outcomes; ``outcomes`` is keyed by decision id.

    Recording a decision and an outcome is on every order's durable path
    (``OrderManager.place``): those statements run pre-compiled on the raw cursor
    with rows made in column order, validated (:func:`hot_path.decision_row`,
    :func:`hot_path.outcome_row`). The listings go through SQLAlchemy.
    """

    def __init__(self, conn: Session) -> None:
        self._conn = conn
        self._dialect = conn.dialect_name

    def record_decision(self, record: DecisionRecord) -> bool:
        """Store a decision unless its id is stored; see the port."""
        dialect = self._dialect
        row = hot_path.decision_row(dialect, record)
        return self._conn.run(decision_insert(dialect), row).fetchone() is not None

    def record_outcome(self, outcome: OutcomeRecord) -> bool:
        """Store the decision's one outcome; see the port."""
        dialect = self._dialect
        row = hot_path.outcome_row(dialect, outcome)
        inserted = self._conn.run(outcome_insert(dialect), (*row, row[0]))
        if inserted.fetchone() is not None:
            return True
        found = self._conn.run(decision_exists(dialect), (outcome.decision_id,))
        if found.fetchone() is None:
            raise NotFound(f"no decision {outcome.decision_id!r}")
        return False

    def outcome(self, decision_id: str) -> OutcomeRecord | None:
        """Return the decision's outcome, or ``None``."""
        stmt = select(_O).where(_O.c.decision_id == decision_id)
        row = self._conn.execute(stmt).mappings().first()
        return None if row is None else _decode_outcome(row)

    def all_decisions(self) -> Sequence[DecisionRecord]:
        """Return every decision, oldest first."""
        stmt = select(_D).order_by(_D.c.decided_at, _D.c.decision_id)
        return [_decode_decision(r) for r in self._conn.execute(stmt).mappings()]

    def all_outcomes(self) -> Sequence[OutcomeRecord]:
        """Return every outcome in the order of their decisions."""
        stmt = (
            select(_O)
            .join(_D, _O.c.decision_id == _D.c.decision_id)
            .order_by(_D.c.decided_at, _D.c.decision_id)
        )
        return [_decode_outcome(r) for r in self._conn.execute(stmt).mappings()]

    def decisions_since(self, since: datetime) -> Sequence[DecisionRecord]:
        """Return decisions decided at or after ``since``, oldest first."""
        stmt = (
            select(_D)
            .where(_D.c.decided_at >= since)
            .order_by(_D.c.decided_at, _D.c.decision_id)
        )
        return [_decode_decision(r) for r in self._conn.execute(stmt).mappings()]

    def outcomes_since(self, since: datetime) -> Sequence[OutcomeRecord]:
        """Return outcomes of decisions decided at or after ``since``."""
        stmt = (
            select(_O)
            .join(_D, _O.c.decision_id == _D.c.decision_id)
            .where(_D.c.decided_at >= since)
            .order_by(_D.c.decided_at, _D.c.decision_id)
        )
        return [_decode_outcome(r) for r in self._conn.execute(stmt).mappings()]

    def decisions_without_outcome(self) -> Sequence[DecisionRecord]:
        """Return decisions with no outcome yet, oldest first."""
        stmt = (
            select(_D)
            .outerjoin(_O, _O.c.decision_id == _D.c.decision_id)
            .where(_O.c.decision_id.is_(None))
            .order_by(_D.c.decided_at, _D.c.decision_id)
        )
        return [_decode_decision(r) for r in self._conn.execute(stmt).mappings()]


#: Key of the PostgreSQL advisory lock that serializes audit appenders.
_AUDIT_LOCK_KEY = 0x7C_A0D17  # "tc audit"


@cache
def _head_upsert(dialect_name: str) -> Any:
    stmt = upsert(dialect_name, _H)
    return stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={"seq": stmt.excluded.seq, "row_hash": stmt.excluded.row_hash},
    )


class SqlAuditLog(AuditLog):
    """The hash-chained ``audit_log`` table; append is its only write."""

    def __init__(self, conn: Session, clock: Callable[[], datetime]) -> None:
        self._conn = conn
        self._clock = clock
        self._insert = _A.insert()
        self._set_head = _head_upsert(conn.dialect.name)

    def append(self, kind: str, payload: dict[str, object]) -> AuditEntry:
        """Append an entry chained to the last one; see the port."""
        if not isinstance(kind, str) or not kind.strip():
            raise InvalidInput("kind", kind, "must be a non-empty string")
        stored_payload = json.loads(codec.canonical_json(payload))
        self._lock()
        last = self._conn.execute(
            select(_A.c.seq, _A.c.row_hash).order_by(_A.c.seq.desc()).limit(1)
        ).first()
        seq, prev = (1, GENESIS_HASH) if last is None else (last.seq + 1, last.row_hash)
        at = self._clock()
        entry = AuditEntry(
            seq=seq,
            recorded_at=at,
            kind=kind,
            payload=stored_payload,
            prev_hash=prev,
            row_hash=audit_row_hash(prev, kind, at, stored_payload),
        )
        row = codec.flat_row(entry)
        row["payload"] = codec.canonical_json(stored_payload)
        self._conn.execute(self._insert, row)
        self._conn.execute(
            self._set_head, {"id": 1, "seq": seq, "row_hash": entry.row_hash}
        )
        return entry

    def _lock(self) -> None:
        # PostgreSQL: appenders queue here instead of racing for the next seq.
        # SQLite: the unit already holds the write lock (BEGIN IMMEDIATE).
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK_KEY}
            )

    def verify(self) -> AuditVerification:
        """Walk the chain from genesis; report the first bad or missing row."""
        prev, expected_seq, rows = GENESIS_HASH, 1, 0
        stmt = select(_A).order_by(_A.c.seq)
        for row in self._conn.execute(stmt).mappings():
            problem = _check_row(row, expected_seq, prev)
            if problem is not None:
                return AuditVerification(
                    rows, first_bad_seq=expected_seq, problem=problem
                )
            prev, expected_seq, rows = row["row_hash"], expected_seq + 1, rows + 1
        head = self._conn.execute(select(_H.c.seq, _H.c.row_hash)).first()
        head_seq, head_hash = (
            (0, GENESIS_HASH) if head is None else (head.seq, head.row_hash)
        )
        if (head_seq, head_hash) != (rows, prev):
            bad = min(rows + 1, head_seq) if head_seq else rows
            return AuditVerification(
                rows, first_bad_seq=bad, problem=_head_problem(rows, head_seq)
            )
        return AuditVerification(rows)


def _head_problem(rows: int, head_seq: int) -> str:
    if head_seq > rows:
        return f"rows {rows + 1}..{head_seq} are missing (the head says {head_seq})"
    return f"row {head_seq or rows}: the chain's head does not match the last row"


def _check_row(row: RowMapping, expected_seq: int, prev: str) -> str | None:
    if row["seq"] != expected_seq:
        return f"row {expected_seq} is missing (next stored row is {row['seq']})"
    if row["prev_hash"] != prev:
        return f"row {expected_seq} does not link to row {expected_seq - 1}"
    try:
        payload: Any = json.loads(row["payload"])
        digest = audit_row_hash(prev, row["kind"], row["recorded_at"], payload)
    except (ValueError, InvalidInput) as e:
        return f"row {expected_seq} is unreadable: {e}"
    if digest != row["row_hash"]:
        return f"row {expected_seq} was altered (hash mismatch)"
    return None
