"""Engines per database URL, with the settings that make commits durable.

SQLite: WAL journal, foreign keys on, a busy timeout, and an explicit synchronous
level: ``full`` (fsync the WAL at every commit: survives power loss; the live
default) or ``normal`` (fsync at checkpoints only: survives a killed process but may
lose the last commits on power loss; fine for replays, which can be rerun). Every
transaction starts with ``BEGIN IMMEDIATE``: a writer takes the write lock up front
and waits for it (busy timeout) instead of failing half-way through its unit, which
is how PostgreSQL's row locks behave too.

PostgreSQL: the session time zone is UTC and ``synchronous_commit`` is on, so a
commit that returned is on disk. Every session also has a ``lock_timeout`` and a
``statement_timeout`` (``[store] lock_timeout_s`` / ``statement_timeout_s``; 0 turns
one off): a lock held elsewhere (an operator's open ``psql`` transaction, a stuck
process) or a runaway query fails the statement with ``StoreUnavailable`` - a
retryable outage the app alerts on and, if it persists, exits 4 for - instead of
stalling trading forever.
"""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from tradecore.domain.errors import ConfigurationError


class Durability(enum.StrEnum):
    """How hard a commit is pushed to disk before it returns."""

    #: Survives power loss: every commit is fsynced (live trading).
    FULL = "full"
    #: Survives a crashed or killed process, not power loss (replays, backtests).
    NORMAL = "normal"


SQLITE_BUSY_TIMEOUT_MS = 10_000
#: PostgreSQL: how long a statement waits for a lock, and runs at most.
DEFAULT_LOCK_TIMEOUT_S = 5.0
DEFAULT_STATEMENT_TIMEOUT_S = 30.0


def make_engine(
    url: str,
    *,
    durability: Durability | str = Durability.FULL,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    statement_timeout_s: float = DEFAULT_STATEMENT_TIMEOUT_S,
) -> Engine:
    """Create an engine for ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``).

    ``lock_timeout_s`` and ``statement_timeout_s`` bound every PostgreSQL statement
    (0: no bound); SQLite has its busy timeout instead.

    Raises:
        ConfigurationError: the URL is malformed or names an unsupported database.
    """
    try:
        parsed = make_url(url)
    except Exception as e:
        raise ConfigurationError(f"database url {url!r} is malformed: {e}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, Durability(durability))
    if backend == "postgresql":
        # No pool_pre_ping: it costs a round trip per unit of work; a dead
        # connection surfaces as StoreUnavailable (retryable) instead.
        options = (
            "-c timezone=UTC -c synchronous_commit=on"
            f" -c lock_timeout={_milliseconds(lock_timeout_s)}"
            f" -c statement_timeout={_milliseconds(statement_timeout_s)}"
        )
        return create_engine(url, connect_args={"options": options})
    raise ConfigurationError(
        f"database url {parsed.render_as_string(hide_password=True)!r}: "
        "only sqlite and postgresql are supported"
    )


def _milliseconds(seconds: float) -> int:
    if not seconds >= 0:  # NaN too
        raise ConfigurationError(f"a store timeout must be >= 0 s, not {seconds!r}")
    return round(seconds * 1000)


def _sqlite_engine(url: str, durability: Durability) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # Hand transaction control to SQLAlchemy (pysqlite's implicit BEGIN runs
        # SELECTs outside any transaction); the "begin" hook below starts them.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"synchronous={durability.value.upper()}",
            "foreign_keys=ON",
            f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # On the driver directly: through exec_driver_sql this one statement cost
        # the order path as much as all its others (issue 18). A driver error still
        # goes through SQLAlchemy's handler, so callers see the same exceptions.
        driver = connection.connection.driver_connection
        if driver.in_transaction:
            return  # begun on the driver by the order path, adopted (.session)
        try:
            driver.execute("BEGIN IMMEDIATE")
        except Exception as e:
            connection._handle_dbapi_exception(e, "BEGIN IMMEDIATE", (), None, None)

    return engine
