"""Column types that keep money exact and time in UTC on every database.

``DecimalText`` is NUMERIC on PostgreSQL (exact, unconstrained scale) and TEXT on
SQLite, whose NUMERIC affinity would round through a float. ``UtcDateTime`` refuses
naive datetimes at the edge and always reads back an aware UTC datetime, whatever the
server's time zone setting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import types
from sqlalchemy.engine import Dialect

from tradecore.domain.errors import InvalidInput


class DecimalText(types.TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC on PostgreSQL, lossless decimal text on SQLite."""

    impl = types.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(types.Numeric(asdecimal=True))
        return dialect.type_descriptor(types.Text())

    def process_bind_param(
        self, value: Decimal | None, dialect: Dialect
    ) -> str | Decimal | None:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise InvalidInput("decimal column", value, "expected a finite Decimal")
        # str() keeps every digit and the exponent: Decimal(str(d)) == d exactly.
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(
        self, value: object | None, dialect: Dialect
    ) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise InvalidInput("decimal column", value, "not a decimal") from None


class UtcDateTime(types.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp (naive in, or non-UTC out, is an error)."""

    impl = types.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise InvalidInput("timestamp column", value, "expected a datetime")
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput("timestamp column", value, "naive timestamp; use UTC")
        value = value.astimezone(UTC)
        # SQLite stores naive text; PostgreSQL's timestamptz takes the aware value.
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
