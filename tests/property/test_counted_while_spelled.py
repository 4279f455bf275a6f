"""The outcomes' kinds counted while their CSV is written are SQLite's counts.

``StoredRows.cell_columns`` counts the raw ``kind`` of every outcome it reads
(``_COUNTED_WHILE_SPELLED``); after a whole read, ``raw_counts("kind")`` gives
those counts instead of a GROUP BY over the file, when every value was text.
For any stored kinds (any text, empty, non-ASCII, alike but for case or
accents; or with integers, reals, NULLs and blobs among them, where SQLite's
groups answer), before a read, after a whole read and after a read given up
halfway, the counts must be what ``export.counts`` gives.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from contextlib import closing
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.sqlstore import export
from tradecore.apps.replay.records import StoredRows

_KINDS = st.one_of(
    st.sampled_from(["submitted", "skipped", "Skipped", "rejected", "", "é", "é"]),
    st.text(max_size=6),
)
_OTHERS = st.one_of(
    st.integers(-2, 2),
    st.sampled_from([0.0, -0.0, 1.0, 1.5]),
    st.none(),
    st.binary(max_size=2),
)


def _store(folder: Path, kinds: list[object]) -> Path:
    db = folder / "replay.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.executescript(
            "CREATE TABLE decisions (decision_id TEXT PRIMARY KEY, decided_at TEXT);"
            "CREATE TABLE outcomes (decision_id TEXT PRIMARY KEY, kind, reason TEXT,"
            " client_order_id TEXT, recorded_at TEXT);"
        )
        at = "2024-01-02 15:00:00.000000"
        for n, kind in enumerate(kinds):
            connection.execute("INSERT INTO decisions VALUES (?, ?)", (f"d{n}", at))
            connection.execute(
                "INSERT INTO outcomes VALUES (?, ?, NULL, ?, ?)",
                (f"d{n}", kind, "c", at),
            )
        connection.commit()
    return db


def _grouped(counts: list[tuple[object, int]]) -> Counter[tuple[str, object]]:
    return Counter({(type(value).__name__, repr(value)): n for value, n in counts})


@settings(max_examples=150, deadline=None)
@given(
    kinds=st.lists(st.one_of(_KINDS, _KINDS, _OTHERS), max_size=12),
    halfway=st.booleans(),
)
def test_kinds_counted_while_spelled_are_sqlites(
    kinds: list[object], halfway: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = _store(Path(folder), kinds)
        with export.reading(db):
            expected = _grouped(export.counts(db, "outcomes", "kind"))
            rows = StoredRows(db, "outcomes")
            assert _grouped(rows.raw_counts("kind")) == expected
            read = rows.cell_columns()
            if halfway:
                next(read, None)
            else:
                for _ in read:
                    pass
            assert _grouped(rows.raw_counts("kind")) == expected
            assert _grouped(rows.raw_counts("reason")) == _grouped(
                export.counts(db, "outcomes", "reason")
            )
