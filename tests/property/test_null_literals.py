"""The write-behind flush's lean rows store what the full rows store.

``IntentRows.insert_row`` leaves an intent's edge, reason and parent out of its
row when all three are ``None``, and ``outcome_insert`` an outcome's reason, for
the lean ``INSERT`` that spells them ``NULL``; ``runs_by_width`` gives each run of
rows its statement. For any intents and outcomes (those fields empty or not, in
any order, a ``None`` in a ``NOT NULL`` column too), running the runs stores
exactly the rows (order, values, storage classes) a plain ``executemany`` of the
full ``INSERT`` of the full rows stores, and fails exactly when that fails.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateTable

from tests.factories import intent as make_intent
from tradecore.adapters.sqlstore import sqlite_rows
from tradecore.adapters.sqlstore import tables as t
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.records import OutcomeKind, OutcomeRecord

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
TEXT = st.one_of(st.none(), st.none(), st.text(max_size=3))
EDGE = st.one_of(st.none(), st.none(), st.floats(allow_nan=False))


def _database(table: Table) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute(str(CreateTable(table).compile(dialect=sqlite.dialect())))
    return connection


def _stored(connection: sqlite3.Connection, table: Table) -> list[tuple[Any, ...]]:
    typed = ", ".join(f"{c.name}, typeof({c.name})" for c in table.c)
    sql = f"SELECT rowid, {typed} FROM {table.name} ORDER BY rowid"  # nosec B608
    return connection.execute(sql).fetchall()


def _outcome(run: Any) -> int | str:
    try:
        return sum(run())
    except sqlite3.Error as e:
        return type(e).__name__


def _same(
    table: Table,
    full: tuple[str, list[tuple[Any, ...]]],
    lean: list[tuple[Any, ...]],
    statements: dict[int, str],
) -> None:
    """The lean rows in their runs store the full rows (up to a failing row)."""
    plain, runs = _database(table), _database(table)
    expected = _outcome(lambda: [plain.executemany(*full).rowcount])
    got = _outcome(
        lambda: [
            runs.executemany(sql, run).rowcount
            for sql, run in sqlite_rows.runs_by_width(lean, statements)
        ]
    )
    assert got == expected
    assert _stored(runs, table) == _stored(plain, table)


def _intent(n: int, edge: Any, reason: Any, parent: Any, blank: bool) -> OrderIntent:
    intent = make_intent()
    changes = {
        "client_order_id": f"c-{n}",
        "expected_edge_bps": edge,
        "reason": reason,
        "parent_client_order_id": parent,
    }
    if blank:  # a NOT NULL column: both ways refuse the row
        changes["execution_policy"] = None
    for name, value in changes.items():
        object.__setattr__(intent, name, value)  # past the validators
    return intent


@settings(max_examples=200)
@given(
    fields=st.lists(
        st.tuples(EDGE, TEXT, TEXT, st.sampled_from([False] * 9 + [True])),
        max_size=8,
    )
)
def test_lean_intent_rows_store_the_full_rows(
    fields: list[tuple[Any, Any, Any, bool]],
) -> None:
    intents = [_intent(n, *f) for n, f in enumerate(fields)]
    rows = sqlite_rows.IntentRows()
    _same(
        t.intents,
        (sqlite_rows.INSERT_INTENT, [rows.values(i) for i in intents]),
        [rows.insert_row(i) for i in intents],
        sqlite_rows.INTENT_INSERTS,
    )


@settings(max_examples=200)
@given(reasons=st.lists(TEXT, max_size=8))
def test_lean_outcome_rows_store_the_full_rows(reasons: list[str | None]) -> None:
    outcomes = [
        OutcomeRecord(
            decision_id=f"d-{n}",
            kind=OutcomeKind.SKIPPED if reason else OutcomeKind.SUBMITTED,
            recorded_at=T0,
            client_order_id=None if reason else f"c-{n}",
            reason=reason,
            details={"n": n},
        )
        for n, reason in enumerate(reasons)
    ]
    _same(
        t.outcomes,
        (sqlite_rows.INSERT_OUTCOME, [sqlite_rows.outcome_row(o) for o in outcomes]),
        [sqlite_rows.outcome_insert(o) for o in outcomes],
        sqlite_rows.OUTCOME_INSERTS,
    )


def test_the_lean_statements_spell_null_for_the_left_out_columns() -> None:
    """What the lean rows leave out is what the lean statements spell ``NULL``."""
    for full, lean, nulls in (
        (
            sqlite_rows.INSERT_INTENT,
            sqlite_rows.INSERT_INTENT_LEAN,
            sqlite_rows.LEAN_INTENT_NULLS,
        ),
        (
            sqlite_rows.INSERT_OUTCOME,
            sqlite_rows.INSERT_OUTCOME_LEAN,
            sqlite_rows.LEAN_OUTCOME_NULLS,
        ),
    ):
        marks = full.split("VALUES (")[1].rstrip(")").split(", ")
        lean_marks = lean.split("VALUES (")[1].rstrip(")").split(", ")
        assert lean.split("VALUES")[0] == full.split("VALUES")[0]
        assert [i for i, m in enumerate(lean_marks) if m == "NULL"] == list(nulls)
        assert len(lean_marks) == len(marks)
