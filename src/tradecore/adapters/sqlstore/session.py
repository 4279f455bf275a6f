"""The connection every repository of one unit of work shares.

A unit of work holds one pooled DBAPI connection (:mod:`.connections`). The
order path's pre-compiled statements (:mod:`.hot_path`) run on it through
:meth:`Session.run`, and its transaction is begun and ended on the driver
(SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's implicit begin): a live order's two
commits never build a SQLAlchemy connection, whose begin/commit/checkout machinery
cost the path more than its statements (issue 18).

Everything else (:meth:`Session.execute`, :meth:`Session.execute_many`,
:meth:`Session.run_each`) goes through a SQLAlchemy ``Connection`` made on first use
over the same DBAPI connection. If the driver's transaction is open by then, the
``Connection`` adopts it (``begin()``; the engine's begin hook sees the driver's
transaction and sends nothing), and from then on owns every begin and end, as it
did for all statements before. Either way there is one transaction per connection.

This is also the adapter's single choke point for SQL errors: a driver error goes
through SQLAlchemy's handler (wrapping, invalidating a dead connection) and then
the store's translation (:mod:`.errors`).
"""

from __future__ import annotations

from itertools import chain
from typing import Any, NoReturn

from sqlalchemy import Connection, CursorResult, Dialect, Engine, exc

from tradecore.adapters.sqlstore.connections import IdleConnections
from tradecore.adapters.sqlstore.errors import translate, translating


class Session:
    """A connection whose statements raise tradecore errors, never SQLAlchemy's."""

    def __init__(self, engine: Engine, connections: IdleConnections) -> None:
        """Take a connection of ``engine`` from ``connections``; :meth:`close` returns it.

        Raises:
            StoreUnavailable: the database cannot be reached.
        """
        self._engine = engine
        self._connections = connections
        #: The cursor the connection's last unit ran the order path on, if any
        #: (:class:`IdleConnections` keeps the two together).
        self._pooled, self._cursor = connections.take()
        #: The driver's own connection: begin, commit and cursors go to it directly
        #: (through the pool's proxy each is an attribute miss and a forward).
        self._driver: Any = self._pooled.dbapi_connection
        self._connection: Connection | None = None
        self._driver_open = False  # a driver-begun transaction, no Connection yet
        self.dialect_name: str = engine.dialect.name
        self._sqlite = self.dialect_name == "sqlite"

    @property
    def dialect(self) -> Dialect:
        """The database dialect (statement builders differ slightly per dialect)."""
        return self._engine.dialect

    def _sql(self) -> Connection:
        """The SQLAlchemy connection over this session's DBAPI connection."""
        connection = self._connection
        if connection is None:
            connection = Connection(self._engine, connection=self._pooled)
            self._connection = connection
            if self._driver_open:  # adopt it: one transaction, now SQLAlchemy's
                self._driver_open = False
                connection.begin()
        return connection

    def execute(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        """Execute ``statement`` in the unit's transaction (translating errors)."""
        with translating():
            return self._sql().execute(statement, parameters)

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Run the driver-level ``sql`` once per row of values; return rows changed.

        For hand-written bulk statements on the hot path (:mod:`.sqlite_rows`): the
        values are bound as given (no SQLAlchemy type processing), but the statement
        runs in the unit's transaction (begun as any other) and its errors are
        translated like any other. It runs on the driver's cursor, as :meth:`run`
        does: through ``exec_driver_sql`` each call also built an execution context
        and a result, the same work whatever the batch (SQLAlchemy binds tuples as
        they are, so nothing else differs).
        """
        if not rows:
            return 0
        return int(self._on_driver(sql, rows, many=True).rowcount)

    def insert_many(
        self, sql: str, rows: list[tuple[Any, ...]], chunked: str, size: int
    ) -> int:
        """:meth:`execute_many` of the ``INSERT`` ``sql``, ``size`` rows a statement.

        ``chunked`` is ``sql`` with its ``VALUES`` group written ``size`` times
        (:func:`.sqlite_rows.chunked_insert`): whole chunks of ``rows`` go in one
        statement each, the rest by ``sql``. Why: a statement's own cost (the
        driver's reset and bindings loop, SQLite's cursors opened and closed,
        the lock handed back around each step) was about 4 K instructions, paid
        once per row (four rows an order).

        The rows go in in order, so they get the row ids ``execute_many`` gives.
        Under a savepoint: if any statement fails, the savepoint is rolled back
        and ``execute_many`` runs the same rows, for its rows and its error
        exactly (a failing multi-row statement would have stored none of its
        rows, where ``execute_many`` stores the rows before the failing one).
        """
        whole = len(rows) - len(rows) % size
        if not whole:
            return self.execute_many(sql, rows)
        cursor = self.run("SAVEPOINT insert_many", ())
        try:
            done = 0
            for start in range(0, whole, size):
                flat = tuple(chain.from_iterable(rows[start : start + size]))
                cursor.execute(chunked, flat)
                done += cursor.rowcount
            if whole < len(rows):
                cursor.executemany(sql, rows[whole:])
                done += cursor.rowcount
        except Exception as e:
            try:
                cursor.execute("ROLLBACK TO insert_many")
                cursor.execute("RELEASE insert_many")
            except Exception:  # the transaction itself is lost (SQLite ended it)
                self._cursor = None
                self._failed(e, chunked, rows, cursor)
            return self.execute_many(sql, rows)
        cursor.execute("RELEASE insert_many")
        return done

    def run_each(self, sql: str, rows: list[tuple[Any, ...]]) -> list[bool]:
        """Run driver-level ``sql`` (ending in ``RETURNING``) once per row, in order.

        Returns, per row, whether the statement returned a row (an ``UPDATE ...
        RETURNING``: whether it matched). PostgreSQL gets the whole batch at once
        (psycopg's ``executemany(returning=True)`` pipelines it: one round trip, not
        one per row); SQLite, in process, runs it row by row. Same transaction and
        error handling as :meth:`run`.
        """
        if not rows:
            return []
        if self._sqlite:
            return [self.run(sql, row).fetchone() is not None for row in rows]
        cursor = self._pipelined(sql, rows)
        try:
            matched = [cursor.fetchone() is not None]
            while cursor.nextset():
                matched.append(cursor.fetchone() is not None)
        finally:
            cursor.close()
        return matched

    def _pipelined(self, sql: str, rows: list[tuple[Any, ...]]) -> Any:
        """A new cursor after psycopg's ``executemany(returning=True)``."""
        try:
            connection = self._sql()
            if not connection.in_transaction():
                connection.begin()
            cursor: Any = self._pooled.cursor()  # psycopg's own cursor
            try:
                cursor.executemany(sql, rows, returning=True)
            except Exception as e:
                connection._handle_dbapi_exception(e, sql, rows, cursor, None)
        except exc.SQLAlchemyError as e:
            raise translate(e) from e
        return cursor

    def run(self, sql: str, parameters: Any) -> Any:
        """Run driver-level ``sql`` in the unit's transaction; return the raw cursor.

        If no transaction is open, one is begun first: on the driver, or through
        the SQLAlchemy connection once there is one (SQLite's ``BEGIN IMMEDIATE``
        either way), so ``commit``/``rollback`` cover these statements too.
        """
        return self._on_driver(sql, parameters, many=False)

    def _on_driver(self, sql: str, parameters: Any, *, many: bool) -> Any:
        """Run ``sql`` on the session's driver cursor (``executemany`` if ``many``),
        the unit's transaction begun first; return the cursor.

        The transaction is begun on the driver, or through the SQLAlchemy
        connection once there is one. A failed begin or statement forgets the
        cursor and is translated like any other error (:meth:`_failed`).
        """
        cursor = self._cursor
        try:
            if cursor is None:
                cursor = self._cursor = self._driver.cursor()
            if self._connection is not None:
                if not self._connection.in_transaction():
                    self._connection.begin()
            elif not self._driver_open:
                if self._sqlite:
                    cursor.execute("BEGIN IMMEDIATE")
                self._driver_open = True  # psycopg begins at the statement
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
        except Exception as e:
            self._cursor = None
            self._failed(e, sql, parameters, cursor)
        return cursor

    def commit(self) -> None:
        """Commit the open transaction, if any (durably: see :mod:`.engine`)."""
        if self._connection is not None:
            with translating():
                self._connection.commit()
        elif self._driver_open:
            self._driver_open = False
            try:
                self._driver.commit()
            except Exception as e:
                self._failed(e, "COMMIT", (), None)

    def rollback(self) -> None:
        """Discard everything since the last commit."""
        if self._connection is not None:
            with translating():
                self._connection.rollback()
        elif self._driver_open:
            self._driver_open = False
            try:
                self._driver.rollback()
            except Exception as e:
                self._failed(e, "ROLLBACK", (), None)

    def close(self) -> None:
        """Roll back anything not committed and return the connection to the pool."""
        try:
            self.rollback()
        finally:
            connection, self._connection = self._connection, None
            cursor, self._cursor = self._cursor, None
            if connection is None:
                self._connections.give_back(self._pooled, cursor)
            else:
                with translating():
                    connection.close()  # checked in (and reset) by the pool

    def _failed(self, error: Exception, sql: str, params: Any, cursor: Any) -> NoReturn:
        """Raise the store's error for a driver ``error`` (SQLAlchemy's handling)."""
        try:
            self._sql()._handle_dbapi_exception(error, sql, params, cursor, None)
        except exc.SQLAlchemyError as e:
            raise translate(e) from e
        raise error  # not a driver error: as it came
