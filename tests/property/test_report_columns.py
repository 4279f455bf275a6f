"""The report's CSV tables written a batch's column at a time, against the writer.

``CsvLines.add_columns`` searches each column once and quotes only the columns
that need it; every table must be what ``csv.writer`` writes for its rows (the
general path), quotes, commas, line breaks, carriage returns, NULs and lone
empty fields included. The stored times' spellings are kept across columns
(``_SPELLED_TIMES``): a column spelled after any others must still be what the
per-cell speller gives, whether the kept spellings are reused or emptied.
"""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.tables import CsvLines
from tradecore.apps.replay import records

_FIELDS = st.text(alphabet='ab ,"\n\r\x00\té1{}:', max_size=6)


@st.composite
def _tables(draw: st.DrawFn) -> list[list[str]]:
    """Rows of one width (the shape a stored table's batch has)."""
    width = draw(st.integers(1, 4))
    return draw(st.lists(st.lists(_FIELDS, min_size=width, max_size=width)))


@settings(max_examples=500, deadline=None)
@given(_tables())
def test_columns_are_written_as_the_csv_writer_writes_their_rows(
    rows: list[list[str]],
) -> None:
    fast, slow = io.StringIO(newline=""), io.StringIO(newline="")
    columns = [list(column) for column in zip(*rows, strict=True)]
    CsvLines(fast).add_columns(columns)
    csv.writer(slow, lineterminator="\n").writerows(rows)
    assert fast.getvalue() == slow.getvalue()


def test_a_lone_empty_column_cell_is_quoted_as_the_writer_quotes_it() -> None:
    fast, slow = io.StringIO(newline=""), io.StringIO(newline="")
    CsvLines(fast).add_columns([["a", "", "b,c"]])
    csv.writer(slow, lineterminator="\n").writerows([["a"], [""], ["b,c"]])
    assert fast.getvalue() == slow.getvalue() == 'a\n""\n"b,c"\n'


_TIMES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "2024-01-02 15:00:00.000000",
            "2024-01-02 15:00:00.250000",
            "2024-01-02T15:01:00+00:00",
            "2024-01-02 15:02:00",
            "2024-01-03 09:30:00.000001",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    columns=st.lists(
        st.lists(_TIMES, min_size=1, max_size=8).map(tuple), min_size=1, max_size=5
    ),
    kept=st.integers(1, 6),
)
def test_kept_time_spellings_are_the_cells_spellings(
    columns: list[tuple[object, ...]], kept: int
) -> None:
    spell = records._column_speller("recorded_at")
    cell = records._cell_speller("recorded_at")
    records._SPELLED_TIMES.clear()
    was, records._SPELLED_TIMES_KEPT = records._SPELLED_TIMES_KEPT, kept
    try:
        for column in columns:
            assert spell(column) == [cell(value) for value in column]
            assert len(records._SPELLED_TIMES) <= max(kept, len(set(column)))
    finally:
        records._SPELLED_TIMES_KEPT = was
        records._SPELLED_TIMES.clear()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["0.00", "1E+2", "-0", "007.50", "100", "75.90"]),
        ),
        min_size=1,
        max_size=12,
    ).map(tuple)
)
def test_distinct_decimal_texts_are_spelled_as_each_cell(
    column: tuple[object, ...],
) -> None:
    cell = records._cell_speller("price")
    assert records._column_speller("price")(column) == [cell(v) for v in column]
