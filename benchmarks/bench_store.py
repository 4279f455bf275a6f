"""Store latency: the exactly-once write path next to its durable-commit floor.

The path is ``OrderManager.place`` itself, with ``CommitEachStep`` (what live trading
uses) and a broker that acknowledges at once: record the decision and store the
intent SUBMITTED (commit, durable before the broker call); the broker's ack; mark
the intent ACKED and record the decision's outcome (commit). The commits
are counted while the path runs (``CommitEachStep.commits``), and every floor makes
as many.

Floors measured in the same run, on the same database / disk:
* as many bare single-row durable commits through the raw driver (sqlite3 /
  psycopg) as the path makes;
* as many write+fsync calls on a file on the same disk;
* the path's own statements: the same statements and commits on the raw driver
  with their values encoded beforehand (what the path would cost with no Python of
  ours around the driver: the store's schema and SQL, nothing else).

The four are timed in turns (path, floor, fsync, statements, path, ...), so a
change in the machine's load during the run weighs on each alike; the load average
is printed.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import psycopg
import sqlalchemy as sa

from tradecore.adapters.sim.clock import SimClock
from tradecore.adapters.sqlstore import SqlStore, hot_path, open_store, records
from tradecore.adapters.sqlstore import intents as sql
from tradecore.domain.frozen import replace
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent, mark_submitted
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.ports.broker import Broker, BrokerOrder
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
TARGETS = {"sqlite": 1.5, "postgres": 2.0}
Step = Callable[[int], None]
Order = tuple[DecisionRecord, OrderIntent]
PG_SERVER = os.environ.get(
    "TRADECORE_TEST_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
)


def _orders(n: int, strategy_id: str = "bench") -> list[Order]:
    """``n`` decisions, each with its intent, as a strategy's cycle makes them."""
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(10))
    orders = []
    for i in range(n):
        key = DecisionKey(
            strategy_id=strategy_id,
            symbol="AAPL",
            side=Side.BUY,
            session_date=date(2024, 3, 1),
            horizon="1d",
            signal_hash=f"s{i}",
            qty=Decimal(10),
        )
        decision = DecisionRecord.keyed(
            strategy_id=strategy_id,
            symbol="AAPL",
            decided_at=T0,
            inputs_hash=f"s{i}",
            details={"target": "10"},
        )
        orders.append((decision, OrderIntent.create(key, spec, decided_at=T0)))
    return orders


class _AckingBroker:
    """Acknowledges every order at once (the broker's own time is not timed)."""

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        return BrokerOrder(
            broker_order_id=f"b-{client_order_id}",
            client_order_id=client_order_id,
            spec=spec,
            status=BrokerOrderStatus.ACCEPTED,
            submitted_at=T0,
            updated_at=T0,
        )


def _path_step(store: SqlStore, orders: list[Order]) -> tuple[Step, CommitEachStep]:
    """One order's durable path per call (``OrderManager.place``): order ``i``."""
    commits = CommitEachStep(store)
    manager = OrderManager(cast(Broker, _AckingBroker()), SimClock(T0), commits)

    def path(i: int) -> None:
        decision, intent = orders[i]
        placed = manager.place(decision, intent)
        assert placed.status is IntentStatus.ACKED, placed.status

    return path, commits


def _statements(dialect: str) -> list[str]:
    """The path's statements, in the order it runs them (:func:`_statement_values`)."""
    return [
        records.decision_insert(dialect),
        sql.intent_insert(dialect),
        sql.intent_update(dialect, IntentStatus.ACKED),
        records.outcome_insert(dialect),
    ]


def _statement_values(dialect: str, order: Order) -> list[Sequence[Any]]:
    """The parameters of the path's statements for ``order``, encoded."""
    decision, intent = order
    encoder = hot_path.IntentEncoder(dialect)
    submitted = replace(mark_submitted(intent, T0), version=1)
    broker_id = f"b-{intent.client_order_id}"
    acked = replace(
        submitted, status=IntentStatus.ACKED, broker_order_id=broker_id, version=2
    )
    outcome = OutcomeRecord(
        decision_id=decision.decision_id,
        kind=OutcomeKind.SUBMITTED,
        recorded_at=T0,
        client_order_id=intent.client_order_id,
        details={"ack": "received"},
    )
    outcome_row = hot_path.outcome_row(dialect, outcome)
    return [
        hot_path.decision_row(dialect, decision),
        encoder.values(submitted),
        encoder.update(acked, 1),
        (*outcome_row, decision.decision_id),
    ]


#: Which of :func:`_statements` each commit runs, in order.
_COMMITS = ((0, 1), (2, 3))


@contextmanager
def _statements_floor(url: str, orders: list[Order]) -> Iterator[Step]:
    """The path's statements and commits on the raw driver, values encoded ahead."""
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    sqls = _statements(dialect)
    values = [_statement_values(dialect, order) for order in orders]
    if dialect == "sqlite":
        conn: Any = sqlite3.connect(
            url.removeprefix("sqlite:///"), isolation_level=None
        )
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
    else:
        dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
        conn = psycopg.connect(dsn)
    cursor = conn.cursor()
    begin = "BEGIN IMMEDIATE" if dialect == "sqlite" else None

    def statements(i: int) -> None:
        params = values[i]
        for commit in _COMMITS:
            if begin is not None:
                cursor.execute(begin)
            for n in commit:
                cursor.execute(sqls[n], params[n])
                if cursor.description is not None:
                    cursor.fetchall()
            conn.commit()

    try:
        yield statements
    finally:
        conn.close()


def _interleaved(
    n: int, steps: Sequence[Step]
) -> tuple[list[list[float]], list[list[float]]]:
    """Time ``n`` calls of each step, taking turns, so load changes hit all alike.

    Returns the wall times and this process's CPU times, per step.
    """
    walls: list[list[float]] = [[] for _ in steps]
    cpus: list[list[float]] = [[] for _ in steps]
    clock, cpu = time.perf_counter, time.process_time
    for i in range(n):
        for step, wall_out, cpu_out in zip(steps, walls, cpus, strict=True):
            started, cpu_started = clock(), cpu()
            step(i)
            wall_out.append(clock() - started)
            cpu_out.append(cpu() - cpu_started)
    return walls, cpus


@contextmanager
def _fsync_floor(directory: Path, commits: int) -> Iterator[Step]:
    fd = os.open(directory / "fsync.probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    block = b"x" * 512

    def fsyncs(_: int) -> None:
        for _commit in range(commits):
            os.write(fd, block)
            os.fsync(fd)

    try:
        yield fsyncs
    finally:
        os.close(fd)


@contextmanager
def _sqlite_floor(path: Path, commits: int) -> Iterator[Step]:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, v TEXT)")

    def bare_commits(i: int) -> None:
        for _commit in range(commits):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO floor (v) VALUES (?)", (str(i),))
            conn.execute("COMMIT")

    try:
        yield bare_commits
    finally:
        conn.close()


@contextmanager
def _postgres_floor(url: str, commits: int) -> Iterator[Step]:
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE floor (id serial PRIMARY KEY, v text)")
        conn.commit()

        def bare_commits(i: int) -> None:
            for _commit in range(commits):
                conn.execute("INSERT INTO floor (v) VALUES (%s)", (str(i),))
                conn.commit()

        yield bare_commits


@contextmanager
def _postgres_database() -> Iterator[str]:
    server = sa.make_url(PG_SERVER)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"tradecore_bench_{os.getpid()}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _line(kind: str, label: str, samples: list[float]) -> str:
    p50, p99 = _ms(samples, 0.5), _ms(samples, 0.99)
    return f"{kind}: {label:<30} p50 {p50:.3f} ms  p99 {p99:.3f} ms"


def _report(
    kind: str, commits: int, walls: list[list[float]], cpus: list[list[float]]
) -> list[str]:
    path, floor, disk, own = (statistics.median(w) for w in walls)
    ratio = path / floor
    verdict = "meets" if ratio <= TARGETS[kind] else "MISSES"
    path_cpu, floor_cpu, _, own_cpu = (1e6 * statistics.median(c) for c in cpus)
    return [
        _line(kind, f"path (place: {commits} commits)", walls[0]),
        _line(kind, f"floor: {commits} bare driver commits", walls[1]),
        _line(kind, f"floor: {commits} write+fsync", walls[2]),
        _line(kind, "floor: the path's statements", walls[3]),
        f"{kind}: ratio path/commit-floor p50 {ratio:.2f}x "
        f"(target <= {TARGETS[kind]}x: {verdict}); path/fsync-floor p50 "
        f"{path / disk:.2f}x; statements/commit-floor {own / floor:.2f}x",
        f"{kind}: this process's CPU per call, median: path {path_cpu:.0f} us, "
        f"floor {floor_cpu:.0f} us, the path's statements {own_cpu:.0f} us",
    ]


Floor = Callable[[int], AbstractContextManager[Step]]


def _measure(
    url: str, work: Path, n: int, floor: Floor
) -> tuple[int, list[list[float]], list[list[float]]]:
    """Path and floors, warmed up, then timed in turns.

    The path runs once first to count its commits; each floor then makes as many.
    Returns that count, and the wall and CPU times of each step.
    """
    warm = 30
    store = open_store(url, upgrade=True, durability="full")
    try:
        path, counter = _path_step(store, _orders(n + warm + 1))
        path(n + warm)
        commits = counter.commits
        others = _orders(n + warm, strategy_id="statements")
        with (
            floor(commits) as bare,
            _fsync_floor(work, commits) as fsyncs,
            _statements_floor(url, others) as statements,
        ):
            if len(_COMMITS) != commits:
                raise RuntimeError(
                    f"the path made {commits} commits; its statements floor makes "
                    f"{len(_COMMITS)}: update _statements to what the path runs"
                )
            # The warm-up runs on orders[n:], the timed calls on orders[:n].
            warming = [_shifted(step, n) for step in (path, bare, fsyncs, statements)]
            _interleaved(warm, warming)
            counter.commits = 0
            timed = _interleaved(n, [path, bare, fsyncs, statements])
            if counter.commits != commits * n:
                raise RuntimeError(f"the path made {counter.commits} commits in {n}")
            return commits, *timed
    finally:
        store.close()


def _shifted(step: Step, by: int) -> Step:
    """``step`` on indices ``by`` further."""
    return lambda i: step(i + by)


def _load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(quick: bool) -> list[str]:
    """Measure SQLite and PostgreSQL; return report lines."""
    n = 200 if quick else 1000
    lines: list[str] = [f"{_load()} (1, 5, 15 min; {os.cpu_count()} cores)"]
    with tempfile.TemporaryDirectory(prefix="tc-bench-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'bench.db'}"
        db = work / "bench.db"
        floor: Floor = lambda commits: _sqlite_floor(db, commits)  # noqa: E731
        lines += _report("sqlite", *_measure(url, work, n, floor))
        try:
            with _postgres_database() as pg_url:
                pg_floor: Floor = lambda commits: _postgres_floor(pg_url, commits)  # noqa: E731
                lines += _report("postgres", *_measure(pg_url, work, n, pg_floor))
        except (sa.exc.OperationalError, psycopg.OperationalError) as e:
            lines.append(f"postgres: not measured (unreachable at {PG_SERVER}: {e})")
    lines.append(f"{_load()} after")
    return lines
