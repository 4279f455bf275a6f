"""Per-cycle cost of the live loop's CycleWatch as the day's store grows.

A SQLite store is pre-filled with ``n`` decisions (each with an outcome, a filled
intent and a fill), then each measured cycle adds a few more and the watch observes it.
The figure is milliseconds per observed cycle at each store size, next to the
reference of re-reading every decision, outcome and fill (what the watch did before
it kept high-water marks): the watch's column should stay flat while the
reference grows with ``n``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs

from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore import SqlStore, open_store
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.ports.alerts import Alert
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.observation.cycle_watch import CycleWatch
from tradecore.services.trading.live_loop import CycleReport

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
_PER_CYCLE = 3
_CYCLES = 20


class _Quiet:
    def send(self, alert: Alert) -> None:
        del alert


class _Book:
    """The engine's book; the watch reads it only to feed metrics (none here)."""

    ledger = Ledger.opening(Decimal(100_000))

    def position(self, symbol: str) -> Decimal:
        return Decimal(0)

    def last_prices(self) -> dict[str, float]:
        return {}


def _write(store: SqlStore, first: int, count: int, at: datetime) -> None:
    with store.unit_of_work() as uow:
        for n in range(first, first + count):
            key = DecisionKey(
                strategy_id="bench",
                symbol="AAPL",
                side=Side.BUY,
                session_date=date(2026, 1, 5),
                horizon="1d",
                signal_hash=f"s{n}",
                qty=Decimal(1),
            )
            spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
            created = uow.intents.create(OrderIntent.create(key, spec, decided_at=at))
            sent = uow.intents.update(
                attrs.evolve(created, status=IntentStatus.SUBMITTED)
            )
            uow.intents.update(attrs.evolve(sent, status=IntentStatus.FILLED))
            uow.decisions.record_decision(
                DecisionRecord(
                    decision_id=f"d{n:08d}",
                    strategy_id="bench",
                    symbol="AAPL",
                    decided_at=at,
                )
            )
            uow.decisions.record_outcome(
                OutcomeRecord(
                    decision_id=f"d{n:08d}",
                    kind=OutcomeKind.SUBMITTED,
                    recorded_at=at,
                    client_order_id=created.client_order_id,
                )
            )
            uow.fills.record(
                Fill(
                    execution_id=f"x{n}",
                    client_order_id=created.client_order_id,
                    symbol="AAPL",
                    side=Side.BUY,
                    qty=Decimal(1),
                    price=Decimal(100),
                    filled_at=at,
                )
            )
        uow.commit()


def _full_rescan(store: SqlStore) -> int:
    with store.unit_of_work() as uow:
        return (
            len(uow.decisions.all_decisions())
            + len(uow.decisions.all_outcomes())
            + len(uow.fills.all())
            + len(uow.intents.by_status(IntentStatus.REJECTED))
        )


def _measure(size: int, folder: Path) -> tuple[float, float]:
    clock = SimClock(T0)
    store = open_store(f"sqlite:///{folder}/w{size}.db", upgrade=True, clock=clock.now)
    try:
        for first in range(0, size, 2000):
            _write(store, first, min(2000, size - first), T0)
        watch = CycleWatch(CommitEachStep(store), clock, _Quiet(), _Book())
        watch.start()
        watch_ms, rescan_ms = [], []
        for cycle in range(_CYCLES):
            clock.advance(60)
            _write(store, size + cycle * _PER_CYCLE, _PER_CYCLE, clock.now())
            started = time.perf_counter()
            summary = watch.observe(
                CycleReport(cycle=cycle, bars=1, events=0, decisions=_PER_CYCLE)
            )
            watch_ms.append((time.perf_counter() - started) * 1e3)
            assert summary.fills == _PER_CYCLE
            started = time.perf_counter()
            _full_rescan(store)
            rescan_ms.append((time.perf_counter() - started) * 1e3)
        return statistics.median(watch_ms), statistics.median(rescan_ms)
    finally:
        store.close()


def run(quick: bool) -> list[str]:
    """Median ms per observed cycle by store size, beside a full re-read."""
    sizes = [1_000, 4_000] if quick else [1_000, 4_000, 16_000]
    lines = [f"{'rows':>8}  {'watch ms/cycle':>15}  {'full re-read ms':>16}"]
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            watch, rescan = _measure(size, Path(folder))
            lines.append(f"{size:>8}  {watch:>15.2f}  {rescan:>16.2f}")
    return lines
