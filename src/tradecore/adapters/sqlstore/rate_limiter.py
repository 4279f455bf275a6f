"""A token bucket kept in the store: one request budget for every process on it.

Alpaca counts requests per account, not per process: two ``tradecore-live``
processes (a trader and an operator's ``kill``) with in-process buckets could each
spend the whole 200 requests/minute. This limiter keeps the bucket in the
``rate_limit_buckets`` row named after the account, and every take or pause is one
transaction that locks that row first (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite every transaction begins ``IMMEDIATE``, taking the write lock), so the
read-refill-write cannot interleave between processes. Times are wall-clock epoch
seconds: the processes share no monotonic clock. The arithmetic is
:mod:`tradecore.domain.token_bucket`, the same as the in-process bucket's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tradecore.adapters.sqlstore.errors import translating
from tradecore.adapters.sqlstore.tables import rate_limit_buckets as buckets
from tradecore.domain import token_bucket
from tradecore.domain.errors import InvalidInput
from tradecore.domain.token_bucket import BucketState, Take
from tradecore.ports.rate_limit import RateLimiter

#: Longest single sleep: another process's pause or grant is seen at least this often.
MAX_SLEEP_S = 1.0


class StoreRateLimiter(RateLimiter):
    """``capacity`` requests at once, then ``rate`` per second, across processes."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        *,
        rate: float,
        capacity: float,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        owns_engine: bool = False,
    ) -> None:
        """Share the bucket ``name`` in the database behind ``engine``.

        The row is created full the first time any process uses it. With
        ``owns_engine`` the limiter disposes of ``engine`` on :meth:`close` (an engine
        opened just for it); otherwise the engine's owner closes it.

        Raises:
            InvalidInput: ``rate`` or ``capacity`` is not positive, or ``name`` is
                empty or longer than 128 characters.
        """
        if rate <= 0:
            raise InvalidInput("rate", rate, "must be > 0")
        if capacity < 1:
            raise InvalidInput("capacity", capacity, "must be >= 1")
        if not 0 < len(name) <= 128:
            raise InvalidInput("name", name, "must be 1 to 128 characters")
        self.name, self.rate, self.capacity = name, rate, capacity
        self._engine, self._wall, self._sleep = engine, wall, sleep
        self._row_ready = False
        self._owns_engine = owns_engine

    @classmethod
    def per_minute(
        cls,
        engine: Engine,
        name: str,
        requests: float,
        *,
        burst: float = 10,
        owns_engine: bool = False,
    ) -> StoreRateLimiter:
        """Return a shared bucket allowing ``requests`` per minute after a ``burst``."""
        return cls(
            engine,
            name,
            rate=requests / 60.0,
            capacity=burst,
            owns_engine=owns_engine,
        )

    def acquire(self) -> None:
        """Block until the shared bucket gives this process a token.

        Raises:
            StoreError: the database failed (the caller must not send unpaced).
        """
        while True:
            wait = self._take().wait
            if wait <= 0:
                return
            self._sleep(min(wait, MAX_SLEEP_S))

    def pause(self, seconds: float) -> None:
        """Empty the shared bucket and hand out nothing, to any process, for ``seconds``."""
        if seconds < 0:
            raise InvalidInput("seconds", seconds, "must be >= 0")
        self._ensure_row()
        with translating(), self._engine.begin() as connection:
            state, now = self._locked_state(connection)
            self._write(connection, token_bucket.pause(state, now, seconds))

    def remaining(self) -> float:
        """Tokens in the shared bucket now, read without locking or writing the row."""
        self._ensure_row()
        with translating(), self._engine.connect() as connection:
            row = connection.execute(
                select(
                    buckets.c.tokens, buckets.c.refilled_at, buckets.c.paused_until
                ).where(buckets.c.name == self.name)
            ).one()
        state = BucketState(
            tokens=row.tokens,
            refilled_at=row.refilled_at,
            paused_until=row.paused_until,
        )
        return token_bucket.available(
            state, self._wall(), rate=self.rate, capacity=self.capacity
        )

    def close(self) -> None:
        """Release the database connections, if this limiter opened the engine."""
        if self._owns_engine:
            self._engine.dispose()

    def state(self) -> BucketState:
        """The bucket as stored now (for status output and tests)."""
        self._ensure_row()
        with translating(), self._engine.begin() as connection:
            return self._locked_state(connection)[0]

    def _take(self) -> Take:
        self._ensure_row()
        with translating(), self._engine.begin() as connection:
            state, now = self._locked_state(connection)
            taken = token_bucket.take(
                state, now, rate=self.rate, capacity=self.capacity
            )
            self._write(connection, taken.state)
        return taken

    def _locked_state(self, connection: Connection) -> tuple[BucketState, float]:
        """Lock the row; read the wall clock after."""
        row = connection.execute(
            select(buckets.c.tokens, buckets.c.refilled_at, buckets.c.paused_until)
            .where(buckets.c.name == self.name)
            .with_for_update()
        ).one()
        # Read after the lock: a clock read while waiting for it would be stale.
        now = self._wall()
        state = BucketState(
            tokens=row.tokens,
            refilled_at=row.refilled_at,
            paused_until=row.paused_until,
        )
        return state, now

    def _ensure_row(self) -> None:
        """Create the row full, once, in its own transaction (a no-op if present)."""
        if self._row_ready:
            return
        with translating(), self._engine.begin() as connection:
            self._create_row(connection)
        self._row_ready = True

    def _create_row(self, connection: Connection) -> None:
        now = self._wall()
        values = {
            "name": self.name,
            "tokens": float(self.capacity),
            "refilled_at": now,
            "paused_until": now,
        }
        insert = (
            postgresql.insert
            if connection.dialect.name == "postgresql"
            else sqlite.insert
        )
        connection.execute(
            insert(buckets)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[buckets.c.name])
        )

    def _write(self, connection: Connection, state: BucketState) -> None:
        connection.execute(
            update(buckets)
            .where(buckets.c.name == self.name)
            .values(
                tokens=state.tokens,
                refilled_at=state.refilled_at,
                paused_until=state.paused_until,
            )
        )
