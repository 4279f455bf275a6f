"""A replay's fills copied to fills.csv while read, spelled from their typed values.

While ``StoredFills`` copies itself (``copy_while_read``), a column of texts of
times, quantities, prices or fees is typed once and its CSV cells spelled from
the typed values (``records._typed_and_spelled``): ``isoformat`` of the aware
time, ``str`` of the ``Decimal``. For any stored fills (texts of any spelling,
malformed ones, numbers, NULLs, times in other forms), the copied table must be
the one ``write_rows_csv`` writes without copying, and the views the ones read
without copying; a batch the general path cannot spell or type must raise the
same error from either path.
"""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.tables import write_rows_csv
from tradecore.adapters.sqlstore import export
from tradecore.apps.replay import records
from tradecore.apps.replay.records import StoredFills, StoredRows

_AMOUNTS = st.one_of(
    st.sampled_from(
        ["100", "100.0", "1E+2", "0", "0.00", "-0", "12.345", "7", "67.20", "x", ""]
    ),
    st.sampled_from([1, 1.0, 100, 0, 2.5, None]),
)
_TIMES = st.one_of(
    st.sampled_from(
        [
            "2024-01-02 15:00:00.000000",
            "2024-01-02 15:00:00.000001",
            "2024-01-02 15:01:00.120000",
            "0001-01-01 00:00:00.000000",
            "2024-01-02 15:00:00",  # another form: through the datetime
            "2024-01-02T15:02:00.500000",
            "2024-01-02T15:02:00+05:00",
            "2024-02-30 15:00:00.000000",  # the store's form, no such day
            "2024-01-02 25:00:00.000000",
            "not a time",
            "",
        ]
    ),
    st.sampled_from([None, 5]),
)
_FILLS = st.lists(
    st.tuples(
        _TIMES,
        st.sampled_from(["AAA", "B,B"]),
        st.sampled_from(["buy", "sell", "hold"]),
        _AMOUNTS,
        _AMOUNTS,
        _AMOUNTS,
    ),
    max_size=12,
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


def _general(db: Path, folder: Path) -> tuple[object, ...]:
    """fills.csv as written alone, then the views read alone; or the error."""
    try:
        write_rows_csv(folder / "alone.csv", StoredRows(db, "fills"))
        views = [tuple(map(str, view)) for view in StoredFills(db).fill_views()]
    except Exception as error:  # the error is what is compared
        return ("raised", type(error))
    return (folder / "alone.csv").read_text(encoding="utf-8"), views


def _copied(db: Path, folder: Path) -> tuple[object, ...]:
    """The views read while copying, and the copy; or the error."""
    stored = StoredFills(db)
    stored.copy_while_read(folder / "copy.csv")
    try:
        views = [tuple(map(str, view)) for view in stored.fill_views()]
    except Exception as error:  # the error is what is compared
        return ("raised", type(error))
    finally:
        stored.copy_while_read(None)
    assert stored.copied()
    return (folder / "copy.csv").read_text(encoding="utf-8"), views


def _both(fills: list[tuple[object, ...]]) -> tuple[object, object]:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = _store(folder, fills)
        records._SPELLED_TIMES.clear()  # neither path helped by the other's
        copied = _copied(db, folder)
        records._SPELLED_TIMES.clear()
        return copied, _general(db, folder)


@settings(max_examples=300, deadline=None)
@given(fills=_FILLS)
@example(  # the store's own forms: the path a replay takes
    fills=[
        ("2024-01-02 15:00:00.000000", "AAA", "buy", "100", "67.20", "0.00"),
        ("2024-01-02 15:00:00.000000", "B,B", "sell", "100", "67.20", "0.00"),
        ("2024-01-02 15:01:00.500000", "AAA", "buy", "1E+2", "-0", "0"),
    ]
)
@example(  # a bad side and a bad price: the price's error comes first
    fills=[("2024-01-02 15:00:00.000000", "AAA", "hold", "100", "x", "0")]
)
@example(  # a bad time and a bad price: the time's error comes first
    fills=[("2024-02-30 15:00:00.000000", "AAA", "buy", "100", "x", "0")]
)
def test_fills_copied_while_read_are_written_and_typed_as_alone(
    fills: list[tuple[object, ...]],
) -> None:
    copied, alone = _both(fills)
    assert copied == alone


@settings(max_examples=300, deadline=None)
@given(text=_TIMES.filter(lambda t: isinstance(t, str)))
def test_a_stored_times_iso_text_is_spelled_alike_from_its_aware_time(
    text: str,
) -> None:
    """What spelling a time from its typed value rests on, errors included."""
    try:
        spelled: object = export.iso_utc(text)
    except ValueError as error:
        spelled = type(error)
    try:
        moment = export.utc(text)
    except ValueError as error:
        typed: object = type(error)
    else:
        typed = export.iso_utc_typed(text, moment)
        assert typed == moment.isoformat()
    assert spelled == typed
