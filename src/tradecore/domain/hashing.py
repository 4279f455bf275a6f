"""Stable hashing: sha256 over one canonical encoding.

Builtin ``hash()`` changes with PYTHONHASHSEED, so anything persisted, compared across
processes or used in a simulation is hashed here instead.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput


def _decimal(value: Decimal) -> str:
    return format(value.normalize(), "f") if value.is_finite() else str(value)


def _datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise InvalidInput("timestamp", value, "naive datetime cannot be hashed")
    return value.isoformat()


def _sequence(value: Sequence[object]) -> list[object]:
    return [_canonical(v) for v in value]


def _mapping(value: Mapping[object, object]) -> dict[str, object]:
    return {str(k): _canonical(v) for k, v in value.items()}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in attrs.fields(cls))
    return names


#: Exact-type fast path (ids are hashed per order); subclasses take the slow path,
#: which gives the same spelling.
_BY_TYPE: dict[type, Callable[[Any], object]] = {
    float: repr,
    Decimal: _decimal,
    datetime: _datetime,
    date: date.isoformat,
    list: _sequence,
    tuple: _sequence,
    dict: _mapping,
}


def _canonical(value: object) -> object:
    """Reduce a value to JSON-able primitives with one spelling per meaning."""
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool:
        return value
    encode = _BY_TYPE.get(kind)
    if encode is not None:
        return encode(value)
    return _canonical_slow(value)


def _canonical_slow(value: object) -> object:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if attrs.has(type(value)):
        return {n: _canonical(getattr(value, n)) for n in _field_names(type(value))}
    if isinstance(value, Mapping):
        return _mapping(value)
    if isinstance(value, Sequence | frozenset | set):
        items = [_canonical(v) for v in value]
        if isinstance(value, frozenset | set):
            items.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return items
    raise InvalidInput("value", type(value).__name__, "no canonical encoding")


def canonical_bytes(value: object) -> bytes:
    """Encode ``value`` canonically: sorted keys, compact, decimals as plain strings."""
    return json.dumps(
        _canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")


def sha256_hex(value: object) -> str:
    """Return the hex sha256 of the canonical encoding of ``value``."""
    return hashlib.sha256(canonical_bytes(value)).hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of raw bytes."""
    return hashlib.sha256(data).hexdigest()
