"""The two stores under test, and the faults injected into them from outside.

SQLite: another connection takes the write lock and holds it (the app waits on its
busy timeout, or fails the unit of work and dies). PostgreSQL: the app's backends are
terminated with ``pg_terminate_backend`` mid-run (what a failover or an admin does).
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

POSTGRES_URL_ENV = "TRADECORE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STORES = ("sqlite", "postgres")
_names = itertools.count(1)


class ChaosStore:
    """One fresh database for one scenario (created here, dropped by :meth:`drop`)."""

    def __init__(self, kind: str, workdir: Path) -> None:
        """Create an empty database of ``kind`` (migrated later by the operator)."""
        if kind not in STORES:
            raise ValueError(f"store must be one of {STORES}, not {kind!r}")
        self.kind = kind
        self._admin: sa.Engine | None = None
        if kind == "sqlite":
            self.path = workdir / "live.db"
            self.url = f"sqlite:///{self.path}"
            return
        server = sa.make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
        self._admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        self.name = f"tradecore_chaos_{os.getpid()}_{next(_names)}"
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        self.url = server.set(database=self.name).render_as_string(hide_password=False)

    @property
    def fault_kind(self) -> str:
        """The name of this store's fault in the campaign table."""
        return "store_sqlite_locked" if self.kind == "sqlite" else "store_pg_terminated"

    def fault(self, seconds: float, injected: Callable[[], None]) -> threading.Thread:
        """Inject this store's fault from another thread; ``injected()`` if it hit.

        SQLite: hold the write lock for ``seconds``. PostgreSQL: after ``seconds``,
        terminate the app's backends (``injected`` only if one was terminated).
        """
        target = self._hold_lock if self.kind == "sqlite" else self._terminate
        thread = threading.Thread(target=target, args=(seconds, injected), daemon=True)
        thread.start()
        return thread

    def _hold_lock(self, hold_s: float, injected: Callable[[], None]) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")  # the write lock: the app now waits
            injected()
            time.sleep(hold_s)
            conn.execute("ROLLBACK")
        finally:
            conn.close()

    def _terminate(self, delay_s: float, injected: Callable[[], None]) -> None:
        time.sleep(delay_s)  # let the app get under way, then cut it off
        assert self._admin is not None
        with self._admin.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            ).fetchall()
        if any(row[0] for row in rows):
            injected()

    def drop(self) -> None:
        """Drop a PostgreSQL database (SQLite files go with the work folder)."""
        if self._admin is None:
            return
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin.dispose()
