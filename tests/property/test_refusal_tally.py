"""The summary's refusals counted in the store file equal counting every outcome.

``runner._refusals`` asks SQLite for each skipped outcome's reason with its
count (``export.tally``) instead of reading both columns of every outcome. For
any outcomes (kinds, reasons of any storage type, empty and NULL ones, outcomes
without their decision), the counts must be the ones a pass over the stored
kinds and reasons gives.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from contextlib import closing
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecore.apps.replay.records import StoredRows
from tradecore.apps.replay.runner import _refusals

_REASONS = st.one_of(
    st.none(),
    st.sampled_from(["", "limit", "limit ", "Limit", "1", "0", "0.0"]),
    st.integers(-1, 2),
    st.sampled_from([0.0, -0.0, 1.0, 2.5]),
    st.text(max_size=3),
)
_OUTCOMES = st.lists(
    st.tuples(
        st.sampled_from(["skipped", "submitted", "failed", "Skipped"]),
        _REASONS,
        st.booleans(),
    ),
    max_size=12,
)


def _store(folder: Path, outcomes: list[tuple[str, object, bool]]) -> Path:
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
        for at, (kind, reason, decided) in enumerate(outcomes):
            if decided:
                connection.execute(
                    "INSERT INTO decisions VALUES (?, ?, 's', 'A', '', '', '{}')",
                    (f"d{at}", f"2024-01-02 15:00:{at:02d}.000000"),
                )
            connection.execute(
                "INSERT INTO outcomes VALUES (?, ?, ?, NULL, '2024-01-02 15:00:00')",
                (f"d{at}", kind, reason),
            )
        connection.commit()
    return db


@settings(max_examples=150, deadline=None)
@given(outcomes=_OUTCOMES)
@example(  # equal in SQLite, spelled apart in Python
    outcomes=[("skipped", 1, True), ("skipped", 1.0, True), ("skipped", "1", True)]
)
def test_refusals_counted_in_the_file_as_row_by_row(
    outcomes: list[tuple[str, object, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        stored = StoredRows(_store(Path(folder), outcomes), "outcomes")
        expected = Counter(
            str(reason)
            for kind, reason in stored.raw_columns("kind", "reason")
            if kind == "skipped" and reason
        )
        assert _refusals(stored) == expected
        assert _refusals(list(stored)) == expected
