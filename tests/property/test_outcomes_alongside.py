"""A replay's outcomes written while its decisions are read equal their own read.

``writer._write_decisions_and_outcomes`` has a store's decisions read with each
decision's outcome beside it (``export.decisions_with_outcomes``) and write
outcomes.csv from that read, when the file's outcomes table is the store's own
(one outcome a decision at most). For any decisions and outcomes (tied times,
decisions without an outcome, outcomes of no stored decision, texts to quote,
times that do not parse), decisions.csv and outcomes.csv must be the bytes
their own reads write, the outcomes' kinds counted and the details searched as
those reads count and search them, errors included; a file whose outcomes
table is not the store's (two outcomes of one decision) is read as before.
"""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.regime_section import REGIME_WORDS
from tradecore.adapters.report.tables import write_rows_csv
from tradecore.adapters.report.writer import _write_decisions_and_outcomes
from tradecore.adapters.sqlstore import export
from tradecore.adapters.sqlstore.sqlite_ddl import SQLITE_DDL
from tradecore.apps.replay.records import StoredRows

_TIMES = st.sampled_from(
    [
        "2024-01-02 15:00:00.000000",
        "2024-01-02 15:01:00.000000",
        "2024-01-02 15:01:00.500000",
        "2024-01-02 15:00:00",  # another form: through the datetime
        "not a time",  # an error, in either table
    ]
)
_TEXTS = st.text(alphabet='ab,"\n x', max_size=5)
_DETAILS = st.sampled_from(
    [
        '{"client_order_id":"c-1","price":"1.5"}',
        '{"b":"1","a":"2"}',
        '{"regime":"calm"}',
        "[1, 2]",
    ]
)
_IDS = st.sampled_from(["d1", "d2", "d3", "D1", "d,4", "d5"])
_DECISIONS = st.dictionaries(
    _IDS, st.tuples(_TIMES, st.sampled_from(["AAA", "B,B"]), _TEXTS, _DETAILS)
)
_OUTCOMES = st.dictionaries(
    _IDS,
    st.tuples(
        st.sampled_from(["submitted", "skipped", "rejected"]),
        _TIMES,
        st.none() | _TEXTS,
        st.none() | _TEXTS,
    ),
)

#: The store's own outcomes table, and one without its primary key.
_OWN = next(t for t in SQLITE_DDL if t.strip().startswith("CREATE TABLE outcomes ("))
_OTHER = (
    "CREATE TABLE outcomes (decision_id VARCHAR(64) NOT NULL, kind VARCHAR(16) "
    "NOT NULL, recorded_at DATETIME NOT NULL, client_order_id VARCHAR(64), "
    "reason TEXT, details TEXT NOT NULL)"
)
_DECISIONS_TABLE = next(
    t for t in SQLITE_DDL if t.strip().startswith("CREATE TABLE decisions (")
)


def _store(
    folder: Path,
    decisions: dict[str, tuple[str, str, str, str]],
    outcomes: list[tuple[str, tuple[str, str, str | None, str | None]]],
    own: bool,
) -> Path:
    db = folder / "replay.db"
    with closing(sqlite3.connect(db)) as connection:
        connection.execute(_DECISIONS_TABLE)
        connection.execute(
            "CREATE INDEX ix_decisions_decided_at ON decisions (decided_at)"
        )
        connection.execute(_OWN if own else _OTHER)
        for decision_id, (at, symbol, inputs, details) in decisions.items():
            connection.execute(
                "INSERT INTO decisions VALUES (?, 's', ?, ?, ?, '', '', 'c', ?, NULL)",
                (decision_id, symbol, at, inputs, details),
            )
        for decision_id, (kind, at, order, reason) in outcomes:
            connection.execute(
                "INSERT INTO outcomes VALUES (?, ?, ?, ?, ?, '{}')",
                (decision_id, kind, at, order, reason),
            )
        connection.commit()
    return db


def _written(db: Path, folder: Path, alongside: bool) -> object:
    """The two files' bytes, the kinds' counts and the details' search (or the
    error), from fresh tables of ``db``."""
    decisions, outcomes = StoredRows(db, "decisions"), StoredRows(db, "outcomes")
    try:
        with export.reading(db):
            if alongside:
                _write_decisions_and_outcomes(folder, decisions, outcomes)
            else:
                write_rows_csv(folder / "decisions.csv", decisions)
                write_rows_csv(folder / "outcomes.csv", outcomes)
            counts = sorted(outcomes.raw_counts("kind"))
            found = decisions.raw_any_holding("details", REGIME_WORDS)
    except (ValueError, TypeError) as e:
        return type(e), str(e)
    texts = [(folder / f"{n}.csv").read_bytes() for n in ("decisions", "outcomes")]
    return texts, counts, found


@settings(max_examples=300, deadline=None)
@given(
    decisions=_DECISIONS,
    outcomes=_OUTCOMES,
    twice=st.lists(_IDS, max_size=2),
    own=st.booleans(),
)
@example(  # an outcome of no stored decision only: outcomes.csv has its header
    decisions={"d1": ("2024-01-02 15:00:00.000000", "AAA", "", "[1, 2]")},
    outcomes={"d9": ("submitted", "2024-01-02 15:00:00.000000", None, None)},
    twice=[],
    own=True,
)
def test_outcomes_written_alongside_as_their_own_read_writes_them(
    decisions: dict[str, tuple[str, str, str, str]],
    outcomes: dict[str, tuple[str, str, str | None, str | None]],
    twice: list[str],
    own: bool,
) -> None:
    rows = list(outcomes.items())
    if not own:  # a second outcome of a decision, where no key forbids it
        rows += [
            (i, ("skipped", "2024-01-02 15:00:00.000000", None, "again")) for i in twice
        ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = _store(folder, decisions, rows, own)
        (folder / "a").mkdir()
        (folder / "b").mkdir()
        assert _written(db, folder / "a", True) == _written(db, folder / "b", False)


def test_a_replay_store_s_outcomes_are_read_alongside() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = _store(
            folder,
            {"d1": ("2024-01-02 15:00:00.000000", "AAA", "", "[1, 2]")},
            [("d1", ("submitted", "2024-01-02 15:00:00.000000", None, None))],
            own=True,
        )
        decisions = StoredRows(db, "decisions")
        _write_decisions_and_outcomes(folder, decisions, StoredRows(db, "outcomes"))
        assert decisions.copied_alongside()
