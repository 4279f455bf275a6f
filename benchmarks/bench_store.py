"""Store latency: the exactly-once write path next to its durable-commit floor.

The path (what the order manager does around one broker call):
commit 1 = create intent + mark SUBMITTED (durable before the broker call);
commit 2 = mark ACKED + record the broker order (after the ack). Two durable commits.

Floors measured in the same run, on the same database / disk:
* two bare single-row durable commits through the raw driver (sqlite3 / psycopg);
* two write+fsync calls on a file on the same disk;
* the path's own statements: the same four statements and two commits on the raw
  driver with their values encoded beforehand (what the path would cost with no
  Python of ours around the driver: the store's schema and SQL, nothing else).

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
from typing import Any

import psycopg
import sqlalchemy as sa

from tradecore.adapters.sqlstore import SqlStore, hot_path, open_store
from tradecore.adapters.sqlstore import intents as sql
from tradecore.domain.frozen import replace
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import OrderIntent, apply_event, mark_submitted
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.ports.store_records import BrokerOrderRecord

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
TARGETS = {"sqlite": 1.5, "postgres": 2.0}
Step = Callable[[int], None]
PG_SERVER = os.environ.get(
    "TRADECORE_TEST_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
)


def _intents(n: int, strategy_id: str = "bench") -> list[OrderIntent]:
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(10))
    return [
        OrderIntent.create(
            DecisionKey(
                strategy_id=strategy_id,
                symbol="AAPL",
                side=Side.BUY,
                session_date=date(2024, 3, 1),
                horizon="1d",
                signal_hash=f"s{i}",
                qty=Decimal(10),
            ),
            spec,
            decided_at=T0,
        )
        for i in range(n)
    ]


def _path_step(store: SqlStore, intents: list[OrderIntent]) -> Step:
    """One order's durable path per call: the intent at index ``i``."""

    def path(i: int) -> None:
        intent = intents[i]
        with store.unit_of_work() as uow:
            stored = uow.intents.create(intent)
            submitted = uow.intents.update(mark_submitted(stored, T0))
            uow.commit()  # durable before the broker call
            ack = OrderEvent(
                kind=OrderEventKind.ACCEPTED,
                client_order_id=intent.client_order_id,
                occurred_at=T0,
                broker_order_id=f"b-{intent.client_order_id}",
            )
            uow.intents.update(apply_event(submitted, ack).intent)
            uow.broker_orders.record(
                BrokerOrderRecord(
                    broker_order_id=f"b-{intent.client_order_id}",
                    client_order_id=intent.client_order_id,
                    raw_status="accepted",
                    submitted_at=T0,
                    updated_at=T0,
                )
            )
            uow.commit()

    return path


def _statement_values(dialect: str, intent: OrderIntent) -> list[tuple[Any, ...]]:
    """The parameters of the path's four statements for ``intent``, encoded."""
    encoder = hot_path.IntentEncoder(dialect)
    created = replace(intent, version=1)
    submitted = replace(mark_submitted(created, T0), version=2)
    broker_id = f"b-{intent.client_order_id}"
    acked = replace(
        submitted, status=IntentStatus.ACKED, broker_order_id=broker_id, version=3
    )
    values = [sql.intent_insert(dialect).params(encoder.row(created))]
    for new, target in (
        (submitted, IntentStatus.SUBMITTED),
        (acked, IntentStatus.ACKED),
    ):
        row = encoder.row(new) | {
            "key": new.client_order_id,
            "expected": new.version - 1,
        }
        values.append(sql.intent_update(dialect, target).params(row))
    order = {
        "broker_order_id": broker_id,
        "client_order_id": intent.client_order_id,
        "raw_status": "accepted",
        "submitted_at": T0,
        "updated_at": T0,
    }
    upsert = sql.broker_order_upsert(dialect)
    values.append(upsert.params(hot_path.to_driver(dialect, order)))
    return values


@contextmanager
def _statements_floor(url: str, intents: list[OrderIntent]) -> Iterator[Step]:
    """The path's statements and commits on the raw driver, values encoded ahead."""
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    sqls = [
        sql.intent_insert(dialect).sql,
        sql.intent_update(dialect, IntentStatus.SUBMITTED).sql,
        sql.intent_update(dialect, IntentStatus.ACKED).sql,
        sql.broker_order_upsert(dialect).sql,
    ]
    values = [_statement_values(dialect, intent) for intent in intents]
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
        insert, submit, ack, upsert = values[i]
        for first, second, fetch in ((insert, submit, 0), (ack, upsert, 1)):
            if begin is not None:
                cursor.execute(begin)
            cursor.execute(sqls[fetch * 2], first)
            if not fetch:
                cursor.fetchone()
            cursor.execute(sqls[fetch * 2 + 1], second)
            if fetch:
                cursor.fetchone()
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
def _fsync_floor(directory: Path) -> Iterator[Step]:
    fd = os.open(directory / "fsync.probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    block = b"x" * 512

    def two_fsyncs(_: int) -> None:
        for _commit in range(2):
            os.write(fd, block)
            os.fsync(fd)

    try:
        yield two_fsyncs
    finally:
        os.close(fd)


@contextmanager
def _sqlite_floor(path: Path) -> Iterator[Step]:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, v TEXT)")

    def two_commits(i: int) -> None:
        for _commit in range(2):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO floor (v) VALUES (?)", (str(i),))
            conn.execute("COMMIT")

    try:
        yield two_commits
    finally:
        conn.close()


@contextmanager
def _postgres_floor(url: str) -> Iterator[Step]:
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE floor (id serial PRIMARY KEY, v text)")
        conn.commit()

        def two_commits(i: int) -> None:
            for _commit in range(2):
                conn.execute("INSERT INTO floor (v) VALUES (%s)", (str(i),))
                conn.commit()

        yield two_commits


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


def _report(kind: str, walls: list[list[float]], cpus: list[list[float]]) -> list[str]:
    path, floor, disk, own = (statistics.median(w) for w in walls)
    ratio = path / floor
    verdict = "meets" if ratio <= TARGETS[kind] else "MISSES"
    path_cpu, floor_cpu, _, own_cpu = (1e6 * statistics.median(c) for c in cpus)
    return [
        _line(kind, "path (2 durable commits)", walls[0]),
        _line(kind, "floor: 2 bare driver commits", walls[1]),
        _line(kind, "floor: 2 write+fsync", walls[2]),
        _line(kind, "floor: the path's statements", walls[3]),
        f"{kind}: ratio path/commit-floor p50 {ratio:.2f}x "
        f"(target <= {TARGETS[kind]}x: {verdict}); path/fsync-floor p50 "
        f"{path / disk:.2f}x; statements/commit-floor {own / floor:.2f}x",
        f"{kind}: this process's CPU per call, median: path {path_cpu:.0f} us, "
        f"floor {floor_cpu:.0f} us, the path's statements {own_cpu:.0f} us",
    ]


def _measure(
    url: str, work: Path, n: int, floor: AbstractContextManager[Step]
) -> tuple[list[list[float]], list[list[float]]]:
    """Path, commit floor and fsync floor, warmed up, then timed in turns."""
    warm = 30
    store = open_store(url, upgrade=True, durability="full")
    try:
        intents = _intents(n + warm)
        others = _intents(n + warm, strategy_id="statements")
        with (
            floor as commits,
            _fsync_floor(work) as fsyncs,
            _statements_floor(url, others) as statements,
        ):
            warming = _shifted(statements, n)  # the path warms up on intents[n:] too
            _interleaved(
                warm, [_path_step(store, intents[n:]), commits, fsyncs, warming]
            )
            return _interleaved(
                n, [_path_step(store, intents[:n]), commits, fsyncs, statements]
            )
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
        lines += _report(
            "sqlite", *_measure(url, work, n, _sqlite_floor(work / "bench.db"))
        )
        try:
            with _postgres_database() as pg_url:
                lines += _report(
                    "postgres", *_measure(pg_url, work, n, _postgres_floor(pg_url))
                )
        except (sa.exc.OperationalError, psycopg.OperationalError) as e:
            lines.append(f"postgres: not measured (unreachable at {PG_SERVER}: {e})")
    lines.append(f"{_load()} after")
    return lines
