"""The connection every repository of one unit of work shares.

Its :meth:`Session.execute` is the adapter's single choke point for SQL, so it is
also where SQLAlchemy errors become tradecore errors (:mod:`.errors`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect

from tradecore.adapters.sqlstore.errors import translating


class Session:
    """A connection whose statements raise tradecore errors, never SQLAlchemy's."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

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
