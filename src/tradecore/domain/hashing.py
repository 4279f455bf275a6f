"""Stable hashing: sha256 over one canonical encoding.

Builtin ``hash()`` changes with PYTHONHASHSEED, so anything persisted, compared across
processes or used in a simulation is hashed here instead.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs

from tradecore.domain.errors import InvalidInput


def _canonical(value: object) -> object:
    """Reduce a value to JSON-able primitives with one spelling per meaning."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput("timestamp", value, "naive datetime cannot be hashed")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))  # type: ignore[arg-type]
        return {f.name: _canonical(getattr(value, f.name)) for f in fields}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
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
