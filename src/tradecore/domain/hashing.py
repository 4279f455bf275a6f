"""Stable hashing: sha256 over one canonical encoding.

Builtin ``hash()`` changes with PYTHONHASHSEED, so anything persisted, compared across
processes or used in a simulation is hashed here instead.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput

#: Spellings of non-zero finite decimals already encoded (equal decimals, e.g. 100 and
#: 1E+2, share one spelling; zero is left out: 0 and -0 are equal but spelled apart).
_DECIMALS: dict[Decimal, str] = {}
_DECIMALS_KEPT = 65_536


def _decimal(value: Decimal) -> str:
    spelled = _DECIMALS.get(value) if value and value.is_finite() else None
    if spelled is not None:
        return spelled
    if not value.is_finite():
        return str(value)
    spelled = format(value.normalize(), "f")
    if value:
        if len(_DECIMALS) >= _DECIMALS_KEPT:
            _DECIMALS.clear()
        _DECIMALS[value] = spelled
    return spelled


def canonical_decimal(value: Decimal) -> str:
    """The canonical spelling of a decimal (plain, normalized: ``1E+2`` is ``100``)."""
    return _decimal(value)


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
    kind = type(value)
    encode = _encoder_for(kind)
    if encode is None:
        raise InvalidInput("value", kind.__name__, "no canonical encoding")
    _BY_TYPE[kind] = encode  # the next value of this exact type takes the fast path
    return encode(value)


def _identity(value: object) -> object:
    return value


def _enum(value: enum.Enum) -> object:
    return _canonical(value.value)


#: Field metadata key: a field left out of the encoding while at its default (a
#: field added later keeps the hashes of values made before it existed).
OMIT_IF_DEFAULT = "omit_if_default"


def _attrs_encoder(cls: type) -> Callable[[Any], object]:
    names = _field_names(cls)
    defaults = {
        f.name: f.default for f in attrs.fields(cls) if f.metadata.get(OMIT_IF_DEFAULT)
    }
    if not defaults:

        def encode(value: object) -> dict[str, object]:
            return {n: _canonical(getattr(value, n)) for n in names}

        return encode

    def encode_omitting(value: object) -> dict[str, object]:
        out = {}
        for n in names:
            field_value = getattr(value, n)
            if n not in defaults or field_value != defaults[n]:
                out[n] = _canonical(field_value)
        return out

    return encode_omitting


def _unordered(value: Iterable[object]) -> list[object]:
    items = [_canonical(v) for v in value]
    items.sort(key=lambda v: json.dumps(v, sort_keys=True))
    return items


def _encoder_for(cls: type) -> Callable[[Any], object] | None:
    """The encoder for values of ``cls``; the order of checks is the spelling rule."""
    if issubclass(cls, bool | int | str):
        return _identity  # str/int enums too: JSON spells them as their value
    checks: tuple[tuple[type, Callable[[Any], object]], ...] = (
        (float, repr),
        (Decimal, _decimal),
        (enum.Enum, _enum),
        (datetime, _datetime),
        (date, date.isoformat),
    )
    for base, encode in checks:
        if issubclass(cls, base):
            return encode
    if attrs.has(cls):
        return _attrs_encoder(cls)
    if issubclass(cls, Mapping):
        return _mapping
    if issubclass(cls, frozenset | set):
        return _unordered
    if issubclass(cls, Sequence):
        return _sequence
    return None


#: ``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=True)``,
#: built once: ``dumps`` with options builds an encoder per call, a few hashes per
#: order on the replay's hot path.
_CANONICAL_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=True
).encode


_JUST_STR = frozenset({str})


def canonical_bytes(value: object) -> bytes:
    """Encode ``value`` canonically: sorted keys, compact, decimals as plain strings."""
    kind = type(value)
    if kind is str:  # a signal, a name: spelled as the encoder spells a string
        return _quoted(value).encode("ascii")  # type: ignore[arg-type]
    # Every item exactly a str: the set of their types, no generator frame per item.
    if (kind is list or kind is tuple) and {*map(type, value)} <= _JUST_STR:  # type: ignore[call-overload]
        return f"[{','.join(map(_quoted, value))}]".encode("ascii")  # type: ignore[call-overload]
    return _CANONICAL_JSON(_canonical(value)).encode("ascii")


def iso_instant(value: datetime) -> str:
    """An aware datetime as it is spelled in a canonical encoding (ISO 8601)."""
    if not isinstance(value, datetime):
        raise InvalidInput("timestamp", value, "expected a datetime")
    return _datetime(value)


def sha256_hex(value: object) -> str:
    """Return the hex sha256 of the canonical encoding of ``value``."""
    return hashlib.sha256(canonical_bytes(value)).hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of raw bytes."""
    return hashlib.sha256(data).hexdigest()
