"""Hand-written helpers for the risk-control tests (no mocks)."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore import SqlStore, open_store
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import Side
from tradecore.domain.risk.limits import RiskLimits, RiskLimitSet
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.risk.trading_state import (
    INITIAL_TRADING_STATE,
    TradingStateRecord,
)
from tradecore.ports.alerts import Alert, Alerter
from tradecore.services.controls.risk_gate import RiskGate

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class _EmptyControls:
    """A store's controls with no rows: the initial trading state, no breakers."""

    def get_trading_state(self) -> TradingStateRecord:
        return INITIAL_TRADING_STATE

    def breakers(self) -> list[object]:
        return []


class _EmptyUow:
    controls = _EmptyControls()


class EmptyStoreCommits:
    """The commit policy a replay's gate reads its (empty) store rows through."""

    @contextmanager
    def step(self) -> Iterator[_EmptyUow]:
        yield _EmptyUow()

    def flush(self) -> None:
        pass


def replay_gate(limit_set: RiskLimits | RiskLimitSet) -> RiskGate:
    """A risk gate over ``limit_set`` as a replay builds one: an empty store,
    not shared, its alerts kept."""
    return RiskGate(
        PreTradeChecker(limit_set),
        EmptyStoreCommits(),  # type: ignore[arg-type]
        RecordingAlerter(),
        shared_store=False,
    )


class RecordingAlerter(Alerter):
    """Keeps every alert it is sent."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.alerts.append(alert)

    def codes(self) -> list[str]:
        return [a.code for a in self.alerts]


class Book:
    """A minimal engine book for the gate: ledger, working orders, last prices."""

    def __init__(self, cash: str = "100000") -> None:
        self.ledger = Ledger.opening(Decimal(cash))
        self.working: dict[str, Decimal] = {}
        self.prices: dict[str, float] = {}
        self._n = 0

    def position(self, symbol: str) -> Decimal:
        return self.ledger.position(symbol) + self.working.get(symbol, Decimal(0))

    def last_prices(self) -> Mapping[str, float]:
        return self.prices

    def fill(self, symbol: str, qty: str, price: str, at: datetime = T0) -> Fill:
        """Book a fill of signed ``qty`` at ``price`` and return it."""
        self._n += 1
        signed = Decimal(qty)
        fill = Fill(
            execution_id=f"x{self._n}",
            client_order_id=f"c{self._n}",
            symbol=symbol,
            side=Side.BUY if signed > 0 else Side.SELL,
            qty=abs(signed),
            price=Decimal(price),
            filled_at=at,
        )
        self.ledger = self.ledger.apply(fill)
        return fill


_template: list[Path] = []


def _migrated_template() -> Path:
    """One database migrated to head per test process; stores start as copies."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="tc-risk-template-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "template.db"
        open_store(f"sqlite:///{path}", upgrade=True).close()
        _template.append(path)
    return _template[0]


def sqlite_store(path: Path, clock: SimClock | None = None) -> SqlStore:
    """A migrated SQLite store whose own timestamps come from ``clock``.

    A second call with the same ``path`` opens the same database (a second process).
    """
    if not path.exists():
        shutil.copyfile(_migrated_template(), path)
    now = clock.now if clock is not None else (lambda: T0)
    return open_store(f"sqlite:///{path}", durability="normal", clock=now)


def audit_rows(path: Path, kind: str | None = None) -> list[tuple[str, dict]]:
    """The audit log's (kind, payload) rows, oldest first."""
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT kind, payload FROM audit_log ORDER BY seq")
            ).all()
    finally:
        engine.dispose()
    found = [(k, p if isinstance(p, dict) else json.loads(p)) for k, p in rows]
    return [r for r in found if kind is None or r[0] == kind]
