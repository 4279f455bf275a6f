"""attrs validators that raise :class:`InvalidInput` naming the field and the value.

attrs' built-in validators raise bare ``TypeError``/``ValueError``; ours keep one error
type at every edge so callers (and the CLI) can report ``field=value: reason``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput

_ZERO = Decimal(0)
_NO_OFFSET = timedelta(0)
SYMBOL_RE = re.compile(r"^[A-Z][A-Z0-9.\-/]{0,15}$")


def _name(attribute: attrs.Attribute[Any]) -> str:
    return attribute.name


def utc_datetime(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """Require a timezone-aware datetime at UTC offset zero."""
    if type(value) is datetime and value.tzinfo is UTC:
        return  # the common case, checked in two comparisons
    if not isinstance(value, datetime):
        raise InvalidInput(_name(attribute), value, "expected a datetime")
    offset = value.utcoffset()
    if offset is None:
        raise InvalidInput(_name(attribute), value, "naive timestamp; use UTC")
    if offset != _NO_OFFSET:
        raise InvalidInput(_name(attribute), value, "timestamp must be in UTC")


def optional_utc_datetime(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """Like :func:`utc_datetime` but allow ``None``."""
    if value is not None:
        utc_datetime(instance, attribute, value)


def decimal(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Require a finite ``Decimal`` (a float would carry binary rounding noise)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(_name(attribute), value, "expected a finite Decimal")


def positive_decimal(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """Require a finite ``Decimal`` greater than zero."""
    if value.__class__ is Decimal and value.is_finite() and value > _ZERO:
        return  # the common case, without the general check's call
    decimal(instance, attribute, value)
    assert isinstance(value, Decimal)
    if value <= _ZERO:
        raise InvalidInput(_name(attribute), value, "must be > 0")


def non_negative_decimal(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """Require a finite ``Decimal`` greater than or equal to zero."""
    if value.__class__ is Decimal and value.is_finite() and value >= _ZERO:
        return  # the common case, without the general check's call
    decimal(instance, attribute, value)
    assert isinstance(value, Decimal)
    if value < _ZERO:
        raise InvalidInput(_name(attribute), value, "must be >= 0")


def optional_positive_decimal(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """Like :func:`positive_decimal` but allow ``None``."""
    if value is not None:
        positive_decimal(instance, attribute, value)


def finite_float(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """Require a finite float (market data and analytics are float64)."""
    if isinstance(value, bool) or not isinstance(value, float | int):
        raise InvalidInput(_name(attribute), value, "expected a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidInput(_name(attribute), value, "must be finite")


def non_empty_str(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """Require a non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(_name(attribute), value, "must be a non-empty string")


def symbol(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Require an upper-case ticker such as ``AAPL``, ``BRK.B`` or ``BTC/USD``."""
    if not isinstance(value, str) or not SYMBOL_RE.match(value):
        raise InvalidInput(_name(attribute), value, "not a valid ticker symbol")


def instance_of(kind: type) -> Any:
    """Return a validator requiring ``isinstance(value, kind)``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise InvalidInput(_name(attribute), value, f"expected {kind.__name__}")

    return check


def to_decimal(field: str, value: object) -> Decimal:
    """Convert a string or int (never a float) to a finite ``Decimal``, naming the field."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str) and not isinstance(value, bool):
        try:
            result = Decimal(str(value).strip())
        except ArithmeticError:
            raise InvalidInput(field, value, "not a decimal number") from None
    else:
        raise InvalidInput(field, value, "expected a decimal string, not a float")
    if not result.is_finite():
        raise InvalidInput(field, value, "must be finite")
    return result
