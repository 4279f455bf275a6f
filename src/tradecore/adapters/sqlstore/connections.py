"""Pooled DBAPI connections for units of work, and the few a store keeps at hand.

Checking a connection out of SQLAlchemy's pool and back in (events, a reset by
rollback) cost a live order's durable path about as much as one of its statements
(issue 18). A unit of work that ends clean leaves its connection with the store's
:class:`IdleConnections`, and the next unit takes it from there; to the pool it
stays checked out until the store closes.

Nothing leaks from one unit to the next: a connection is kept only when it is
valid, its driver has no transaction open (the unit rolled back whatever it did
not commit), and no SQLAlchemy ``Connection`` was made over it (such a unit hands
its connection back to the pool, which resets it).

A kept connection keeps the driver cursor its unit ran the order path on: making
a psycopg cursor (its adapters map, its transformer) cost each of a live order's two
units about a tenth of its own Python. A cursor outlives transactions on both
drivers; a unit whose statement failed drops its cursor (:mod:`.session`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, exc

from tradecore.adapters.sqlstore.errors import translate

#: Connections a store keeps idle at most (more units at once use the pool).
KEPT = 4


def checkout(engine: Engine) -> Any:
    """A pooled DBAPI connection of ``engine``; errors raised as the store's.

    Raises:
        StoreUnavailable: the database cannot be reached.
    """
    try:
        try:
            return engine.raw_connection()
        except engine.dialect.loaded_dbapi.Error as e:
            # What Engine.connect() does: wrap the driver's error (and raise it).
            Connection._handle_dbapi_exception_noconnection(e, engine.dialect, engine)
            raise
    except exc.SQLAlchemyError as e:
        raise translate(e) from e


def _sqlite_idle() -> Callable[[Any], bool]:
    return lambda driver: not driver.in_transaction


def _postgres_idle() -> Callable[[Any], bool]:
    """Whether a psycopg connection is idle: no transaction open, none failed.

    Read on libpq's status itself (``pgconn``), not ``info.transaction_status``,
    which builds an info object and an enum member per call. psycopg, an optional
    dependency, is imported only for a PostgreSQL store.
    """
    from psycopg.pq import TransactionStatus

    idle = TransactionStatus.IDLE
    return lambda driver: bool(driver.pgconn.transaction_status == idle)


class IdleConnections:
    """A store's clean pooled connections, handed from one unit of work to the next.

    Each is kept with the driver cursor its last unit used (``None`` if none).
    ``list.append`` and ``list.pop`` are atomic, so threads can share it: each
    connection is taken by one unit at a time.
    """

    def __init__(self, engine: Engine, kept: int = KEPT) -> None:
        self._engine = engine
        self._kept = kept
        self._idle: list[tuple[Any, Any]] = []
        sqlite = engine.dialect.name == "sqlite"
        self._driver_idle = _sqlite_idle() if sqlite else _postgres_idle()

    def is_clean(self, pooled: Any) -> bool:
        """Whether ``pooled`` is valid and its driver has no transaction open."""
        driver = pooled.dbapi_connection  # None once invalidated
        return driver is not None and self._driver_idle(driver)

    def take(self) -> tuple[Any, Any]:
        """An idle connection and its cursor, or a new checkout (and no cursor)."""
        try:
            return self._idle.pop()
        except IndexError:
            return checkout(self._engine), None

    def give_back(self, pooled: Any, cursor: Any = None) -> None:
        """Keep ``pooled`` (and ``cursor``, made on its driver) for the next unit if
        it is clean, else check it in."""
        if len(self._idle) < self._kept and self.is_clean(pooled):
            self._idle.append((pooled, cursor))
            return
        try:
            pooled.close()  # checked in: the pool resets it
        except exc.SQLAlchemyError as e:
            raise translate(e) from e

    def close(self) -> None:
        """Check every idle connection back in to the pool."""
        while self._idle:
            self._idle.pop()[0].close()
