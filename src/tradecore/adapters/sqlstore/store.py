"""``SqlStore``: the Store port on SQLAlchemy Core (SQLite and PostgreSQL).

A unit of work is one connection and one transaction shared by every repository;
``commit`` ends the transaction (the next statement begins a new one) and leaving
the ``with`` block rolls back whatever was not committed. The connection is a pooled
DBAPI connection: the order path's statements, begin and commit run on the driver,
the rest through SQLAlchemy over the same connection (:mod:`.session`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Generic, Self, TypeVar

from sqlalchemy import Engine

from tradecore.adapters.sqlstore import migrate
from tradecore.adapters.sqlstore.connections import IdleConnections
from tradecore.adapters.sqlstore.controls import (
    SqlControlStateRepository,
    SqlPositionSnapshotRepository,
)
from tradecore.adapters.sqlstore.engine import (
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_STATEMENT_TIMEOUT_S,
    Durability,
    make_engine,
)
from tradecore.adapters.sqlstore.intents import (
    SqlBrokerOrderRepository,
    SqlFillRepository,
    SqlIntentRepository,
)
from tradecore.adapters.sqlstore.records import SqlAuditLog, SqlDecisionRepository
from tradecore.adapters.sqlstore.registry import (
    SqlCostModelRepository,
    SqlModelRegistry,
)
from tradecore.adapters.sqlstore.session import Session
from tradecore.domain.errors import StoreError
from tradecore.ports.store import Store

Clock = Callable[[], datetime]
R = TypeVar("R")
_REPOSITORIES = frozenset(
    {
        "intents",
        "fills",
        "broker_orders",
        "decisions",
        "audit",
        "positions",
        "controls",
        "cost_models",
        "models",
    }
)


def utc_now() -> datetime:
    """Return the wall-clock time in UTC (the default clock of a live store)."""
    return datetime.now(UTC)


class _Repository(Generic[R]):
    """A unit's repository, built on first use and kept in the unit's ``__dict__``.

    ``functools.cached_property`` without its lock (Python 3.11 takes an ``RLock``
    on every first access, which cost the order path more than building the
    repository): a unit of work belongs to one thread.
    """

    def __init__(self, build: Callable[[SqlUnitOfWork], R]) -> None:
        self._build = build
        self._name = build.__name__
        self.__doc__ = build.__doc__

    def __get__(self, uow: SqlUnitOfWork, owner: type | None = None) -> R:
        repository = uow.__dict__[self._name] = self._build(uow)
        return repository


class SqlUnitOfWork:
    """One transaction over every repository; see the port."""

    def __init__(
        self, engine: Engine, clock: Clock, connections: IdleConnections
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._connections = connections
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self.session = Session(self._engine, self._connections)
        built = self.__dict__
        for name in built.keys() & _REPOSITORIES:  # a unit entered again starts afresh
            del built[name]
        return self

    # Repositories are built on first use: most units touch one or two of them,
    # and building all nine cost the order path more than a statement.

    @_Repository
    def intents(self) -> SqlIntentRepository:
        """Intents (see the port)."""
        return SqlIntentRepository(self.session)

    @_Repository
    def fills(self) -> SqlFillRepository:
        """Fills (see the port)."""
        return SqlFillRepository(self.session)

    @_Repository
    def broker_orders(self) -> SqlBrokerOrderRepository:
        """Broker orders (see the port)."""
        return SqlBrokerOrderRepository(self.session)

    @_Repository
    def decisions(self) -> SqlDecisionRepository:
        """Decisions and outcomes (see the port)."""
        return SqlDecisionRepository(self.session)

    @_Repository
    def audit(self) -> SqlAuditLog:
        """The audit log (see the port)."""
        return SqlAuditLog(self.session, self._clock)

    @_Repository
    def positions(self) -> SqlPositionSnapshotRepository:
        """Position snapshots and checks (see the port)."""
        return SqlPositionSnapshotRepository(self.session)

    @_Repository
    def controls(self) -> SqlControlStateRepository:
        """Trading state and breakers (see the port)."""
        return SqlControlStateRepository(self.session, self._clock)

    @_Repository
    def cost_models(self) -> SqlCostModelRepository:
        """Cost model versions (see the port)."""
        return SqlCostModelRepository(self.session)

    @_Repository
    def models(self) -> SqlModelRegistry:
        """Models and manifests (see the port)."""
        return SqlModelRegistry(self.session, self._clock, self.audit)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back anything not committed and release the connection."""
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def commit(self) -> None:
        """Commit durably, or raise and keep nothing; see the port."""
        self._live().commit()

    def rollback(self) -> None:
        """Discard everything since the last commit."""
        self._live().rollback()

    def _live(self) -> Session:
        if self._session is None:
            raise StoreError("unit of work used outside its `with` block")
        return self._session


class SqlStore(Store):
    """The database of record on SQLAlchemy; build it with :func:`open_store`."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock
        self._connections = IdleConnections(engine)

    def unit_of_work(self) -> SqlUnitOfWork:
        """Begin a unit of work (use it as a context manager)."""
        return SqlUnitOfWork(self.engine, self._clock, self._connections)

    def close(self) -> None:
        """Close every pooled connection."""
        self._connections.close()
        self.engine.dispose()


def open_store(
    url: str,
    *,
    durability: Durability | str = Durability.FULL,
    upgrade: bool = False,
    fresh: bool = False,
    clock: Clock = utc_now,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    statement_timeout_s: float = DEFAULT_STATEMENT_TIMEOUT_S,
) -> SqlStore:
    """Open the store at ``url``, refusing a schema that is not at head.

    Args:
        url: ``sqlite:///path.db`` or ``postgresql+psycopg://user@host/db``.
        durability: SQLite commit durability (``full`` live, ``normal`` replay).
        upgrade: migrate the database to head first instead of refusing.
        fresh: the database is new and empty: create its tables at head from the
            table definitions (:func:`migrate.create_at_head`, no migrations run).
        clock: where the store's own timestamps (audit rows, states) come from.
        lock_timeout_s: PostgreSQL: longest wait for a lock (0: unbounded).
        statement_timeout_s: PostgreSQL: longest statement (0: unbounded).

    Raises:
        SchemaOutOfDate: the schema is not at head and ``upgrade`` is False.
        StoreUnavailable: the database cannot be reached.
        ConfigurationError: the URL is malformed or unsupported, or ``fresh`` is
            given for a database that has tables.
    """
    engine = make_engine(
        url,
        durability=Durability(durability),
        lock_timeout_s=lock_timeout_s,
        statement_timeout_s=statement_timeout_s,
    )
    try:
        if fresh:
            migrate.create_at_head(engine)
        elif upgrade:
            migrate.upgrade(engine)
        migrate.require_head(engine)
    except BaseException:
        engine.dispose()
        raise
    return SqlStore(engine, clock=clock)
