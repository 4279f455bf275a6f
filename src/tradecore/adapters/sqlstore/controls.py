"""Trading state, breaker and position-snapshot repositories."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, select

from tradecore.adapters.sqlstore import codec
from tradecore.adapters.sqlstore import tables as t
from tradecore.adapters.sqlstore.session import Session
from tradecore.adapters.sqlstore.sql import insert_ignore, upsert
from tradecore.domain.orders.account import Position
from tradecore.domain.risk.trading_state import (
    INITIAL_TRADING_STATE,
    BreakerState,
    TradingState,
    TradingStateRecord,
)
from tradecore.ports.store import ControlStateRepository, PositionSnapshotRepository
from tradecore.ports.store_records import PositionCheck, PositionSnapshot

_T, _BR = t.trading_state_changes, t.breakers
_decode_state = codec.decoder(TradingStateRecord, table="trading_state", key="id")
_decode_breaker = codec.decoder(BreakerState, table="breakers", key="name")


class SqlControlStateRepository(ControlStateRepository):
    """Trading-state history (the newest row is current) and breakers by name."""

    def __init__(self, conn: Session, clock: Callable[[], datetime]) -> None:
        self._conn = conn
        self._clock = clock

    def get_trading_state(self) -> TradingStateRecord:
        """Return the newest trading state, or the initial ACTIVE one."""
        stmt = select(_T).order_by(_T.c.id.desc()).limit(1)
        row = self._conn.execute(stmt).mappings().first()
        if row is None:
            return INITIAL_TRADING_STATE
        return _decode_state({k: row[k] for k in ("state", "reason", "changed_at")})

    def set_trading_state(self, state: TradingState, reason: str) -> TradingStateRecord:
        """Append a trading-state change stamped now; see the port."""
        record = TradingStateRecord(
            state=state, reason=reason, changed_at=self._clock()
        )
        self._conn.execute(_T.insert(), codec.flat_row(record))
        return record

    def get_breaker(self, name: str) -> BreakerState | None:
        """Return the named breaker, or ``None``."""
        row = (
            self._conn.execute(select(_BR).where(_BR.c.name == name)).mappings().first()
        )
        return None if row is None else _decode_breaker(row)

    def set_breaker(self, name: str, *, tripped: bool, reason: str) -> BreakerState:
        """Trip or reset a breaker, stamped now; see the port."""
        state = BreakerState(
            name=name, tripped=tripped, reason=reason, changed_at=self._clock()
        )
        stmt = upsert(self._conn.dialect.name, _BR)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={c: stmt.excluded[c] for c in ("tripped", "reason", "changed_at")},
        )
        self._conn.execute(stmt, codec.flat_row(state))
        return state

    def breakers(self) -> Sequence[BreakerState]:
        """Return every breaker, by name."""
        rows = self._conn.execute(select(_BR).order_by(_BR.c.name)).mappings()
        return [_decode_breaker(r) for r in rows]


_S, _L, _C = t.position_snapshots, t.position_lines, t.position_checks
_decode_position = codec.decoder(Position, table="position_lines", key="symbol")
_decode_check = codec.decoder(PositionCheck, table="position_checks", key="symbol")


class SqlPositionSnapshotRepository(PositionSnapshotRepository):
    """Snapshots as a header row plus one exact row per position."""

    def __init__(self, conn: Session) -> None:
        self._conn = conn

    def record(self, snapshot: PositionSnapshot) -> None:
        """Store a snapshot; see the port."""
        codec.validate(snapshot, *snapshot.positions)
        header = {"taken_at": snapshot.taken_at, "source": snapshot.source}
        header["cash"] = snapshot.cash
        snapshot_id = self._conn.execute(
            _S.insert().returning(_S.c.id), header
        ).scalar_one()
        lines = [
            {"snapshot_id": snapshot_id, **codec.flat_row(p)}
            for p in snapshot.positions
        ]
        if lines:
            self._conn.execute(_L.insert(), lines)

    def latest(self, source: str) -> PositionSnapshot | None:
        """Return the newest snapshot from ``source``, or ``None``."""
        stmt = (
            select(_S)
            .where(_S.c.source == source)
            .order_by(_S.c.taken_at.desc(), _S.c.id.desc())
            .limit(1)
        )
        header = self._conn.execute(stmt).mappings().first()
        if header is None:
            return None
        lines = self._conn.execute(
            select(_L.c.symbol, _L.c.qty, _L.c.avg_entry_price)
            .where(_L.c.snapshot_id == header["id"])
            .order_by(_L.c.symbol)
        ).mappings()
        return PositionSnapshot(
            taken_at=header["taken_at"],
            source=header["source"],
            cash=header["cash"],
            positions=tuple(_decode_position(r) for r in lines),
        )

    def record_checks(self, checks: Sequence[PositionCheck]) -> int:
        """Store a pass's checks, keeping any already stored; see the port."""
        if not checks:
            return 0
        codec.validate(*checks)
        stmt = insert_ignore(self._conn.dialect.name, _C, "checked_at", "symbol")
        stmt = stmt.returning(_C.c.symbol)
        new = 0
        for check in checks:
            if self._conn.execute(stmt, codec.flat_row(check)).first() is not None:
                new += 1
        return new

    def latest_checks(self) -> Sequence[PositionCheck]:
        """Return the newest pass's checks, by symbol."""
        newest = self._conn.execute(
            select(_C.c.checked_at).order_by(_C.c.checked_at.desc()).limit(1)
        ).scalar()
        if newest is None:
            return []
        return self._checks(_C.c.checked_at == newest)

    def checks_since(self, since: datetime) -> Sequence[PositionCheck]:
        """Return checks at or after ``since``, oldest pass first, by symbol."""
        return self._checks(_C.c.checked_at >= since)

    def _checks(self, where: ColumnElement[bool]) -> list[PositionCheck]:
        stmt = select(_C).where(where).order_by(_C.c.checked_at, _C.c.symbol)
        return [_decode_check(r) for r in self._conn.execute(stmt).mappings()]
