"""The write-behind flush's shared literals store what bound values store.

``SharedColumns`` spells the values a table's rows share (an intent's strategy
id, attempt, policy, hashes and version; a decision's strategy id and hashes)
into the ``INSERT`` once the first row fixes them, and gives it the rows that
hold those very objects without them. For any intents and decisions (the shared
fields the same objects, equal copies, text without a plain literal, other
types, ``None`` in a ``NOT NULL`` column, in any order), running the runs stores
exactly the rows (order, values, storage classes) a plain ``executemany`` of the
full ``INSERT`` of the full rows stores, and fails exactly when that fails; and
:func:`sql_literal`'s literal stores what binding the value stores, in a column
of every affinity.
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
from tradecore.domain.orders.records import DecisionRecord

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
SHARED_TEXT = "sma_cross_10_30"
#: An equal text that is another object: not "the very same" value.
EQUAL_COPY = "".join(["sma_cross", "_10_30"])
#: Values a shared column may hold instead of the run's own: an equal copy, texts
#: with no plain literal, other types, ``None``, other plain values.
ODD = st.sampled_from(
    [
        *(EQUAL_COPY, "", "market", "a'b", "q?", "é", "x\x00y", None, True, 1.5),
        *(1, 3, 0, 1 << 40, -1, 1.0, "1"),
    ]
)
#: An intent's shared values as a replay gives them (the same objects each row).
INTENT_SHARED = (SHARED_TEXT, 1, "market", "e5c9", "", "", 3)
#: A decision's likewise.
DECISION_SHARED = (SHARED_TEXT, "", "", "e5c9", "0254")


def _shared_values(base: tuple[Any, ...]) -> st.SearchStrategy[tuple[Any, ...]]:
    """``base``, mostly as it is, some of its values replaced by odd ones."""
    changes = st.lists(st.tuples(st.integers(0, len(base) - 1), ODD), max_size=2)

    def changed(pairs: list[tuple[int, Any]]) -> tuple[Any, ...]:
        values = list(base)
        for position, value in pairs:
            values[position] = value
        return tuple(values)

    return st.one_of(st.just(base), changes.map(changed))


EMPTY = st.one_of(st.none(), st.none(), st.none(), st.text(max_size=2))


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
    except (sqlite3.Error, OverflowError) as e:
        return type(e).__name__


def _same(
    table: Table,
    full: tuple[str, list[tuple[Any, ...]]],
    rows: list[tuple[Any, ...]],
    statements: dict[int, str],
) -> None:
    """``rows`` in their runs store the full rows (up to a failing row)."""
    plain, runs = _database(table), _database(table)
    expected = _outcome(lambda: [plain.executemany(*full).rowcount])
    got = _outcome(
        lambda: [
            runs.executemany(sql, run).rowcount
            for sql, run in sqlite_rows.runs_by_width(rows, statements)
        ]
    )
    assert got == expected
    assert _stored(runs, table) == _stored(plain, table)


def _intent(n: int, empty: tuple[Any, ...], shared: tuple[Any, ...]) -> OrderIntent:
    intent = make_intent()
    strategy, attempt, policy, config, model, cost, version = shared
    object.__setattr__(intent.decision_key, "strategy_id", strategy)
    changes = dict(
        zip(
            ("expected_edge_bps", "reason", "parent_client_order_id"),
            empty,
            strict=True,
        ),
        client_order_id=f"c-{n}",
        attempt=attempt,
        execution_policy=policy,
        config_hash=config,
        model_hash=model,
        cost_model_hash=cost,
        version=version,
    )
    for name, value in changes.items():
        object.__setattr__(intent, name, value)  # past the validators
    return intent


INTENT_FIELDS = st.tuples(
    st.tuples(
        st.one_of(st.none(), st.none(), st.floats(allow_nan=False)), EMPTY, EMPTY
    ),
    _shared_values(INTENT_SHARED),
)


@settings(max_examples=300)
@given(fields=st.lists(INTENT_FIELDS, max_size=8))
def test_shared_intent_literals_store_the_full_rows(
    fields: list[tuple[tuple[Any, ...], tuple[Any, ...]]],
) -> None:
    intents = [_intent(n, *f) for n, f in enumerate(fields)]
    rows = sqlite_rows.IntentRows()
    _same(
        t.intents,
        (sqlite_rows.INSERT_INTENT, [rows.values(i) for i in intents]),
        [rows.new_row(i) for i in intents],
        rows.statements,
    )


def _decision(n: int, shared: tuple[Any, ...]) -> DecisionRecord:
    record = DecisionRecord(
        decision_id=f"d-{n}",
        strategy_id="s",
        symbol="AAPL",
        decided_at=T0,
        inputs_hash="i",
        config_hash="c",
        details={"n": str(n)},
    )
    names = ("strategy_id", "model_hash", "cost_model_hash", "config_hash")
    for name, value in zip((*names, "manifest_hash"), shared, strict=True):
        object.__setattr__(record, name, value)  # past the validators
    return record


@settings(max_examples=300)
@given(
    fields=st.lists(_shared_values(DECISION_SHARED), max_size=8),
)
def test_shared_decision_literals_store_the_full_rows(
    fields: list[tuple[Any, ...]],
) -> None:
    decisions = [_decision(n, f) for n, f in enumerate(fields)]
    shared = sqlite_rows.SharedColumns(
        sqlite_rows.INSERT_DECISION,
        sqlite_rows.SHARED_DECISION_COLUMNS,
        (),
        {len(sqlite_rows.DECISION_COLUMNS): sqlite_rows.INSERT_DECISION},
    )
    full = [sqlite_rows.decision_row(d) for d in decisions]
    _same(
        t.decisions,
        (sqlite_rows.INSERT_DECISION, full),
        sqlite_rows.decision_inserts(decisions, shared),
        shared.statements,
    )


AFFINITIES = ("TEXT", "INTEGER", "NUMERIC", "REAL", "BLOB", "DATETIME", "VARCHAR(8)")


@settings(max_examples=300)
@given(
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1),
        st.floats(allow_nan=False),
        st.text(max_size=6),
        st.from_regex(r"[0-9a-f.e+ -]{0,8}", fullmatch=True),
    )
)
def test_a_literal_stores_what_binding_stores(value: Any) -> None:
    literal = sqlite_rows.sql_literal(value)
    if literal is None:
        return
    columns = ", ".join(f"c{n} {a}" for n, a in enumerate(AFFINITIES))
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute(f"CREATE TABLE v (k INTEGER, {columns})")
    names = ", ".join(f"c{n}" for n in range(len(AFFINITIES)))
    bound = ", ".join("?" * len(AFFINITIES))
    spelled = ", ".join([literal] * len(AFFINITIES))
    connection.execute(
        f"INSERT INTO v (k, {names}) VALUES (1, {bound})",  # nosec B608
        [value] * len(AFFINITIES),
    )
    connection.execute(f"INSERT INTO v (k, {names}) VALUES (2, {spelled})")  # nosec B608
    typed = ", ".join(f"c{n}, typeof(c{n})" for n in range(len(AFFINITIES)))
    first, second = connection.execute(
        f"SELECT {typed} FROM v ORDER BY k"  # nosec B608
    ).fetchall()
    assert first == second
