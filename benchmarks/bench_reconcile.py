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


@attrs.frozen
class Pass:
    """One pass: wall time, this process's CPU, the database server's CPU (s)."""

    wall: float
    cpu: float
    server_cpu: float | None


def _server_cpu(url: str) -> float | None:
    """CPU seconds used so far by the PostgreSQL processes serving ``url``'s database.

    Read from ``/proc`` (the server runs on this machine); ``None`` for SQLite (in
    process: its work is in this process's CPU) or where ``/proc`` cannot say.
    """
    target = sa.make_url(url)
    if not target.drivername.startswith("postgresql"):
        return None
    dsn = sa.make_url(PG_SERVER).set(drivername="postgresql")
    with psycopg.connect(dsn.render_as_string(False), autocommit=True) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (target.database,)
        ).fetchall()
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        for (pid,) in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return None
    return total / ticks


def _passes(url: str, world: World, acked: bool) -> list[Pass]:
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
            server = _server_cpu(url)
            started, cpu = time.perf_counter(), time.process_time()
            report = reconciler.run()
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            server_after = _server_cpu(url)
            served = None
            if server is not None and server_after is not None:
                served = server_after - server
            samples.append(Pass(wall, cpu, served))
            if report.checked != n or report.adopted != n or not report.clean:
                raise AssertionError(f"unexpected pass over {n} intents: {report}")
            if not acked:
                _reset_submitted(store)
    finally:
        store.close()
    return samples


def _median(passes: list[Pass], what: str) -> float | None:
    values = [getattr(p, what) for p in passes]
    return None if None in values else statistics.median(values)


def _lines(kind: str, scenario: str, timings: dict[int, list[Pass]]) -> list[str]:
    small, large = sorted(timings)
    lines = []
    for n in (small, large):
        wall = _median(timings[n], "wall") or 0.0
        cpu = _median(timings[n], "cpu") or 0.0
        server = _median(timings[n], "server_cpu")
        served = "" if server is None else f", server CPU {server:.2f} s"
        lines.append(
            f"{kind}: {scenario:<9} n={n:>6}  {wall:.3f} s  {1e6 * wall / n:.1f} us/intent"
            f"  (CPU: this process {cpu:.3f} s{served})"
        )
    walls = [_median(timings[n], "wall") or 0.0 for n in (small, large)]
    verdict = "meets" if walls[1] <= TARGET_S else "MISSES"
    lines.append(
        f"{kind}: {scenario:<9} time {large}/{small} = {walls[1] / walls[0]:.1f} "
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
