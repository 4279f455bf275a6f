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
