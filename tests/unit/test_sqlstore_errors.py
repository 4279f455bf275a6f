"""The SQL store's error translation, table-driven (guideline 11)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc

from tradecore.adapters.sqlstore.errors import translate, translating
from tradecore.domain.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    SchemaOutOfDate,
    StoreError,
    StoreUnavailable,
)


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _wrap(kind: type[exc.DBAPIError], message: str, sqlstate: str | None) -> Exception:
    return kind("INSERT ...", {}, _DriverError(message, sqlstate))


@pytest.mark.parametrize(
    ("kind", "message", "sqlstate", "expected"),
    [
        (
            exc.IntegrityError,
            "UNIQUE constraint failed: x.y",
            None,
            ConcurrencyConflict,
        ),
        (exc.IntegrityError, "duplicate key", "23505", ConcurrencyConflict),
        (exc.IntegrityError, "FOREIGN KEY constraint failed", None, NotFound),
        (exc.IntegrityError, "violates foreign key", "23503", NotFound),
        (exc.IntegrityError, "NOT NULL constraint failed: x", None, InvalidInput),
        (exc.DataError, "numeric field overflow", "22003", InvalidInput),
        (exc.OperationalError, "could not serialize", "40001", ConcurrencyConflict),
        (exc.OperationalError, "deadlock detected", "40P01", ConcurrencyConflict),
        (exc.OperationalError, "database is locked", None, StoreUnavailable),
        (exc.OperationalError, "connection refused", "08001", StoreUnavailable),
        (exc.OperationalError, "no such table: intents", None, SchemaOutOfDate),
        (
            exc.ProgrammingError,
            'relation "intents" does not exist',
            "42P01",
            SchemaOutOfDate,
        ),
        (exc.InterfaceError, "connection closed", None, StoreUnavailable),
        (exc.ProgrammingError, "syntax error", "42601", StoreError),
    ],
)
def test_translates_each_database_error(
    kind: type[exc.DBAPIError], message: str, sqlstate: str | None, expected: type
) -> None:
    error = _wrap(kind, message, sqlstate)
    with pytest.raises(expected) as raised, translating():
        raise error
    assert raised.value.__cause__ is error
    assert type(raised.value) is expected


def test_pool_timeout_is_unavailable() -> None:
    assert isinstance(translate(exc.TimeoutError("pool exhausted")), StoreUnavailable)
