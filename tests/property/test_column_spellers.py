"""The stored tables' CSV cells spelled a column at a time against a cell at a time.

``StoredRows.cells`` spells a batch's columns with the builtins' loops (``str``,
``Decimal``) and each distinct time once; every cell must be what the per-cell
speller gives, for any column a driver could hand over (text, numbers, NULLs,
decimal text, stored and other time spellings), errors included.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.apps.replay.records import _cell_speller, _column_speller

_TIMES = st.sampled_from(
    [
        "2024-01-02 15:00:00.000000",
        "2024-01-02 15:00:00.250000",
        "2024-01-02T15:01:00+00:00",
        "2024-01-02 15:02:00",
    ]
)
_VALUES = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
    st.sampled_from(["0.00", "1E+2", "-0", "007.50", "0.0000001"]),
    _TIMES,
)


def _outcome(spell, column):  # type: ignore[no-untyped-def]
    try:
        return spell(column)
    except (ValueError, ArithmeticError, TypeError) as e:
        return type(e)


@settings(max_examples=400, deadline=None)
@given(
    name=st.sampled_from(["symbol", "qty", "fee", "filled_at", "decided_at"]),
    column=st.lists(st.one_of(_VALUES, _TIMES), min_size=1, max_size=12).map(tuple),
)
def test_a_column_is_spelled_as_its_cells(
    name: str, column: tuple[object, ...]
) -> None:
    cell = _cell_speller(name)
    assert _outcome(_column_speller(name), column) == _outcome(
        lambda c: [cell(v) for v in c], column
    )


def test_decimal_text_is_respelled_and_times_are_iso() -> None:
    assert _column_speller("qty")(("1E+2", "0.00", None)) == ["1E+2", "0.00", ""]
    assert _column_speller("qty")((Decimal("5"),)) == ["5"]
    assert (
        _column_speller("filled_at")(("2024-01-02 15:00:00.000000",) * 2)
        == ["2024-01-02T15:00:00+00:00"] * 2
    )
