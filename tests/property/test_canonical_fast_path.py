"""The per-type fast path of canonical hashing spells values as the rule says.

``_canonical`` caches an encoder per exact type the first time it meets one; a value
must hash the same whether it took the first (uncached) or a later (cached) path,
and the same as a straightforward reference encoding written here.
"""

from __future__ import annotations

import enum
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain import hashing


class Colour(enum.Enum):
    RED = "red"
    BLUE = 2


def _reference(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, enum.Enum):
        return _reference(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _reference(v) for k, v in value.items()}
    if isinstance(value, frozenset):
        return sorted((_reference(v) for v in value), key=json.dumps)
    return [_reference(v) for v in value]  # list / tuple


_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.sampled_from(Colour),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
    st.frozensets(st.text(max_size=3), max_size=3),
)
_values = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(_values)
def test_fast_and_first_paths_agree_with_the_reference(value: object) -> None:
    hashing._BY_TYPE.pop(Colour, None)  # force the uncached path once
    first = hashing.canonical_bytes(value)
    again = hashing.canonical_bytes(value)
    expected = json.dumps(
        _reference(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")
    assert first == again == expected


def test_a_datetime_subclass_instance_is_spelled_like_a_datetime() -> None:
    class Stamp(datetime):
        pass

    stamp = Stamp(2026, 1, 5, 14, 30, tzinfo=UTC)
    assert hashing.canonical_bytes(stamp) == b'"2026-01-05T14:30:00+00:00"'
