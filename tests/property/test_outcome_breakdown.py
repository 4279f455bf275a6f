"""The report's outcomes-by-kind table counted in the store file equals counting
every outcome.

``html_page._tally`` asks SQLite for each distinct stored kind with its count
(``export.counts``) instead of reading the column of every outcome. For any
outcomes (kinds of any storage type, empty and NULL ones, reals equal to zero,
outcomes without their decision), the tally must be the one spelling each
stored value gives, and the section's HTML the one a list of the rows gives.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from contextlib import closing
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecore.adapters.report import formatting as fmt
from tradecore.adapters.report.html_page import _breakdown, _tally
from tradecore.adapters.report.tables import format_cell
from tradecore.apps.replay.records import StoredRows

_KINDS = st.one_of(
    st.none(),
    st.sampled_from(["", "skipped", "submitted", "Skipped", "1", "0", "0.0"]),
    st.integers(-1, 2),
    st.sampled_from([0.0, -0.0, 1.0, 2.5]),
    st.text(max_size=3),
    st.binary(max_size=2),
)
_OUTCOMES = st.lists(st.tuples(_KINDS, st.booleans()), max_size=12)


def _store(folder: Path, outcomes: list[tuple[object, bool]]) -> Path:
    """A file with the export's outcome and decision columns (no schema types:
    every value keeps the storage type it is given)."""
    db = folder / "replay.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute(
            "CREATE TABLE decisions (decision_id, decided_at, strategy_id, symbol, "
            "inputs_hash, config_hash, details)"
        )
        connection.execute(
            "CREATE TABLE outcomes (decision_id, kind, reason, client_order_id, "
            "recorded_at)"
        )
        for at, (kind, decided) in enumerate(outcomes):
            if decided:
                connection.execute(
                    "INSERT INTO decisions VALUES (?, ?, 's', 'A', '', '', '{}')",
                    (f"d{at}", f"2024-01-02 15:00:{at:02d}.000000"),
                )
            connection.execute(
                "INSERT INTO outcomes VALUES (?, ?, NULL, NULL, '2024-01-02 15:00:00')",
                (f"d{at}", kind),
            )
        connection.commit()
    return db


@settings(max_examples=150, deadline=None)
@given(outcomes=_OUTCOMES)
@example(outcomes=[(0.0, True), (-0.0, True)])  # one value in SQLite, two spellings
@example(outcomes=[(1, True), (1.0, True), ("1", True)])  # apart in SQLite, too
@example(outcomes=[("skipped", True), ("skipped", False), (None, True)])
def test_kinds_counted_in_the_file_as_row_by_row(
    outcomes: list[tuple[object, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        stored = StoredRows(_store(Path(folder), outcomes), "outcomes")
        expected = Counter(
            format_cell(kind) or fmt.MISSING for kind in stored.raw_column("kind")
        )
        assert _tally(stored, "kind", stored.raw_column("kind")) == expected
        if expected:  # (no exported rows: a file whose outcomes lack decisions)
            assert _breakdown(stored) == _breakdown(list(stored))
