"""The connection every repository of one unit of work shares.

Its :meth:`Session.execute` is the adapter's single choke point for SQL, so it is
also where SQLAlchemy errors become tradecore errors (:mod:`.errors`).
:meth:`Session.run` is the same for the hot path's pre-compiled statements on the
raw DBAPI cursor (:mod:`.hot_path`): same connection, same transaction, same errors.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect, exc

from tradecore.adapters.sqlstore.errors import translate, translating


class Session:
    """A connection whose statements raise tradecore errors, never SQLAlchemy's."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor: Any = None
        self.dialect_name: str = connection.dialect.name

    @property
    def dialect(self) -> Dialect:
        """The database dialect (statement builders differ slightly per dialect)."""
        return self._connection.dialect

    def execute(self, statement: Any, parameters: Any = None) -> CursorResult[Any]:
        """Execute ``statement`` in the unit's transaction (translating errors)."""
        with translating():
            return self._connection.execute(statement, parameters)

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Run the driver-level ``sql`` once per row of values; return rows changed.

        For hand-written bulk statements on the hot path (:mod:`.sqlite_rows`): the
        values are bound as given (no SQLAlchemy type processing), but the statement
        runs in the unit's transaction (begun as any other) and its errors are
        translated like any other.
        """
        if not rows:
            return 0
        with translating():
            result = self._connection.exec_driver_sql(sql, rows)
        return int(result.rowcount)

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
        if self.dialect_name != "postgresql":
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
        connection = self._connection
        try:
            if not connection.in_transaction():
                connection.begin()
            cursor: Any = connection.connection.cursor()  # psycopg's own cursor
            try:
                cursor.executemany(sql, rows, returning=True)
            except Exception as e:
                connection._handle_dbapi_exception(e, sql, rows, cursor, None)
        except exc.SQLAlchemyError as e:
            raise translate(e) from e
        return cursor

    def run(self, sql: str, parameters: Any) -> Any:
        """Run driver-level ``sql`` in the unit's transaction; return the raw cursor.

        The SQLAlchemy connection stays the transaction's owner: if none is open it
        begins one first (SQLite's ``BEGIN IMMEDIATE`` included), exactly as its
        own ``execute`` would, so ``commit``/``rollback`` cover these statements too.
        A driver error goes through SQLAlchemy's handler (wrapping, invalidating a
        dead connection) and then the store's translation.
        """
        connection = self._connection
        cursor = self._cursor
        try:
            if not connection.in_transaction():
                connection.begin()
            if cursor is None:
                cursor = self._cursor = connection.connection.cursor()
            try:
                cursor.execute(sql, parameters)
            except Exception as e:
                self._cursor = None
                connection._handle_dbapi_exception(e, sql, parameters, cursor, None)
        except exc.SQLAlchemyError as e:  # inline `translating()`: this is hot
            raise translate(e) from e
        return cursor
