"""A replay's stored fills typed a batch's column at a time read as the rows read.

``StoredFills.fill_views`` and ``fill_records`` type each batch of fills a
column at a time, each distinct text once (``records._typed_column``), and make
each view with ``tuple.__new__``. For any stored fills (quantities, prices and
fees as texts of any spelling or as numbers that compare equal across types,
zero fees, repeated times, times in other forms), the views and records must be
the ones the shaped rows give, field by field and as spelled.
"""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.analysis import FillView, _views
from tradecore.apps.replay.records import FillRecords, StoredFills, StoredRows

_AMOUNTS = st.one_of(
    st.sampled_from(["100", "100.0", "1E+2", "0", "0.00", "-0", "12.345", "7"]),
    st.sampled_from([1, 1.0, 100, 100.0, 0, 0.0, 2.5]),
)
_TIMES = st.sampled_from(
    [
        "2024-01-02 15:00:00.000000",
        "2024-01-02 15:00:00.000001",
        "2024-01-02 15:01:00.000000",
        "2024-01-02 15:00:00",  # another form: through the datetime
        "2024-01-02T15:02:00.500000",
    ]
)
_FILLS = st.lists(
    st.tuples(
        _TIMES,
        st.sampled_from(["AAA", "BBB", "A,A"]),
        st.sampled_from(["buy", "sell"]),
        _AMOUNTS,
        _AMOUNTS,
        _AMOUNTS,
    ),
    max_size=14,
)


def _store(folder: Path, fills: list[tuple[object, ...]]) -> Path:
    """A file with the export's fill columns (no schema types: every value keeps
    the storage type it is given)."""
    db = folder / "replay.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute(
            "CREATE TABLE fills (id INTEGER PRIMARY KEY, filled_at, symbol, side, "
            "qty, price, fee, client_order_id, execution_id)"
        )
        for n, fill in enumerate(fills):
            connection.execute(
                "INSERT INTO fills (filled_at, symbol, side, qty, price, fee, "
                "client_order_id, execution_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*fill, f"c{n}", f"e{n}"),
            )
        connection.commit()
    return db


def _spelled(views: list[FillView]) -> list[tuple[str, ...]]:
    return [tuple(map(str, view)) for view in views]


@settings(max_examples=150, deadline=None)
@given(fills=_FILLS)
@example(  # equal across types, spelled apart
    fills=[
        ("2024-01-02 15:00:00.000000", "AAA", "buy", 1, 1.0, 0),
        ("2024-01-02 15:00:00.000000", "AAA", "sell", 1.0, 1, 0.0),
        ("2024-01-02 15:00:00.000000", "AAA", "buy", "1", "1.0", "0.00"),
    ]
)
def test_stored_fills_typed_by_columns_read_as_the_rows(
    fills: list[tuple[object, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = _store(Path(folder), fills)
        rows = list(StoredRows(db, "fills"))
        stored = StoredFills(db)
        views, expected = list(stored.fill_views()), list(_views(rows))
        assert views == expected
        assert _spelled(views) == _spelled(expected)
        assert all(type(view) is FillView for view in views)
        records, by_rows = list(FillRecords(stored)), list(FillRecords(rows))
        assert records == by_rows
        assert [tuple(map(str, r)) for r in records] == [
            tuple(map(str, r)) for r in by_rows
        ]
