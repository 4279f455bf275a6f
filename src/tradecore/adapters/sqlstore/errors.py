"""The one place SQLAlchemy's exceptions become tradecore store errors.

Every repository call and every commit runs inside :func:`translating`, so no
``sqlalchemy.exc`` exception escapes the adapter; the original is kept as
``__cause__``. The mapping reads the SQLSTATE (PostgreSQL) or the message (SQLite,
whose driver has no codes) because one SQLAlchemy class covers several meanings:
an ``IntegrityError`` is a lost race on a unique key, or a missing parent row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from tradecore.domain.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    SchemaOutOfDate,
    StoreError,
    StoreUnavailable,
)

_UPGRADE_HINT = "the schema is missing or old: run `tradecore-live db upgrade`"

# (SQLSTATE prefix or SQLite message fragment, error class), first match wins.
_RULES: list[tuple[str, type[StoreError] | type[InvalidInput]]] = [
    ("23503", NotFound),  # foreign_key_violation
    ("FOREIGN KEY constraint failed", NotFound),
    ("23505", ConcurrencyConflict),  # unique_violation
    ("UNIQUE constraint failed", ConcurrencyConflict),
    ("40001", ConcurrencyConflict),  # serialization_failure
    ("40P01", ConcurrencyConflict),  # deadlock_detected
    ("23502", InvalidInput),  # not_null_violation
    ("NOT NULL constraint failed", InvalidInput),
    ("22", InvalidInput),  # data exception class (numeric overflow, bad text, ...)
    ("42P01", SchemaOutOfDate),  # undefined_table
    ("42703", SchemaOutOfDate),  # undefined_column
    ("no such table", SchemaOutOfDate),
    ("no such column", SchemaOutOfDate),
    ("database is locked", StoreUnavailable),
]


def _classify(error: exc.DBAPIError) -> type[StoreError] | type[InvalidInput] | None:
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    message = str(error.orig)
    for key, kind in _RULES:
        is_sqlstate = key[0].isdigit()
        if sqlstate.startswith(key) if is_sqlstate else key in message:
            return kind
    return None


def translate(error: exc.SQLAlchemyError) -> Exception:
    """Return the tradecore error for a SQLAlchemy error (not raised, not chained)."""
    if isinstance(error, exc.DBAPIError):
        kind = _classify(error)
        if kind is InvalidInput:
            return InvalidInput("row", None, str(error.orig))
        if kind is SchemaOutOfDate:
            return SchemaOutOfDate(f"{_UPGRADE_HINT} ({error.orig})")
        if kind is not None:
            return kind(str(error.orig))  # type: ignore[call-arg]
        if isinstance(error, exc.OperationalError | exc.InterfaceError):
            return StoreUnavailable(f"database unavailable: {error.orig}")
    if isinstance(error, exc.TimeoutError | exc.DisconnectionError):
        return StoreUnavailable(f"database unavailable: {error}")
    return StoreError(f"store error: {error}")


@contextmanager
def translating() -> Iterator[None]:
    """Re-raise any SQLAlchemy error as its tradecore store error (``from e``)."""
    try:
        yield
    except exc.SQLAlchemyError as e:
        raise translate(e) from e
