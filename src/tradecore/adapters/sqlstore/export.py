"""Stream a finished replay's order-path tables out of its SQLite file, row by row.

Why: a replay's report (CSV tables, counts, the blotter preview) used to read every
fill, decision and outcome back as domain objects and keep them all, so the end of
a long run needed memory in proportion to its orders. Here the rows come straight
from the driver's cursor, in the store's own orders, as plain values (decimals as
:class:`~decimal.Decimal`, timestamps as aware UTC datetimes, JSON columns as
text), a batch at a time; nothing holds more than one batch.

The file is opened read-only: the replay's store is closed by then.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from datetime import UTC, datetime
from decimal import Decimal
from itertools import compress
from pathlib import Path
from typing import Any

from tradecore.adapters.sqlstore.sqlite_ddl import SQLITE_DDL

_BATCH = 5_000

#: The SELECT of each export, in the order the store's repositories return rows.
_QUERIES = {
    "fills": (
        "SELECT filled_at, symbol, side, qty, price, fee, client_order_id, "
        "execution_id FROM fills ORDER BY filled_at, id"
    ),
    "decisions": (
        "SELECT decision_id, decided_at, strategy_id, symbol, inputs_hash, "
        "config_hash, details FROM decisions ORDER BY decided_at, decision_id"
    ),
    "outcomes": (
        "SELECT o.decision_id, o.kind, o.reason, o.client_order_id, o.recorded_at "
        "FROM outcomes o JOIN decisions d ON o.decision_id = d.decision_id "
        "ORDER BY d.decided_at, d.decision_id"
    ),
    "orders": (
        "SELECT client_order_id, decided_at, updated_at, strategy_id, symbol, side, "
        "status, spec, arrival_price, filled_qty, filled_notional, fees, "
        "execution_policy, reason, parent_client_order_id, broker_order_id "
        "FROM intents ORDER BY decided_at, client_order_id"
    ),
}
_COUNTS = {
    "fills": "SELECT count(*) FROM fills",
    "decisions": "SELECT count(*) FROM decisions",
    "outcomes": "SELECT count(*) FROM outcomes",
    "intents": "SELECT count(*) FROM intents",
    "orders": "SELECT count(*) FROM intents",
}
#: Columns holding exact decimals (stored as text on SQLite) and UTC timestamps.
_DECIMALS = frozenset(
    {"qty", "price", "fee", "arrival_price", "filled_qty", "filled_notional", "fees"}
)
_TIMES = frozenset({"filled_at", "decided_at", "recorded_at", "updated_at"})


def _connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


#: The connection every export of a file shares while :func:`reading` it, by
#: (thread, file): a connection serves the thread that opened it only.
_READING: dict[tuple[int, Path], sqlite3.Connection] = {}


@contextmanager
def reading(db: Path) -> Iterator[None]:
    """Within the block, every export of ``db`` (in this thread) reads through one
    read-only connection; nested blocks share the outer one.

    Why: a replay's end reads its file a dozen times (counts, tables, columns),
    and a connection each parsed the schema and filled a page cache of its own
    every time. Whatever reads a table must finish inside the block (a generator
    resumed after it would find the connection closed).
    """
    key = (threading.get_ident(), db)
    if key in _READING:
        yield
        return
    connection = _connect(db)
    _READING[key] = connection
    try:
        yield
    finally:
        del _READING[key]
        connection.close()


def _open(db: Path) -> AbstractContextManager[sqlite3.Connection]:
    """The shared connection to ``db`` while :func:`reading` it, else a new one
    closed when the block ends."""
    shared = _READING.get((threading.get_ident(), db))
    return nullcontext(shared) if shared is not None else closing(_connect(db))


def seal(db: Path) -> bool:
    """Fold a closed store's write-ahead log into ``db``: one self-contained file.

    Why: a WAL database opened read-only (as every export here opens it) makes its
    ``-wal`` and ``-shm`` files and, being read-only, cannot remove them when it
    closes; so a finished replay's folder kept two side files after every report.
    In rollback-journal mode a read-only open creates nothing. The store sets WAL
    again whenever it opens the file (``--resume``, the ops commands).

    Returns whether ``db`` is now a single file: False when another connection
    still holds it (SQLite refuses the switch, "database is locked", and keeps WAL
    mode: nothing is lost either way).
    """
    with closing(sqlite3.connect(db)) as connection:
        try:
            mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError:
            return False
    return str(mode).lower() == "delete"


def count(db: Path, table: str, *, status: str | None = None) -> int:
    """Rows of ``table`` (``intents`` may be narrowed to one ``status``)."""
    query = _COUNTS[table]
    args: tuple[str, ...] = ()
    if status is not None:
        query, args = "SELECT count(*) FROM intents WHERE status = ?", (status,)
    with _open(db) as connection:
        return int(connection.execute(query, args).fetchone()[0])


def columns(db: Path, table: str) -> list[str]:
    """The column names :func:`rows` gives for ``table``, in order."""
    with _open(db) as connection:
        cursor = connection.execute(_QUERIES[table] + " LIMIT 0")
        return [d[0] for d in cursor.description]


def rows(db: Path, table: str, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Yield the rows of ``table`` (fills, decisions, outcomes, orders) as typed dicts."""
    query = _QUERIES[table] + ("" if limit is None else f" LIMIT {int(limit)}")
    with _open(db) as connection:
        cursor = connection.execute(query)
        names = [d[0] for d in cursor.description]
        # Only the decimal and time columns change on the way: the rest are
        # taken as the driver gives them, a whole row at a time.
        typed = [
            (name, at, _converter(name))
            for at, name in enumerate(names)
            if _converter(name) is not _same
        ]
        while batch := cursor.fetchmany(_BATCH):
            for values in batch:
                row = dict(zip(names, values, strict=True))
                for name, at, fn in typed:
                    row[name] = fn(values[at])
                yield row


def tuples(db: Path, table: str) -> Iterator[tuple[Any, ...]]:
    """Yield the raw rows of ``table`` as the driver gives them (text, no conversion).

    For writers that spell every cell anyway (the report's CSV tables): building a
    typed dict per row only to turn it back into text would cost more than the write.
    """
    for batch in batches(db, table):
        yield from batch


def batches(db: Path, table: str) -> Iterator[list[tuple[Any, ...]]]:
    """:func:`tuples`, a batch of rows at a time (for writers that spell a batch's
    columns at once)."""
    with _open(db) as connection:
        cursor = connection.execute(_QUERIES[table])
        while batch := cursor.fetchmany(_BATCH):
            yield batch


#: The decisions' export with each decision's outcome beside it (NULLs where
#: it has none): the decisions' own columns and order, then the outcomes'
#: export's columns (:func:`decisions_with_outcomes`).
_DECISIONS_WITH_OUTCOMES = (
    "SELECT d.decision_id, d.decided_at, d.strategy_id, d.symbol, d.inputs_hash, "
    "d.config_hash, d.details, o.decision_id, o.kind, o.reason, o.client_order_id, "
    "o.recorded_at FROM decisions d LEFT JOIN outcomes o "
    "ON o.decision_id = d.decision_id ORDER BY d.decided_at, d.decision_id"
)
#: The store's own decisions and outcomes tables, as SQLite keeps their CREATE
#: texts, by name.
_OWN_TABLES = {
    name: text.strip()
    for text in SQLITE_DDL
    for name in ("decisions", "outcomes")
    if text.strip().startswith(f"CREATE TABLE {name} (")
}


def one_outcome_a_decision(db: Path) -> bool:
    """Whether ``db``'s decisions and outcomes tables are the store's own (SQLite
    keeps the text each was created by, and any change to a table changes that
    text): each one's primary key is the decision id, NOT NULL text compared
    byte for byte, so no decision comes twice nor has two outcomes."""
    with _open(db) as connection:
        found = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name IN ('decisions', 'outcomes')"
        ).fetchall()
    return {name: str(sql).strip() for name, sql in found} == _OWN_TABLES


def decisions_with_outcomes(
    db: Path,
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Each batch of the decisions' export (:func:`batches`) as its columns, with
    the columns of the outcomes' export's rows of those decisions, in order.

    Why: the outcomes' export reads the decisions again (joined, for their
    order), about 15K instructions an outcome; beside the decisions, an
    outcome costs about 9K. For a file whose outcomes are one a decision at
    most (:func:`one_outcome_a_decision`; callers ask first): each decision
    comes once, in the decisions' order, and the decisions with an outcome
    (its decision id, never NULL, read beside it) give the outcomes' export's
    rows in its order (the same joined rows, the same total order).
    """
    with _open(db) as connection:
        cursor = connection.execute(_DECISIONS_WITH_OUTCOMES)
        while batch := cursor.fetchmany(_BATCH):
            columns = list(zip(*batch, strict=True))
            decisions, outcomes = columns[:7], columns[7:]
            if None in outcomes[0]:  # decisions without an outcome
                kept = [value is not None for value in outcomes[0]]
                outcomes = [tuple(compress(c, kept)) for c in outcomes]
            yield decisions, outcomes


def column(db: Path, table: str, name: str) -> Iterator[Any]:
    """Yield column ``name`` of ``table`` as the driver gives it, in :func:`rows` order.

    Only that column is read (a report's tally needs one): the query is the
    export's own with one expression selected, and every export's ORDER BY is a
    total order (it ends with a unique key), so the rows come in the same order.

    Raises:
        ValueError: ``table``'s export has no column ``name``.
    """
    for (value,) in column_tuples(db, table, (name,)):
        yield value


def tally(db: Path, table: str, name: str, where: str, equals: str) -> list[Any]:
    """Column ``name`` of the rows of ``table``'s export whose column ``where``
    holds ``equals``: each distinct stored value with its count, in no order.

    Why: a summary counting the few skipped outcomes' reasons read both columns
    of every outcome, a string per value from the driver. Values group by their
    storage type and value (SQLite's ``=``: text byte for byte), so values that
    spell alike in Python could only come apart, never together, except reals
    that are zero (``0.0``, ``-0.0``).

    Raises:
        ValueError: ``table``'s export has no column ``name`` or ``where``.
    """
    select, rest = _QUERIES[table].split(" FROM ", 1)
    source = rest.split(" ORDER BY ", 1)[0]
    value, test = _expressions(table, select, (name, where))
    with _open(db) as connection:
        query = (
            f"SELECT {value}, count(*) FROM {source} WHERE {test} = ? "  # noqa: S608 - this module's constants  # nosec B608
            f"GROUP BY typeof({value}), {value}"
        )
        return connection.execute(query, (equals,)).fetchall()


def counts(db: Path, table: str, name: str) -> list[Any]:
    """Each distinct stored value of column ``name`` of ``table``'s export with
    its count, in no order.

    Why: a report tallying the outcomes by kind read the column of every outcome,
    a string per row from the driver, to count a handful of values. Values group
    by their storage type and value (SQLite's ``=``: text byte for byte), so
    values that spell alike in Python could only come apart, never together,
    except reals that are zero (``0.0``, ``-0.0``): a reader spelling reals
    counts those itself.

    Raises:
        ValueError: ``table``'s export has no column ``name``.
    """
    select, rest = _QUERIES[table].split(" FROM ", 1)
    source = rest.split(" ORDER BY ", 1)[0]
    (value,) = _expressions(table, select, (name,))
    with _open(db) as connection:
        query = (
            f"SELECT {value}, count(*) FROM {source} "  # noqa: S608 - this module's constants  # nosec B608
            f"GROUP BY typeof({value}), {value}"
        )
        return connection.execute(query).fetchall()


def any_holding(db: Path, table: str, name: str, needles: Sequence[str]) -> bool:
    """Whether any row of ``table``'s export has column ``name`` stored as other
    than text, or as text holding one of ``needles`` (``instr``: byte for byte,
    as ``in`` finds it in the text the driver would give).

    Why: a report section that parses only the values holding a word read the
    whole column (sorted, a string per row) to learn that none does.

    Raises:
        ValueError: ``table``'s export has no column ``name``.
    """
    select, rest = _QUERIES[table].split(" FROM ", 1)
    source = rest.split(" ORDER BY ", 1)[0]
    (value,) = _expressions(table, select, (name,))
    tests = "".join(f" OR instr({value}, ?) > 0" for _ in needles)
    query = (
        f"SELECT EXISTS (SELECT 1 FROM {source} WHERE typeof({value}) != 'text'{tests})"  # noqa: S608 - this module's constants  # nosec B608
    )
    with _open(db) as connection:
        return bool(connection.execute(query, tuple(needles)).fetchone()[0])


def _expressions(table: str, select: str, names: Sequence[str]) -> list[str]:
    """The SELECT expressions of ``table``'s export giving columns ``names``."""
    expressions = select.removeprefix("SELECT ").split(", ")
    chosen = []
    for name in names:
        found = [e for e in expressions if e.rsplit(".", 1)[-1] == name]
        if not found:
            raise ValueError(f"the {table} export has no column {name!r}")
        chosen.append(found[0])
    return chosen


def column_tuples(
    db: Path, table: str, names: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """Yield columns ``names`` of ``table`` together, a tuple per row, as
    :func:`column` yields each (one read for a tally that needs two columns).

    Raises:
        ValueError: ``table``'s export has no column of one of ``names``.
    """
    for batch in column_batches(db, table, names):
        yield from batch


def column_batches(
    db: Path, table: str, names: Sequence[str]
) -> Iterator[list[tuple[Any, ...]]]:
    """:func:`column_tuples`, a batch of rows at a time (for readers that take a
    batch's columns at once).

    Raises:
        ValueError: ``table``'s export has no column of one of ``names``.
    """
    select, rest = _QUERIES[table].split(" FROM ", 1)
    chosen = _expressions(table, select, names)
    with _open(db) as connection:
        query = f"SELECT {', '.join(chosen)} FROM {rest}"  # noqa: S608 - this module's constants  # nosec B608
        cursor = connection.execute(query)
        while batch := cursor.fetchmany(_BATCH):
            yield batch


def iso_utc(text: str) -> str:
    """SQLite's naive UTC text as the ISO form of the aware datetime it stands for.

    The store's own form (``2024-01-02 15:00:00.000000``) is respelled as text once
    it parses (a report spells a time per row: a datetime round trip each costs
    several times more); any other form goes through the datetime.
    """
    if _is_stored_form(text):
        datetime.fromisoformat(text)  # as strict as the round trip: it must parse
        return _stored_iso(text)
    return utc(text).isoformat()


def iso_utc_typed(text: str, moment: datetime) -> str:
    """:func:`iso_utc` of ``text``, given ``moment``, what :func:`utc` gave for it.

    Why: a reader that types a time and also spells it (a replay's fills, copied
    while read) need not parse it twice: :func:`utc` giving a time means the text
    parses, and the ``isoformat`` of an aware time costs more than respelling the
    store's own form.
    """
    return _stored_iso(text) if _is_stored_form(text) else moment.isoformat()


def _stored_iso(text: str) -> str:
    """The ISO form of a text of the store's naive form that parses."""
    fraction = text[19:]
    fraction = "" if fraction == _NO_FRACTION else fraction
    return f"{text[:10]}T{text[11:19]}{fraction}+00:00"


def is_decimal_column(name: str) -> bool:
    """Whether ``name`` holds an exact decimal (stored as text on SQLite)."""
    return name in _DECIMALS


def is_time_column(name: str) -> bool:
    """Whether ``name`` holds a UTC timestamp (naive text on SQLite)."""
    return name in _TIMES


def _converter(name: str) -> Any:
    if name in _DECIMALS:
        return _decimal
    if name in _TIMES:
        return utc
    return _same


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _same(value: object) -> object:
    return value


#: Parsed timestamps by text. The exports read rows in time order, so a few
#: thousand recent ones catch nearly every repeat; a run's worth (a bar's minute
#: each, 100,000 and more) would hold tens of MB through the report.
_TIMESTAMPS: dict[str, datetime] = {}
_TIMESTAMPS_KEPT = 4_096


def utc(text: str) -> datetime:
    """SQLite's naive UTC text as an aware datetime (many rows share a bar's time).

    What :func:`rows` gives for a timestamp column, for readers of :func:`tuples`.
    """
    found = _TIMESTAMPS.get(text)
    if found is None:
        if len(_TIMESTAMPS) >= _TIMESTAMPS_KEPT:
            _TIMESTAMPS.clear()
        if _is_stored_form(text):  # parsed aware: no replace() per text
            found = datetime.fromisoformat(text + "+00:00")
        else:
            found = datetime.fromisoformat(text).replace(tzinfo=UTC)
        _TIMESTAMPS[text] = found
    return found


#: The fraction ``isoformat`` leaves out.
_NO_FRACTION = ".000000"
#: Whether a text has the store's naive ``YYYY-MM-DD HH:MM:SS.ffffff`` shape
#: (ASCII digits only, no offset), as a regular expression answers.
_matches_stored_form = re.compile(
    r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}", re.ASCII
).fullmatch
#: ASCII digits as ``d``, and ``d`` itself as ``x`` (so a ``d`` in a text never
#: passes for a digit); every other byte as it is.
_DIGITS_AS_D = bytes.maketrans(b"0123456789d", b"ddddddddddx")
_STORED_SHAPE = b"dddd-dd-dd dd:dd:dd.dddddd"


def _is_stored_form(text: str) -> bool:
    """Whether ``text`` has the store's naive ``YYYY-MM-DD HH:MM:SS.ffffff``
    shape (ASCII digits only, no offset): such a text parses naive or not at all.

    Why: a replay's report asks it twice of each distinct fill time (typing it,
    spelling it), and the regular expression (:data:`_matches_stored_form`)
    cost about 1.3K instructions a call more than one ``bytes.translate`` of
    an ASCII text compared with the shape (about 2K instructions an order).
    Anything but an ASCII ``str`` gets the expression's answer, or its error.
    """
    if type(text) is str and text.isascii():
        return text.encode("ascii").translate(_DIGITS_AS_D) == _STORED_SHAPE
    return _matches_stored_form(text) is not None


_utc = utc  # the name it had before it was public
