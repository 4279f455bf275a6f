"""Reads the operator console needs and the repositories do not offer.

The repositories answer the trading loop's questions (open intents, a decision's
outcome); a person watching wants pages: the audit log newest first, searchable,
in pages keyed on ``seq`` (keyset pagination: ``WHERE seq < :before ORDER BY seq
DESC LIMIT n`` walks the primary key from where the last page ended, so page 1,000
costs what page 1 costs, where ``OFFSET`` would read and drop every row before it),
the newest intents by status, counts by status, and the decisions behind orders.

Every read is bounded (a ``LIMIT``, or a window of the newest audit rows) so that a
page stays fast with a year of history in the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import Engine, func, or_, select

from tradecore.adapters.sqlstore import codec, hot_path
from tradecore.adapters.sqlstore import tables as t
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeRecord

_A, _I, _D, _O, _F = t.audit_log, t.intents, t.decisions, t.outcomes, t.fills
_decode_decision = codec.decoder(
    DecisionRecord, table="decisions", key="decision_id", json_fields=("details",)
)
_decode_outcome = codec.decoder(
    OutcomeRecord, table="outcomes", key="decision_id", json_fields=("details",)
)
_decode_fill = codec.decoder(Fill, table="fills", key="execution_id")


@attrs.frozen(kw_only=True)
class AuditRow:
    """One audit entry as the console shows it."""

    seq: int
    recorded_at: datetime
    kind: str
    payload: Mapping[str, Any]


@attrs.frozen(kw_only=True)
class Explained:
    """An order's decision and its outcome (either may be missing)."""

    decision: DecisionRecord | None
    outcome: OutcomeRecord | None


def _audit_row(row: Any) -> AuditRow:
    return AuditRow(
        seq=row.seq,
        recorded_at=row.recorded_at,
        kind=row.kind,
        payload=json.loads(row.payload),
    )


class ConsoleReads:
    """Read-only queries on one store's engine (each opens its own connection)."""

    def __init__(self, engine: Engine) -> None:
        """Read through ``engine`` (the store's; the console never writes here)."""
        self._engine = engine

    def audit_head(self) -> int:
        """The newest audit ``seq`` (0: empty log)."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.max(_A.c.seq))).scalar() or 0)

    def audit_page(
        self,
        *,
        before: int | None = None,
        kind: str | None = None,
        text: str | None = None,
        limit: int = 50,
    ) -> list[AuditRow]:
        """Up to ``limit`` entries older than ``before``, newest first.

        ``kind`` matches exactly; ``text`` is a case-insensitive substring of the
        kind or the payload's JSON.
        """
        stmt = select(_A.c.seq, _A.c.recorded_at, _A.c.kind, _A.c.payload)
        if before is not None:
            stmt = stmt.where(_A.c.seq < before)
        if kind:
            stmt = stmt.where(_A.c.kind == kind)
        if text:
            pattern = f"%{_escaped(text.lower())}%"
            stmt = stmt.where(
                or_(
                    func.lower(_A.c.payload).like(pattern, escape="\\"),
                    func.lower(_A.c.kind).like(pattern, escape="\\"),
                )
            )
        stmt = stmt.order_by(_A.c.seq.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [_audit_row(r) for r in conn.execute(stmt)]

    def latest_audit(
        self, kind: str, *, contains: str | None = None, window: int = 5000
    ) -> AuditRow | None:
        """The newest ``kind`` entry (whose payload holds ``contains``) among the
        newest ``window`` entries, or ``None``."""
        head = self.audit_head()
        stmt = select(_A.c.seq, _A.c.recorded_at, _A.c.kind, _A.c.payload).where(
            _A.c.kind == kind, _A.c.seq > head - window
        )
        if contains:
            stmt = stmt.where(_A.c.payload.like(f"%{_escaped(contains)}%", escape="\\"))
        stmt = stmt.order_by(_A.c.seq.desc()).limit(1)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else _audit_row(row)

    def status_counts(self, statuses: Iterable[IntentStatus]) -> dict[str, int]:
        """How many intents are in each of ``statuses`` (absent: none)."""
        wanted = [IntentStatus(s).value for s in statuses]
        stmt = (
            select(_I.c.status, func.count())
            .where(_I.c.status.in_(wanted))
            .group_by(_I.c.status)
        )
        with self._engine.connect() as conn:
            return {row[0]: int(row[1]) for row in conn.execute(stmt)}

    def newest_intents(
        self, statuses: Iterable[IntentStatus], *, limit: int = 50
    ) -> list[OrderIntent]:
        """The newest ``limit`` intents in ``statuses``, newest decision first."""
        wanted = [IntentStatus(s).value for s in statuses]
        stmt = (
            select(_I)
            .where(_I.c.status.in_(wanted))
            .order_by(_I.c.decided_at.desc(), _I.c.client_order_id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [hot_path.intent_from_values(r) for r in conn.execute(stmt)]

    def explain(self, client_order_ids: Sequence[str]) -> dict[str, Explained]:
        """The decision and outcome behind each order id (by the outcome's order id,
        else the decision's ``details.client_order_id``)."""
        if not client_order_ids:
            return {}
        found: dict[str, Explained] = {}
        stmt = (
            select(_O, *[c.label(f"d_{c.name}") for c in _D.c])
            .join(_D, _O.c.decision_id == _D.c.decision_id)
            .where(_O.c.client_order_id.in_(list(client_order_ids)))
        )
        with self._engine.connect() as conn:
            for row in conn.execute(stmt).mappings():
                outcome = _decode_outcome({c.name: row[c.name] for c in _O.c})
                decision = _decode_decision({c.name: row[f"d_{c.name}"] for c in _D.c})
                found[str(outcome.client_order_id)] = Explained(
                    decision=decision, outcome=outcome
                )
        return found

    def last_decision_at(self) -> datetime | None:
        """When the newest decision was made (``None``: none yet)."""
        with self._engine.connect() as conn:
            value: datetime | None = conn.execute(
                select(func.max(_D.c.decided_at))
            ).scalar()
        return value

    def newest_decision(self) -> DecisionRecord | None:
        """The newest decision (``None``: none yet)."""
        stmt = select(_D).order_by(_D.c.decided_at.desc()).limit(1)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else _decode_decision(row)

    def outcome_counts_since(self, since: datetime) -> dict[str, int]:
        """Outcomes of decisions made at or after ``since``, counted by kind."""
        stmt = (
            select(_O.c.kind, func.count())
            .join(_D, _O.c.decision_id == _D.c.decision_id)
            .where(_D.c.decided_at >= since)
            .group_by(_O.c.kind)
        )
        with self._engine.connect() as conn:
            return {row[0]: int(row[1]) for row in conn.execute(stmt)}

    def fills_since(
        self, since: datetime, *, until: datetime | None = None, limit: int = 5000
    ) -> list[Fill]:
        """Fills at or after ``since`` (and before ``until``), oldest first (at most
        ``limit``)."""
        cols = [c for c in _F.c if c.name != "id"]
        stmt = select(*cols).where(_F.c.filled_at >= since)
        if until is not None:
            stmt = stmt.where(_F.c.filled_at < until)
        stmt = stmt.order_by(_F.c.filled_at, _F.c.id).limit(limit)
        with self._engine.connect() as conn:
            return [_decode_fill(r) for r in conn.execute(stmt).mappings()]

    def last_fill_at(self) -> datetime | None:
        """When the newest fill happened (``None``: no fill yet)."""
        with self._engine.connect() as conn:
            value: datetime | None = conn.execute(
                select(func.max(_F.c.filled_at))
            ).scalar()
        return value

    def fill_count_since(self, since: datetime) -> int:
        """How many fills at or after ``since``."""
        stmt = select(func.count()).select_from(_F).where(_F.c.filled_at >= since)
        with self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)


def _escaped(text: str) -> str:
    """``text`` with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
