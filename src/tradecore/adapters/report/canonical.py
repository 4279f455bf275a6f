"""Canonical JSON for report files that must be byte-identical between identical runs.

Sorted keys, two-space indent, ASCII only, a trailing newline; decimals as strings
(exact, never through binary floating point); floats rounded to a fixed number of
significant digits so that last-bit noise cannot leak into the bytes; non-finite
floats as ``null``; datetimes as ISO-8601 UTC with ``Z``.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs
import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import OMIT_IF_DEFAULT

SIGNIFICANT_DIGITS = 12


def round_float(value: float, digits: int = SIGNIFICANT_DIGITS) -> float | None:
    """Round to ``digits`` significant digits; ``None`` for NaN and infinities."""
    if not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}") + 0.0  # + 0.0 folds -0.0 into 0.0


def plain(value: object, digits: int = SIGNIFICANT_DIGITS) -> object:
    """Reduce ``value`` to JSON primitives with exactly one spelling per meaning.

    Raises:
        InvalidInput: a mapping key is not a string, or a type has no encoding.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round_float(value, digits)
    if isinstance(value, np.generic):
        return plain(value.item(), digits)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return plain(value.value, digits)
    if isinstance(value, datetime):
        return _iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if attrs.has(type(value)):
        fields = attrs.asdict(value, recurse=False, filter=_kept)  # type: ignore[arg-type]
        return plain(fields, digits)
    if isinstance(value, Mapping):
        return {_key(k): plain(v, digits) for k, v in value.items()}
    if isinstance(value, Sequence | np.ndarray):
        return [plain(v, digits) for v in value]
    raise InvalidInput("value", type(value).__name__, "has no canonical JSON form")


def _kept(field: attrs.Attribute[Any], value: object) -> bool:
    # A field added later is left out at its default, as in the canonical hash
    # (tradecore.domain.hashing), so reports of older values read the same.
    return not (field.metadata.get(OMIT_IF_DEFAULT) and value == field.default)


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise InvalidInput("key", key, "JSON object keys must be strings")
    return key


def _iso_utc(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise InvalidInput("timestamp", moment, "naive timestamp; use UTC")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def canonical_json(value: object, digits: int = SIGNIFICANT_DIGITS) -> str:
    """Return the canonical JSON text of ``value`` (see the module docstring)."""
    text = json.dumps(
        plain(value, digits),
        sort_keys=True,
        indent=2,
        ensure_ascii=True,
        allow_nan=False,
    )
    return text + "\n"
