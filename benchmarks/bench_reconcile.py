"""Reconciliation cost: one pass over n open intents against the simulated broker.

Two stores per database (SQLite file at synchronous=FULL, PostgreSQL): n intents the
broker acknowledged (``acked``: the pass finds every order level and writes nothing)
and n intents stored only as SUBMITTED (``submitted``: the pass adopts each order, one
ACKED write per intent). The simulated broker works n far limit orders under the
intents' client order ids. Each figure is the median of 3 passes (the ``submitted``
store is put back to SUBMITTED between passes); the ratio of the 10k pass to the 1k
pass shows whether the cost is linear in n (10.0 is linear).

Setting up the broker is not timed. The orders are spread over ``SYMBOLS`` symbols:
the simulated venue's order rules (the wash-trade check) still look at every order
working in the symbol on each submit, so one symbol made the 10k setup take two
minutes; spread out, it takes seconds.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import psycopg
import sqlalchemy as sa

from benchmarks.bench_store import PG_SERVER, _postgres_database
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore, open_store
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import OrderIntent, apply_event, mark_submitted
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
TARGET_S = 1.0
RUNS = 3
#: How many symbols the intents are spread over (round robin).
SYMBOLS = tuple(f"S{i:03d}" for i in range(100))


def _spec(symbol: str) -> OrderSpec:
    """A buy limit far below the market: it rests at the broker and never fills."""
    return OrderSpec(
        symbol=symbol,
        side=Side.BUY,
        qty=Decimal(1),
        order_type=OrderType.LIMIT,
        limit_price=Decimal("1.00"),
    )


def _intents(n: int) -> list[OrderIntent]:
    """``n`` SUBMITTED intents, each decided (and sent) at ``T0``."""
    specs = [_spec(symbol) for symbol in SYMBOLS]
    return [
        mark_submitted(
            OrderIntent.create(
                DecisionKey(
                    strategy_id="bench",
                    symbol=specs[i % len(specs)].symbol,
                    side=Side.BUY,
                    session_date=date(2026, 1, 5),
                    horizon="1d",
                    signal_hash=f"r{i}",
                    qty=Decimal(1),
                ),
                specs[i % len(specs)],
                decided_at=T0,
            ),
            T0,
        )
        for i in range(n)
    ]


@attrs.frozen
class World:
    """n intents and a simulated broker working one resting order for each."""

    intents: list[OrderIntent]
    broker: SimulatedBroker
    clock: SimClock
    #: client order id -> the broker's id
    broker_ids: dict[str, str]


def _world(intents: list[OrderIntent]) -> World:
    """A simulated broker working one resting order per intent (acks delivered)."""
    clock = SimClock(T0)
    config = VenueConfig(
        seed=1,
        fill_model=FillModel.ideal(),
        calendar=MarketCalendar.always_open(),
        starting_cash=Decimal(10**12),
    )
    broker = SimulatedBroker(clock, config)
    for symbol in SYMBOLS:
        broker.on_bar(
            Bar(symbol=symbol, timestamp=T0, open=100.0, high=101.0, low=99.0,
                close=100.0, volume=1e6)
        )  # fmt: skip
    ids = {
        i.client_order_id: broker.submit(i.client_order_id, i.spec).broker_order_id
        for i in intents
    }
    clock.advance(60)
    broker.poll_events()  # the acks: the store below stands for what applied them
    return World(intents, broker, clock, ids)


def _fill_store(store: SqlStore, world: World, acked: bool) -> None:
    """Store the intents (SUBMITTED, or ACKED under the broker's ids) in one unit."""
    with store.unit_of_work() as uow:
        for intent in world.intents:
            stored = uow.intents.update(uow.intents.create(intent))
            if acked:
                ack = OrderEvent(
                    kind=OrderEventKind.ACCEPTED,
                    client_order_id=intent.client_order_id,
                    occurred_at=T0,
                    broker_order_id=world.broker_ids[intent.client_order_id],
                )
                uow.intents.update(apply_event(stored, ack).intent)
        uow.commit()


def _reset_submitted(store: SqlStore) -> None:
    """Put every intent back to SUBMITTED, as :func:`_fill_store` left it."""
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE intents SET status = 'submitted', broker_order_id = NULL,"
                " version = 2, updated_at = decided_at"
            )
        )


def _passes(url: str, world: World, acked: bool) -> list[float]:
    """Time ``RUNS`` reconciliation passes over a fresh store at ``url``."""
    broker, clock, n = world.broker, world.clock, len(world.intents)
    store = open_store(url, upgrade=True, durability="full")
    try:
        _fill_store(store, world, acked)
        commits = CommitEachStep(store)
        manager = OrderManager(broker, clock, commits)
        samples = []
        for _ in range(RUNS):
            reconciler = Reconciler(broker, clock, commits, manager)
            started = time.perf_counter()
            report = reconciler.run()
            samples.append(time.perf_counter() - started)
            if report.checked != n or report.adopted != n or not report.clean:
                raise AssertionError(f"unexpected pass over {n} intents: {report}")
            if not acked:
                _reset_submitted(store)
    finally:
        store.close()
    return samples


def _lines(kind: str, scenario: str, timings: dict[int, list[float]]) -> list[str]:
    small, large = sorted(timings)
    lines = []
    for n in (small, large):
        s = statistics.median(timings[n])
        lines.append(
            f"{kind}: {scenario:<9} n={n:>6}  {s:.3f} s  {1e6 * s / n:.1f} us/intent"
        )
    ratio = statistics.median(timings[large]) / statistics.median(timings[small])
    verdict = "meets" if statistics.median(timings[large]) <= TARGET_S else "MISSES"
    lines.append(
        f"{kind}: {scenario:<9} time {large}/{small} = {ratio:.1f} "
        f"(linear: {large / small:.1f}); n={large} target <= {TARGET_S} s: {verdict}"
    )
    return lines


def _database(
    kind: str,
    url_for: Callable[[str], str],
    worlds: dict[int, World],
) -> list[str]:
    lines: list[str] = []
    for scenario, acked in (("acked", True), ("submitted", False)):
        timings = {
            n: _passes(url_for(f"{scenario}{n}"), world, acked)
            for n, world in worlds.items()
        }
        lines += _lines(kind, scenario, timings)
    return lines


def run(quick: bool) -> list[str]:
    """Reconcile n and 10n open intents on SQLite and PostgreSQL; return report lines."""
    sizes = (100, 1_000) if quick else (1_000, 10_000)
    started = time.perf_counter()
    worlds = {n: _world(_intents(n)) for n in sizes}
    lines = [
        f"setup (simulated broker, {'+'.join(map(str, sizes))} resting orders, "
        f"not timed): {time.perf_counter() - started:.1f} s; "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    ]
    with tempfile.TemporaryDirectory(prefix="tc-bench-") as tmp:
        lines += _database(
            "sqlite", lambda name: f"sqlite:///{Path(tmp) / name}.db", worlds
        )
    try:
        lines += _postgres(worlds)
    except (sa.exc.OperationalError, psycopg.OperationalError) as e:
        lines.append(f"postgres: not measured (unreachable at {PG_SERVER}: {e})")
    lines.append(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return lines


def _postgres(worlds: dict[int, World]) -> list[str]:
    """Each PostgreSQL store in a database of its own (created and dropped here)."""
    lines: list[str] = []
    for scenario, acked in (("acked", True), ("submitted", False)):
        timings = {}
        for n, world in worlds.items():
            with _postgres_database() as url:
                timings[n] = _passes(url, world, acked)
        lines += _lines("postgres", scenario, timings)
    return lines
