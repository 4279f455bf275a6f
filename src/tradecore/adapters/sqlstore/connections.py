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
"""

from __future__ import annotations

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


def is_clean(pooled: Any) -> bool:
    """Whether ``pooled`` is valid and its driver has no transaction open."""
    if not pooled.is_valid:
        return False
    driver = pooled.driver_connection
    status = getattr(driver, "in_transaction", None)  # sqlite3
    if status is not None:
        return not status
    # psycopg (an optional dependency: not imported for its enum)
    return bool(driver.info.transaction_status.name == "IDLE")


class IdleConnections:
    """A store's clean pooled connections, handed from one unit of work to the next.

    ``list.append`` and ``list.pop`` are atomic, so threads can share it: each
    connection is taken by one unit at a time.
    """

    def __init__(self, engine: Engine, kept: int = KEPT) -> None:
        self._engine = engine
        self._kept = kept
        self._idle: list[Any] = []

    def take(self) -> Any:
        """An idle connection, or a new checkout from the pool."""
        try:
            return self._idle.pop()
        except IndexError:
            return checkout(self._engine)

    def give_back(self, pooled: Any) -> None:
        """Keep ``pooled`` for the next unit if it is clean, else check it in."""
        if len(self._idle) < self._kept and is_clean(pooled):
            self._idle.append(pooled)
            return
        try:
            pooled.close()  # checked in: the pool resets it
        except exc.SQLAlchemyError as e:
            raise translate(e) from e

    def close(self) -> None:
        """Check every idle connection back in to the pool."""
        while self._idle:
            self._idle.pop().close()
