"""``Session.insert_many`` stores and fails as ``Session.execute_many``.

The write-behind flush writes its rows by ``INSERT`` statements of
``sqlite_rows.CHUNK`` rows each (``sqlite_rows.chunked_insert``), the rest one
at a time, under a savepoint that hands any failure back to ``execute_many``.
For any run of rows (any length around the chunk, duplicate keys, ``None`` in a
``NOT NULL`` column, a value the driver cannot bind, in any place), the stored
rows (order, values, storage classes), the count returned and the error raised
(its class and text) are ``execute_many``'s, and the transaction goes on as it
would: the rows written before stay in it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.sqlstore import SqlStore, open_store, sqlite_rows
from tradecore.adapters.sqlstore.session import Session

SQL = sqlite_rows.INSERT_DECISION
#: A decision row's values but its id; an odd value may take one's place.
PLAIN = ("s", "AAPL", "2024-03-01 14:30:00.000000", "i", "", "", "c", "{}", None)
ODD = st.sampled_from([None, {"not": "bindable"}, 1.5, 7, "x", b"b"])


@cache
def _stores() -> tuple[SqlStore, SqlStore]:
    """Two fresh SQLite stores at head, made once (each example rolls back)."""
    folder = Path(tempfile.mkdtemp(prefix="chunked-inserts-"))
    return (
        open_store(f"sqlite:///{folder / 'plain.db'}", fresh=True),
        open_store(f"sqlite:///{folder / 'chunked.db'}", fresh=True),
    )


def _row(key: int, odd: tuple[int, Any] | None) -> tuple[Any, ...]:
    """A row of id ``d-<key>``, one ``odd`` value put in if given."""
    values = list(PLAIN)
    if odd is not None:
        values[odd[0]] = odd[1]
    return (f"d-{key}", *values)


def _written(
    store: SqlStore, write: Callable[[Session], int], before: list[tuple[Any, ...]]
) -> tuple[object, list[tuple[Any, ...]]]:
    """What ``write`` returned or raised, after ``before`` went in, and the
    table as the transaction then holds it (rolled back on leaving)."""
    with store.unit_of_work() as uow:
        session = uow.session
        session.execute_many(SQL, before)
        try:
            outcome: object = write(session)
        except Exception as e:
            outcome = (type(e).__name__, str(e))
        rows = session.run(
            "SELECT rowid, *, typeof(manifest_hash) FROM decisions ORDER BY rowid", ()
        ).fetchall()
    return outcome, rows


#: Rows of distinct keys mostly: a few take an earlier row's key, a few an odd
#: value.
ROWS = st.lists(
    st.tuples(
        st.one_of(*[st.none()] * 30, st.integers(0, 90)),
        st.one_of(*[st.none()] * 30, st.tuples(st.integers(0, 8), ODD)),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(
    rows=ROWS,
    size=st.sampled_from([2, 3, sqlite_rows.CHUNK]),
    first=st.integers(0, 3),
)
def test_chunked_inserts_store_and_fail_as_one_by_one(
    rows: list[tuple[int, Any]], size: int, first: int
) -> None:
    values = [
        _row(100 + n if key is None else key, odd) for n, (key, odd) in enumerate(rows)
    ]
    before = [_row(1000 + n, None) for n in range(first)]
    plain, chunked = _stores()
    expected = _written(plain, lambda s: s.execute_many(SQL, values), before)
    chunked_sql = sqlite_rows.chunked_insert(SQL, size)
    got = _written(
        chunked, lambda s: s.insert_many(SQL, values, chunked_sql, size), before
    )
    assert got == expected


def test_a_chunked_insert_repeats_the_values_group() -> None:
    sql = sqlite_rows.chunked_insert(sqlite_rows.INSERT_OUTCOME_LEAN, 3)
    head, group = sqlite_rows.INSERT_OUTCOME_LEAN.split(" VALUES ")
    assert sql == f"{head} VALUES {group}, {group}, {group}"
