"""A stored table searched in its file answers as reading its column does.

``export.any_holding`` asks SQLite whether any decision's details are not text
or hold one of the words the regime section looks for; ``regime_groups`` then
skips reading the column when none does. For any stored values (text with the
words, escapes, NUL and non-ASCII, NULL, numbers, blobs), the answer must be
what testing each value the driver gives tells, and the section the same.
"""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.regime_section import regime_groups
from tradecore.apps.replay.records import StoredRows

_WORDS = ("regime", "\\u")
_DETAILS = st.one_of(
    st.sampled_from(
        [
            "{}",
            '{"a":"b"}',
            '{"regime":{"state":1},"client_order_id":"x"}',
            '{"r\\u0065gime":{"state":0}}',
            '{"Regime":1}',
            '{"a":"\x00regime"}',
            '{"a":"r\u00e9gime"}',
        ]
    ),
    st.text(alphabet='regimu\\{}":', max_size=8),
    st.none(),
    st.integers(0, 2),
    st.binary(max_size=3),
)


def _store(folder: Path, details: list[object]) -> Path:
    db = folder / "replay.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute(
            "CREATE TABLE decisions (decision_id, decided_at, strategy_id, symbol, "
            "inputs_hash, config_hash, details)"
        )
        connection.executemany(
            "INSERT INTO decisions VALUES (?, '2024-01-02 15:00:00.000000', 's', "
            "'A', '', '', ?)",
            [(f"d{at:03d}", value) for at, value in enumerate(details)],
        )
        connection.commit()
    return db


@settings(max_examples=200, deadline=None)
@given(details=st.lists(_DETAILS, max_size=6))
def test_searched_in_the_file_as_the_column_reads(details: list[object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        stored = StoredRows(_store(Path(folder), details), "decisions")
        read = list(stored.raw_column("details"))
        expected = any(
            not isinstance(v, str) or any(w in v for w in _WORDS) for v in read
        )
        assert stored.raw_any_holding("details", _WORDS) == expected
        if all(isinstance(v, str) and v.startswith("{") for v in read):
            try:
                whole = regime_groups(read_rows(stored), [])
            except ValueError:
                return  # text that is not JSON: the section fails either way
            assert regime_groups(stored, []).keys() == whole.keys()


def read_rows(stored: StoredRows) -> list[dict[str, object]]:
    """The decisions as plain rows holding their stored details (no search)."""
    return [{"details": v} for v in stored.raw_column("details")]
