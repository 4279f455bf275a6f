"""The decisions' details searched while their CSV is written are SQLite's search.

``StoredRows.cell_columns`` searches the raw ``details`` of every decision it
reads for a regime's words (``_SEARCHED_WHILE_SPELLED``); after a whole read,
``raw_any_holding("details", REGIME_WORDS)`` answers from that search instead of
the file's. For any stored details (JSON or not, holding the words, words split
across two decisions, NULs, non-ASCII, integers, reals, NULLs and blobs among
them), before a read, after a whole read, after a read given up halfway or
failed on a text that is not JSON, and for other needles (empty ones, ones
holding a NUL, searched on the way too), the answers must be what
``export.any_holding`` gives.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.regime_section import REGIME_WORDS
from tradecore.adapters.sqlstore import export
from tradecore.apps.replay import records
from tradecore.apps.replay.records import StoredRows

_TEXTS = st.one_of(
    st.dictionaries(
        st.sampled_from(["price", "regime", "target", "é"]),
        st.one_of(st.text(max_size=4), st.integers(0, 3)),
        max_size=3,
    ).map(lambda d: json.dumps(d, separators=(",", ":"))),
    st.sampled_from(['{"a":"reg"}', '{"b":"ime"}', '{"a":"\\u00e9"}', "1", "2", "{}"]),
    st.text(alphabet='regim\\u\x00{}":,', max_size=8),
)
_OTHERS = st.one_of(st.integers(-1, 1), st.just(1.5), st.none(), st.binary(max_size=2))
_NEEDLES = st.one_of(
    st.just(REGIME_WORDS),
    st.lists(st.text(alphabet="regim\\u\x00{}12", max_size=3), max_size=3).map(tuple),
)


def _store(folder: Path, details: list[object]) -> Path:
    db = folder / "replay.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute(
            "CREATE TABLE decisions (decision_id TEXT PRIMARY KEY, decided_at TEXT,"
            " strategy_id TEXT, symbol TEXT, inputs_hash TEXT, config_hash TEXT,"
            " details)"
        )
        at = "2024-01-02 15:00:00.000000"
        for n, text in enumerate(details):
            connection.execute(
                "INSERT INTO decisions VALUES (?, ?, 's', 'AAA', 'i', 'c', ?)",
                (f"d{n:03d}", at, text),
            )
        connection.commit()
    return db


@settings(max_examples=200, deadline=None)
@given(
    details=st.lists(st.one_of(_TEXTS, _TEXTS, _OTHERS), max_size=10),
    halfway=st.booleans(),
    needles=_NEEDLES,
)
@example(details=["1", "2"], halfway=False, needles=("12",))  # across two texts
@example(details=['{"a":"\\u00e9"}', 1], halfway=False, needles=REGIME_WORDS)
def test_details_searched_while_spelled_are_sqlites(
    details: list[object], halfway: bool, needles: tuple[str, ...]
) -> None:
    searched = {"decisions": (("details", REGIME_WORDS), ("details", needles))}
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setattr(records, "_SEARCHED_WHILE_SPELLED", searched)
        db = _store(Path(folder), details)
        with export.reading(db):
            rows = StoredRows(db, "decisions")
            for asked in (REGIME_WORDS, needles):
                expected = export.any_holding(db, "decisions", "details", asked)
                assert rows.raw_any_holding("details", asked) == expected
            read = rows.cell_columns()
            try:
                if halfway:
                    next(read, None)
                else:
                    for _ in read:
                        pass
            except ValueError:  # a text that is not JSON fails the CSV
                pass
            for asked in (REGIME_WORDS, needles):
                expected = export.any_holding(db, "decisions", "details", asked)
                assert rows.raw_any_holding("details", asked) == expected
