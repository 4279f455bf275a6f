"""The write-behind flush on SQLite's own cursor: pre-built statements, tuple rows.

Why: flushing a replay's order path through SQLAlchemy's ``executemany`` spent more
time in per-row bind processing (type decorators, parameter dictionaries, compiled
statement set-up) than everything else an order costs. Here each table has one
hand-written ``INSERT``/``UPDATE`` and a function turning a domain object into the
exact tuple SQLAlchemy would have bound for it on SQLite:

* timestamps: naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's SQLite
  ``DATETIME`` storage format, what :class:`~.types.UtcDateTime` binds);
* decimals: ``str(value)`` (:class:`~.types.DecimalText` on SQLite: every digit and
  the exponent);
* JSON columns: :func:`~.codec.to_json` (sorted keys, compact);
* enums: their value.

The rows are written into the unit's open transaction on the same connection, so
durability and atomicity are SQLAlchemy's, unchanged. Only SQLite takes this path
(a replay's store is always a SQLite file); any other database keeps SQLAlchemy.
``tests/unit/adapters/test_sqlite_rows.py`` checks every column against what
SQLAlchemy writes for the same objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from json import encoder as json_encoder
from json.encoder import encode_basestring_ascii as _quoted
from operator import itemgetter
from typing import Any

from tradecore.adapters.sqlstore.codec import converter, to_json
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce

_INTENT_COLUMNS = (
    "client_order_id",
    "strategy_id",
    "symbol",
    "side",
    "attempt",
    "decision_key",
    "spec",
    "decided_at",
    "updated_at",
    "arrival_price",
    "expected_edge_bps",
    "execution_policy",
    "config_hash",
    "model_hash",
    "cost_model_hash",
    "status",
    "broker_order_id",
    "filled_qty",
    "filled_notional",
    "fees",
    "execution_ids",
    "reason",
    "parent_client_order_id",
    "version",
)
_FILL_COLUMNS = (
    "execution_id",
    "client_order_id",
    "symbol",
    "side",
    "qty",
    "price",
    "fee",
    "filled_at",
)
DECISION_COLUMNS = (
    "decision_id",
    "strategy_id",
    "symbol",
    "decided_at",
    "inputs_hash",
    "model_hash",
    "cost_model_hash",
    "config_hash",
    "details",
    "manifest_hash",
)
OUTCOME_COLUMNS = (
    "decision_id",
    "kind",
    "recorded_at",
    "client_order_id",
    "reason",
    "details",
)


def _insert(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" * len(columns))
    # Table and column names are this module's constants, never input.
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608  # nosec B608


INSERT_INTENT = _insert("intents", _INTENT_COLUMNS)
INSERT_FILL = _insert("fills", _FILL_COLUMNS)
INSERT_DECISION = _insert("decisions", DECISION_COLUMNS)
INSERT_OUTCOME = _insert("outcomes", OUTCOME_COLUMNS)
#: The intent's columns but its id, then the id and the version the row must have.
UPDATE_INTENT = (
    "UPDATE intents SET "  # noqa: S608 - column names are this module's constants  # nosec B608
    + ", ".join(f"{c} = ?" for c in _INTENT_COLUMNS if c != "client_order_id")
    + " WHERE client_order_id = ? AND version = ?"
)


Rows = list[tuple[Any, ...]]


def _with_nulls(sql: str, positions: tuple[int, ...]) -> str:
    """``sql`` (``?`` marks only) with its parameters at ``positions`` spelled
    ``NULL``: what binding ``None`` there stores."""
    parts = sql.split("?")
    marks = ["NULL" if p in positions else "?" for p in range(len(parts) - 1)]
    return parts[0] + "".join(
        m + part for m, part in zip(marks, parts[1:], strict=True)
    )


#: The intent's columns a replay leaves empty: no expected edge, no reason, no
#: parent (``IntentRows.insert`` drops them from a row that has none of them).
LEAN_INTENT_NULLS = (10, 21, 22)
#: The intent ``INSERT`` of such a row (those three spelled ``NULL``).
INSERT_INTENT_LEAN = _with_nulls(INSERT_INTENT, LEAN_INTENT_NULLS)
#: The outcome's reason (empty but for a skip or a refusal), and the outcome
#: ``INSERT`` of a row without one.
LEAN_OUTCOME_NULLS = (4,)
INSERT_OUTCOME_LEAN = _with_nulls(INSERT_OUTCOME, LEAN_OUTCOME_NULLS)
#: The full and the lean ``INSERT`` of each table, by the width of their rows.
INTENT_INSERTS = {
    len(_INTENT_COLUMNS): INSERT_INTENT,
    len(_INTENT_COLUMNS) - len(LEAN_INTENT_NULLS): INSERT_INTENT_LEAN,
}
OUTCOME_INSERTS = {
    len(OUTCOME_COLUMNS): INSERT_OUTCOME,
    len(OUTCOME_COLUMNS) - len(LEAN_OUTCOME_NULLS): INSERT_OUTCOME_LEAN,
}


#: Rows an ``INSERT`` of :func:`chunked_insert` takes (see ``Session.insert_many``).
CHUNK = 32
_CHUNKED: dict[tuple[str, int], str] = {}


def chunked_insert(sql: str, size: int = CHUNK) -> str:
    """The ``INSERT`` ``sql`` (one ``VALUES`` group) with its group ``size``
    times: ``size`` rows in one statement, in order. Kept (a flush's few
    statements)."""
    text = _CHUNKED.get((sql, size))
    if text is None:
        head, group = sql.split(" VALUES ", 1)
        text = _CHUNKED[sql, size] = f"{head} VALUES {', '.join([group] * size)}"
    return text


def runs_by_width(rows: Rows, statements: dict[int, str]) -> list[tuple[str, Rows]]:
    """``rows`` split, in order, into runs of one width, each with the statement
    of that width in ``statements`` (a lean row and a full row of a table)."""
    runs: list[tuple[str, Rows]] = []
    width = -1
    run: Rows = []
    for row in rows:
        if len(row) != width:
            width = len(row)
            run = []
            runs.append((statements[width], run))
        run.append(row)
    return runs


#: The intent columns every order of a replay fills with the very same objects:
#: strategy id, attempt, execution policy, the three hashes and the version.
SHARED_INTENT_COLUMNS = (1, 4, 11, 12, 13, 14, 23)
#: The decision columns likewise: strategy id, the three hashes and the manifest's.
SHARED_DECISION_COLUMNS = (1, 5, 6, 7, 9)
#: Text whose SQL literal (in quotes) stores what binding it stores: ASCII
#: letters, digits and a few marks (no quote, no NUL, no ``?``).
_LITERAL_TEXT = re.compile(r"[A-Za-z0-9_.:@/+ -]*")
_LITERAL_INT_END = 1 << 31


def sql_literal(value: object) -> str | None:
    """The SQL literal that stores exactly what binding ``value`` stores (the
    same storage class and value, the column's affinity applied alike), or
    ``None`` when there is none here: plain text, a small non-negative ``int``
    (not a ``bool``), ``None`` (``NULL``)."""
    if value is None:
        return "NULL"
    if type(value) is str and _LITERAL_TEXT.fullmatch(value) is not None:
        return f"'{value}'"
    if type(value) is int and 0 <= value < _LITERAL_INT_END:
        return str(value)
    return None


def _with_literals(sql: str, literals: dict[int, str]) -> str:
    """``sql`` (``?`` marks only) with its parameters at the keys of
    ``literals`` spelled as their values."""
    parts = sql.split("?")
    marks = [literals.get(p, "?") for p in range(len(parts) - 1)]
    return parts[0] + "".join(
        m + part for m, part in zip(marks, parts[1:], strict=True)
    )


class SharedColumns:
    """A table's columns that row after row hold the very same values, spelled
    into its ``INSERT`` as literals instead of bound on every row.

    Why: pysqlite and SQLite bind a parameter for about 650 instructions (the
    type checks, SQLite's copy of the text, its allocator's locks); every intent
    of a replay carries the same strategy id, attempt, policy, hashes and final
    version (seven columns), every decision the same strategy id and hashes
    (five). The first row whose shared values all have a literal
    (:func:`sql_literal`) fixes them (:meth:`adopt`) and adds their statement to
    :attr:`statements`, by the width of the rows it takes; a row holding those
    very objects (``is``: the same object binds the same value) is written by
    it without them (:meth:`IntentRows.new_row`, :func:`decision_inserts`), any
    other row by its own statement. The rows stored are the rows a plain
    ``executemany`` of the full ``INSERT`` stores
    (``tests/property/test_shared_literals.py``).
    """

    def __init__(
        self,
        sql: str,
        shared: tuple[int, ...],
        nulls: tuple[int, ...],
        statements: dict[int, str],
    ) -> None:
        """``sql``: the full ``INSERT``; ``shared``: the positions of the shared
        values; ``nulls``: positions the caller has found ``None`` (spelled
        ``NULL``, as :func:`_with_nulls`); ``statements``: the table's others,
        by width."""
        self._sql, self._shared, self._nulls = sql, shared, nulls
        self._get = itemgetter(*shared)
        #: The positions a row given to the shared statement keeps, in order.
        self.kept = tuple(
            p for p in range(sql.count("?")) if p not in shared and p not in nulls
        )
        if len(shared) < 2 or len(self.kept) in statements:
            raise ValueError("shared columns must leave a row of a width of its own")
        #: The table's statements by the width of their rows, this one's too
        #: once its values are fixed.
        self.statements = dict(statements)
        #: The shared values, once fixed (:meth:`adopt`), in ``shared`` order.
        self.values: tuple[Any, ...] | None = None

    def adopt(self, row: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """Fix ``row``'s shared values if each has a literal; return them (or
        ``None``: not fixed)."""
        values: tuple[Any, ...] = self._get(row)
        literals: dict[int, str] = dict.fromkeys(self._nulls, "NULL")
        for position, value in zip(self._shared, values, strict=True):
            literal = sql_literal(value)
            if literal is None:
                return None
            literals[position] = literal
        self.statements[len(self.kept)] = _with_literals(self._sql, literals)
        self.values = values
        return values


def _not_json(value: object) -> object:
    raise TypeError(f"{type(value).__name__} has no JSON form")


#: The C encoder :func:`~.codec.to_json` ends in (sorted keys, ``,``/``:``, ASCII, no
#: NaN), made once: ``JSONEncoder.encode`` builds one per call, which costs more than
#: encoding a spec. No circular-reference bookkeeping: rows hold no cycles, and one
#: would end in an error, which :func:`json_text` hands to ``to_json``.
_MAKE_ENCODER: Any = getattr(json_encoder, "c_make_encoder", None)  # CPython's _json
_ENCODE = (
    None
    if _MAKE_ENCODER is None
    else _MAKE_ENCODER(
        None,
        _not_json,
        json_encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        True,
        False,
        False,
    )
)
_PLAIN = (dict, list, tuple)


def json_text(value: object) -> str:
    """:func:`~.codec.to_json` of ``value``, the same text, without its set-up.

    JSON primitives are encoded as they are, anything else as the store's
    ``converter`` unstructures it (what ``to_json`` does). Whatever does not encode
    here goes to ``to_json`` itself, for its answer or its error. A decision key
    and a plain spec (every intent's) are spelled directly (:func:`_key_text`).
    """
    spell = _SPELLED.get(type(value))
    if spell is not None:
        text = spell(value)
        if text is not None:
            return text
    if _ENCODE is not None:
        try:
            data = value if type(value) in _PLAIN else converter.unstructure(value)
            return "".join(_ENCODE(data, 0))
        except (TypeError, ValueError, RecursionError):
            pass
    return to_json(value)


def _key_text(key: DecisionKey) -> str | None:
    """``to_json(key)`` spelled from its fields; ``None`` unless every field has
    its plain type (then the general encoder answers).

    Why: an intent's key and spec are encoded once per order, and unstructuring
    them and sorting their keys cost about three times the spelling. The text
    is the general one's: keys in sorted order, compact, strings escaped by the
    same function, a decimal as ``str``, a date as ``isoformat``, a str enum as
    its value (a property test holds the two equal).
    """
    qty, day, side, version = key.qty, key.session_date, key.side, key.version
    horizon, signal, strategy, symbol = (
        key.horizon,
        key.signal_hash,
        key.strategy_id,
        key.symbol,
    )
    if not (
        type(qty) is Decimal
        and type(day) is date
        and type(side) is Side
        and type(version) is int
        and type(horizon) is str
        and type(signal) is str
        and type(strategy) is str
        and type(symbol) is str
    ):
        return None
    day_text = _DATES.get(day)
    if day_text is None:
        day_text = _date_text(day)
    return (
        f'{{"horizon":{_quoted(horizon)},"qty":{_quoted(str(qty))},'
        f'"session_date":"{day_text}","side":{_quoted(side)},'
        f'"signal_hash":{_quoted(signal)},"strategy_id":{_quoted(strategy)},'
        f'"symbol":{_quoted(symbol)},"version":{version}}}'
    )


#: ``isoformat`` of recent session dates: every key of a session carries its date,
#: and ``date.isoformat`` formats through a general printf (about 4 K
#: instructions, a tenth of the key's text). Keyed by the (exact) date, which
#: alone decides the text; cleared when full.
_DATES: dict[date, str] = {}


def _date_text(day: date) -> str:
    """``day.isoformat()``, kept in :data:`_DATES`."""
    if len(_DATES) >= _STAMPS_KEPT:
        _DATES.clear()
    text = _DATES[day] = day.isoformat()
    return text


def _decimal_json(value: object) -> str | None:
    """An optional decimal as the general encoder spells it (``None``: not plain)."""
    if value is None:
        return "null"
    return _quoted(str(value)) if type(value) is Decimal else None


def _spec_text(spec: OrderSpec) -> str | None:
    """``to_json(spec)`` spelled from its fields, for a spec without a bracket, a
    trail or OCO (fields the general encoder leaves out at their defaults);
    ``None`` otherwise, or unless every field has its plain type (see
    :func:`_key_text`)."""
    symbol, side, kind = spec.symbol, spec.side, spec.order_type
    tif, extended = spec.time_in_force, spec.extended_hours
    if not (
        spec.bracket is None
        and spec.trail_price is None
        and spec.trail_percent is None
        and spec.oco is False
        and type(extended) is bool
        and type(symbol) is str
        and type(side) is Side
        and type(kind) is OrderType
        and type(tif) is TimeInForce
    ):
        return None
    # The absent prices (a market order has three) and a plain quantity are
    # spelled here; a call each to :func:`_decimal_json` cost more than that.
    limit_price, notional_value = spec.limit_price, spec.notional
    qty_value, stop_price = spec.qty, spec.stop_price
    if (
        limit_price is None
        and notional_value is None
        and stop_price is None
        and type(qty_value) is Decimal
    ):  # a plain market order (every order of a replay): its text is kept
        memo = (symbol, side._value_, kind._value_, tif._value_, extended)
        plain = (*memo, str(qty_value))
        text = _MARKET_SPECS.get(plain)
        return text if text is not None else _market_spec_text(plain)
    limit = "null" if limit_price is None else _decimal_json(limit_price)
    notional = "null" if notional_value is None else _decimal_json(notional_value)
    qty = (
        _quoted(str(qty_value))
        if type(qty_value) is Decimal
        else _decimal_json(qty_value)
    )
    stop = "null" if stop_price is None else _decimal_json(stop_price)
    if limit is None or notional is None or qty is None or stop is None:
        return None
    return (
        f'{{"bracket":null,"extended_hours":{"true" if extended else "false"},'
        f'"limit_price":{limit},"notional":{notional},"order_type":{_quoted(kind)},'
        f'"qty":{qty},"side":{_quoted(side)},"stop_price":{stop},'
        f'"symbol":{_quoted(symbol)},"time_in_force":{_quoted(tif)}}}'
    )


#: The text of recent plain market-order specs, by their symbol, side, type, time
#: in force, extended hours and quantity text (the spec's fields that are not
#: ``None``, as their values): what decides the text. Orders repeat them (one
#: symbol, side and size after another), and the spelling cost about half an
#: intent row's key and spec; cleared when full.
_MARKET_SPECS: dict[tuple[str, str, str, str, bool, str], str] = {}


def _market_spec_text(plain: tuple[str, str, str, str, bool, str]) -> str:
    """The text of a plain market-order spec of ``plain`` fields, kept."""
    symbol, side, kind, tif, extended, qty = plain
    if len(_MARKET_SPECS) >= _STAMPS_KEPT:
        _MARKET_SPECS.clear()
    text = _MARKET_SPECS[plain] = (
        f'{{"bracket":null,"extended_hours":{"true" if extended else "false"},'
        f'"limit_price":null,"notional":null,"order_type":{_quoted(kind)},'
        f'"qty":{_quoted(qty)},"side":{_quoted(side)},"stop_price":null,'
        f'"symbol":{_quoted(symbol)},"time_in_force":{_quoted(tif)}}}'
    )
    return text


_SPELLED: dict[type, Callable[[Any], str | None]] = {
    DecisionKey: _key_text,
    OrderSpec: _spec_text,
}


#: Texts of recent UTC instants: a replay writes the same bar time on many rows
#: (intent, fill, decision, outcome), a live order its decision's time on three.
#: Keyed by the instant, which alone decides the text; cleared when full.
_STAMPS: dict[datetime, str] = {}
_STAMPS_KEPT = 4096
#: ``"00"`` to ``"99"``, and the ``YYYY-MM-DD `` text of recent days by ordinal.
_TWO = tuple(f"{n:02d}" for n in range(100))
_DAYS: dict[int, str] = {}


def timestamp(value: datetime) -> str:
    """A UTC instant as SQLAlchemy's SQLite DATETIME text (naive UTC, microseconds).

    A plain UTC ``datetime`` (every timestamp a replay or a live order writes) is
    spelled from its fields, its day's text kept: the characters of
    ``isoformat(" ", "microseconds")`` without the offset, at under half the cost
    (``isoformat`` formats through a general printf; tests hold the two equal).
    """
    if type(value) is datetime and value.tzinfo is UTC:
        text = _STAMPS.get(value)
        if text is None:
            if len(_STAMPS) >= _STAMPS_KEPT:
                _STAMPS.clear()
            day = _DAYS.get(value.toordinal())
            if day is None:
                day = _day(value)
            two = _TWO
            text = _STAMPS[value] = (
                f"{day}{two[value.hour]}:{two[value.minute]}:{two[value.second]}"
                f".{value.microsecond:06d}"
            )
        return text
    if value.tzinfo is not UTC:
        if value.utcoffset() is None:
            raise InvalidInput("timestamp column", value, "naive timestamp; use UTC")
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}."
        f"{value.microsecond:06d}"
    )


def _day(value: datetime) -> str:
    """The ``YYYY-MM-DD `` text of ``value``'s day, kept (cleared when full)."""
    if len(_DAYS) >= _STAMPS_KEPT:
        _DAYS.clear()
    text = _DAYS[value.toordinal()] = (
        f"{value.year:04d}-{_TWO[value.month]}-{_TWO[value.day]} "
    )
    return text


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal column's text (:class:`~.types.DecimalText` on SQLite)."""
    if value is None:
        return None
    if not value.is_finite():
        raise InvalidInput("decimal column", value, "expected a finite Decimal")
    return str(value)


def intent_values(
    intent: OrderIntent,
    key_json: str,
    spec_json: str,
    time: Time = timestamp,
    decimal: Callable[[Decimal | None], Any] = decimal_text,
) -> list[Any]:
    """The ``intents`` row of ``intent`` in column order, given its decision key's
    and spec's JSON text (each caller keeps its own memo of those) and the
    dialect's bind rules for times and decimals (SQLite's by default; the live
    order path passes PostgreSQL's, :mod:`.hot_path`)."""
    spec, ids = intent.spec, intent.execution_ids
    return [
        intent.client_order_id,
        intent.decision_key.strategy_id,
        spec.symbol,
        spec.side.value,
        intent.attempt,
        key_json,
        spec_json,
        time(intent.decided_at),
        time(intent.updated_at),
        decimal(intent.arrival_price),
        intent.expected_edge_bps,
        intent.execution_policy,
        intent.config_hash,
        intent.model_hash,
        intent.cost_model_hash,
        intent.status.value,
        intent.broker_order_id,
        decimal(intent.filled_qty),
        decimal(intent.filled_notional),
        decimal(intent.fees),
        json_text(ids) if ids else "[]",
        intent.reason,
        intent.parent_client_order_id,
        intent.version,
    ]


class IntentRows:
    """Intent rows for SQLite, each spelled in one pass over the intent.

    Why: a replay writes each intent once per commit batch, in its final state
    (created, submitted and filled in between), so nothing is reused from one
    write to the next; what an intent row cost was its calls (the JSON dispatch,
    a call per timestamp and decimal column). :meth:`values` spells the plain
    columns inline and keeps the general functions (:func:`json_text`,
    :func:`timestamp`, :func:`decimal_text`) for any value that is not plainly
    typed; ``tests/property/test_store_row_shortcuts.py`` holds the row to
    :func:`intent_values` of the general texts.
    """

    def values(self, intent: OrderIntent) -> tuple[Any, ...]:
        """The row's values in ``_INTENT_COLUMNS`` order (:func:`intent_values`)."""
        key, spec, ids = intent.decision_key, intent.spec, intent.execution_ids
        key_json = _key_text(key) if type(key) is DecisionKey else None
        if key_json is None:
            key_json = json_text(key)
        spec_json = _spec_text(spec) if type(spec) is OrderSpec else None
        if spec_json is None:
            spec_json = json_text(spec)
        if not ids:
            ids_json = "[]"
        elif type(ids) is tuple and len(ids) == 1 and type(ids[0]) is str:
            ids_json = f"[{_quoted(ids[0])}]"  # one fill: the encoder's text
        else:
            ids_json = json_text(ids)
        stamps = _STAMPS
        decided, updated = intent.decided_at, intent.updated_at
        decided_text = (
            stamps.get(decided)
            if type(decided) is datetime and decided.tzinfo is UTC
            else None
        )
        if decided_text is None:
            decided_text = timestamp(decided)
        updated_text = (
            decided_text
            if updated is decided
            else stamps.get(updated)
            if type(updated) is datetime and updated.tzinfo is UTC
            else None
        )
        if updated_text is None:
            updated_text = timestamp(updated)
        arrival, filled_qty = intent.arrival_price, intent.filled_qty
        notional, fees = intent.filled_notional, intent.fees
        side, status = spec.side, intent.status
        return (
            intent.client_order_id,
            key.strategy_id,
            spec.symbol,
            side._value_ if type(side) is Side else side.value,
            intent.attempt,
            key_json,
            spec_json,
            decided_text,
            updated_text,
            str(arrival)
            if type(arrival) is Decimal and arrival.is_finite()
            else decimal_text(arrival),
            intent.expected_edge_bps,
            intent.execution_policy,
            intent.config_hash,
            intent.model_hash,
            intent.cost_model_hash,
            status._value_ if type(status) is IntentStatus else status.value,
            intent.broker_order_id,
            str(filled_qty)
            if type(filled_qty) is Decimal and filled_qty.is_finite()
            else decimal_text(filled_qty),
            str(notional)
            if type(notional) is Decimal and notional.is_finite()
            else decimal_text(notional),
            str(fees)
            if type(fees) is Decimal and fees.is_finite()
            else decimal_text(fees),
            ids_json,
            intent.reason,
            intent.parent_client_order_id,
            intent.version,
        )

    def __init__(self) -> None:
        """Rows with no shared intent values fixed yet (:class:`SharedColumns`)."""
        self._shared = SharedColumns(
            INSERT_INTENT, SHARED_INTENT_COLUMNS, LEAN_INTENT_NULLS, INTENT_INSERTS
        )
        #: The statements of :meth:`new_row`'s rows, by their width.
        self.statements = self._shared.statements

    def insert(self, intent: OrderIntent) -> tuple[Any, ...]:
        """The ``INSERT_INTENT`` parameters of ``intent`` (its :meth:`values`)."""
        return self.values(intent)

    def new_row(self, intent: OrderIntent) -> tuple[Any, ...]:
        """:meth:`insert_row`'s row, without its shared values too when it holds
        them (:class:`SharedColumns`); :attr:`statements` has its statement.

        The tests and the row are spelled out (``SHARED_INTENT_COLUMNS``'
        positions; ``kept`` those of the row): an item getter and a test per
        column cost about what the literals save.
        """
        values = self.values(intent)
        if values[10] is None and values[21] is None and values[22] is None:
            shared = self._shared.values
            if shared is None:
                shared = self._shared.adopt(values)
            if (
                shared is not None
                and values[1] is shared[0]
                and values[4] is shared[1]
                and values[11] is shared[2]
                and values[12] is shared[3]
                and values[13] is shared[4]
                and values[14] is shared[5]
                and values[23] is shared[6]
            ):
                return (
                    values[0],
                    values[2],
                    values[3],
                    *values[5:10],
                    *values[15:21],
                )
            return values[:10] + values[11:21] + values[23:]
        return values

    def insert_row(self, intent: OrderIntent) -> tuple[Any, ...]:
        """The ``INSERT_INTENT`` parameters of ``intent`` (:meth:`insert`), or the
        ``INSERT_INTENT_LEAN`` ones when its edge, reason and parent are all
        ``None`` (every order a replay places): those values left out, as that
        statement spells them ``NULL`` (:data:`INTENT_INSERTS`, by width).

        Why: pysqlite binds a ``None`` only after looking for an adapter for it
        (a tuple built, a dict look-up, a failed attribute look-up on its
        protocol class that formats an ``AttributeError``): about 3 K
        instructions each, more than the two slices here. A literal ``NULL``
        stores what a bound ``None`` stores (``tests/property/test_null_literals.py``).
        """
        values = self.values(intent)
        if values[10] is None and values[21] is None and values[22] is None:
            return values[:10] + values[11:21] + values[23:]
        return values

    def update(self, intent: OrderIntent, expected_version: int) -> tuple[Any, ...]:
        """The ``UPDATE_INTENT`` parameters: new values, id, version the row has."""
        values = self.values(intent)
        return (*values[1:], values[0], expected_version)


def fill_row(fill: Fill) -> tuple[Any, ...]:
    """The ``INSERT_FILL`` parameters of ``fill``.

    Plain decimals, a kept UTC instant's text and the side's value are read
    inline (a call each cost more than the read: ``Enum.value`` alone is two
    Python calls); anything else goes to :func:`decimal_text`,
    :func:`timestamp` and ``.value`` as before.
    """
    side, qty, price, fee, at = (
        fill.side,
        fill.qty,
        fill.price,
        fill.fee,
        fill.filled_at,
    )
    at_text = _STAMPS.get(at) if type(at) is datetime and at.tzinfo is UTC else None
    return (
        fill.execution_id,
        fill.client_order_id,
        fill.symbol,
        side._value_ if type(side) is Side else side.value,
        str(qty) if type(qty) is Decimal and qty.is_finite() else decimal_text(qty),
        str(price)
        if type(price) is Decimal and price.is_finite()
        else decimal_text(price),
        str(fee) if type(fee) is Decimal and fee.is_finite() else decimal_text(fee),
        timestamp(at) if at_text is None else at_text,
    )


Time = Callable[[datetime], Any]


#: The text of recent one-entry details of a str key and str value (an order's
#: submitted outcome is ``{"ack": "received"}``), by that pair; cleared when full.
_ONE_ENTRY: dict[tuple[str, str], str] = {}


def _details_text(details: object) -> str | None:
    """A plain dict's JSON straight from the C encoder (what :func:`json_text`
    does for one after its look-ups), a one-entry dict of text kept by its pair,
    a dict of string keys and values filled into its keys' template
    (:func:`_template`); ``None``: let ``json_text`` answer."""
    if type(details) is not dict or _ENCODE is None:
        return None
    pair = None
    if len(details) == 1:
        ((key, value),) = details.items()
        if type(key) is str and type(value) is str:
            pair = (key, value)
            text = _ONE_ENTRY.get(pair)
            if text is not None:
                return text
    else:
        keys = tuple(details)
        template = _TEMPLATES.get(keys)
        if template is None:
            template = _template(keys)
        if template:
            form, ordered = template
            try:  # every value a string, each quoted as the encoder does
                filled: str = form % ordered(tuple(map(_quoted, details.values())))
            except TypeError:
                pass  # a value of another kind: the encoder answers
            else:
                return filled
    try:
        text = "".join(_ENCODE(details, 0))
    except (TypeError, ValueError, RecursionError):
        return None
    if pair is not None:
        if len(_ONE_ENTRY) >= _STAMPS_KEPT:
            _ONE_ENTRY.clear()
        _ONE_ENTRY[pair] = text
    return text


#: ``%`` templates of the JSON of dicts of string values by their keys, in their
#: order, each with the getter putting the values in the template's order (``()``:
#: keys that take none); cleared when full.
_TEMPLATES: dict[tuple[object, ...], tuple[str, Callable[[Any], Any]] | tuple[()]] = {}


def _template(
    keys: tuple[object, ...],
) -> tuple[str, Callable[[Any], Any]] | tuple[()]:
    """The encoder's text of a dict with ``keys`` (strings), its values left as
    ``%s`` for their quoted texts in the encoder's order (the keys sorted), and
    the getter of the values in that order; ``()`` unless every key is a string.

    Why: a decision's details (four strings) cost the C encoder about 14 K
    instructions (its item sort and chunk list); filled in, a fifth less.
    """
    if len(_TEMPLATES) >= _STAMPS_KEPT:
        _TEMPLATES.clear()
    texts = [k for k in keys if isinstance(k, str) and type(k) is str]
    if len(texts) != len(keys) or len(keys) < 2:  # one entry: _ONE_ENTRY's
        _TEMPLATES[keys] = ()
        return ()
    order = sorted(range(len(texts)), key=texts.__getitem__)
    text = "{" + ",".join(_quoted(texts[i]).replace("%", "%%") + ":%s" for i in order)
    template = _TEMPLATES[keys] = (text + "}", itemgetter(*order))
    return template


def decision_row(record: DecisionRecord, time: Time = timestamp) -> tuple[Any, ...]:
    """The ``INSERT_DECISION`` parameters of ``record`` (``DECISION_COLUMNS``).

    ``time`` is the timestamp column's bind rule: SQLite's text here; the live
    order path passes PostgreSQL's (:mod:`.hot_path`), whose row is otherwise this.
    """
    at = record.decided_at
    at_text = (
        _STAMPS.get(at)
        if time is timestamp and type(at) is datetime and at.tzinfo is UTC
        else None
    )  # SQLite's kept text read inline, as in :func:`fill_row`
    details = _details_text(record.details)
    return (
        record.decision_id,
        record.strategy_id,
        record.symbol,
        time(at) if at_text is None else at_text,
        record.inputs_hash,
        record.model_hash,
        record.cost_model_hash,
        record.config_hash,
        json_text(record.details) if details is None else details,
        record.manifest_hash,
    )


def decision_inserts(
    records: list[DecisionRecord], shared: SharedColumns
) -> list[tuple[Any, ...]]:
    """The ``INSERT_DECISION`` parameters of each record (:func:`decision_row`),
    without the ``shared`` values where it holds them (``SHARED_DECISION_COLUMNS``'
    positions, spelled out as in :meth:`IntentRows.new_row`): ``shared.statements``
    has the statement of each row's width."""
    rows = []
    values = shared.values
    for record in records:
        row = decision_row(record)
        if values is None:
            values = shared.adopt(row)
        if (
            values is not None
            and row[1] is values[0]
            and row[5] is values[1]
            and row[6] is values[2]
            and row[7] is values[3]
            and row[9] is values[4]
        ):
            row = (row[0], row[2], row[3], row[4], row[8])
        rows.append(row)
    return rows


def outcome_insert(record: OutcomeRecord) -> tuple[Any, ...]:
    """The ``INSERT_OUTCOME`` parameters of ``record`` (:func:`outcome_row`), or
    the ``INSERT_OUTCOME_LEAN`` ones when it has no reason (its ``None`` left
    out, as that statement spells it ``NULL``: see :meth:`IntentRows.insert`)."""
    row = outcome_row(record)
    return row[:4] + row[5:] if row[4] is None else row


def outcome_row(record: OutcomeRecord, time: Time = timestamp) -> tuple[Any, ...]:
    """The ``INSERT_OUTCOME`` parameters of ``record`` (``OUTCOME_COLUMNS``;
    ``time`` as for :func:`decision_row`)."""
    kind, at = record.kind, record.recorded_at
    at_text = (
        _STAMPS.get(at)
        if time is timestamp and type(at) is datetime and at.tzinfo is UTC
        else None
    )  # as in :func:`decision_row`
    details = _details_text(record.details)
    return (
        record.decision_id,
        kind._value_ if type(kind) is OutcomeKind else kind.value,
        time(at) if at_text is None else at_text,
        record.client_order_id,
        record.reason,
        json_text(record.details) if details is None else details,
    )
