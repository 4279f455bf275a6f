"""The durable order path on the raw DBAPI cursor: pre-compiled SQL, hand-made rows.

Every live order pays for four intent/broker-order statements and two commits
(``OrderManager.place``); through SQLAlchemy's execution machinery and cattrs each of
them cost several times the database's own work (issue 18: the path ran at ~3x the
bare commits). Here the same statements are compiled once per dialect *by
SQLAlchemy* (so the SQL is exactly what the Core constructs say) and then run on the
raw DBAPI cursor with positional parameters; rows are built by hand, straight in
the statement's parameter order (tuples or lists, no dict per row), with SQLite's
bind rules shared with the replay's flush (:mod:`.sqlite_rows`).

What stays the same: the statements, the columns and the values written (the
column types' bind and result rules of :mod:`.types` are repeated here and in
:mod:`.sqlite_rows`, once per dialect), the transaction (one per unit of work:
:class:`.session.Session` begins and ends it on the driver, or hands it to a
SQLAlchemy connection made over the same DBAPI connection when another statement
needs one), the validation of what is written (the records' ``attrs`` validators,
run whenever the plain checks here are not sure; spec and decision key on first
encoding) and the errors (a DBAPI error goes through SQLAlchemy's handler and the
store's translation; a row the fast decoder cannot read is decoded again by
:func:`codec.intent_from_row`, which raises the usual ``InvalidInput``).

Pure functions of rows and values, no repository state: the write-behind flush may
reuse them.
"""

from __future__ import annotations

import contextlib
import json
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any, TypeVar

import attrs
from sqlalchemy import bindparam, literal_column, select
from sqlalchemy.engine import Dialect

from tradecore.adapters.sqlstore import codec, plain_checks, sqlite_rows
from tradecore.adapters.sqlstore import tables as t
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import TERMINAL, IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.validation import SYMBOL_RE
from tradecore.ports.store_records import BrokerOrderRecord

_I = t.intents
#: The ``intents`` columns in table order: the order of every SELECT here.
INTENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in _I.c)
T = TypeVar("T")
_STATUSES: dict[str, IntentStatus] = {s.value: s for s in IntentStatus}
_SIDES = {s.value: s for s in Side}
_ZERO = Decimal(0)


# --- statements ---------------------------------------------------------------------


@attrs.frozen
class Compiled:
    """One statement's SQL for the raw driver and the order of its parameters."""

    sql: str
    names: tuple[str, ...]
    _pick: Callable[[Mapping[str, Any]], Any] = attrs.field(
        init=False, repr=False, eq=False
    )

    @_pick.default
    def _picker(self) -> Callable[[Mapping[str, Any]], Any]:
        if len(self.names) == 1:  # itemgetter of one name returns the bare value
            (name,) = self.names
            return lambda values: (values[name],)
        return itemgetter(*self.names) if self.names else lambda _: ()

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The positional parameters, taken from ``values`` by name."""
        return self._pick(values)  # type: ignore[no-any-return]


def _raw_dialect(name: str) -> Dialect:
    """A dialect compiling to the driver's positional paramstyle (``?`` / ``%s``);
    each imported when asked for, so a SQLite run never imports PostgreSQL's."""
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.psycopg.dialect(paramstyle="format")  # type: ignore[no-untyped-call]
    from sqlalchemy.dialects import sqlite

    return sqlite.pysqlite.dialect(paramstyle="qmark")


def compile_positional(statement: Any, dialect_name: str) -> Compiled:
    """Compile a Core statement once, for the raw cursor of ``dialect_name``."""
    compiled = statement.compile(dialect=_raw_dialect(dialect_name))
    return Compiled(sql=str(compiled), names=tuple(compiled.positiontup or ()))


@cache
def select_intent(dialect_name: str) -> Compiled:
    """``SELECT <every column> FROM intents WHERE client_order_id = ?``."""
    stmt = select(_I).where(_I.c.client_order_id == bindparam("key"))
    return compile_positional(stmt, dialect_name)


@cache
def select_intents_among(dialect_name: str) -> str:
    """One SELECT for any number of client order ids (one parameter: all of them).

    SQLite expands a JSON array with ``json_each``, PostgreSQL binds a text array:
    one statement however many ids, and the primary key answers both.
    """
    columns = ", ".join(INTENT_COLUMNS)
    if dialect_name == "postgresql":
        where = "client_order_id = ANY(%s)"
    else:
        where = "client_order_id IN (SELECT value FROM json_each(?))"
    return f"SELECT {columns} FROM intents WHERE {where}"  # noqa: S608 - no input  # nosec B608


@cache
def select_statuses_among(dialect_name: str) -> str:
    """Like :func:`select_intents_among`, for the client order id and status only."""
    full = select_intents_among(dialect_name)
    columns = ", ".join(INTENT_COLUMNS)
    return full.replace(columns, "client_order_id, status", 1)


def status_of(client_order_id: str, value: object) -> IntentStatus:
    """A stored status, or the ``InvalidInput`` the row decoder would raise."""
    found = _STATUSES.get(value) if type(value) is str else None
    if found is None:
        raise InvalidInput(
            f"intents[{client_order_id}].IntentStatus",
            value,
            "unknown value; one of " + ", ".join(_STATUSES),
        )
    return found


def among_param(dialect_name: str, ids: Sequence[str]) -> Any:
    """The single parameter of :func:`select_intents_among` for ``ids``."""
    return list(ids) if dialect_name == "postgresql" else json.dumps(list(ids))


@cache
def select_open_intents(dialect_name: str) -> Compiled:
    """Every non-terminal intent, oldest decision first (on the status index)."""
    stmt = (
        select(_I)
        .where(_I.c.status.in_(_open_statuses()))
        .order_by(_I.c.decided_at, _I.c.client_order_id)
    )
    return compile_positional(stmt, dialect_name)


@cache
def select_open_symbols(dialect_name: str) -> Compiled:
    """The symbols of the non-terminal intents (on the status index)."""
    stmt = select(_I.c.symbol).where(_I.c.status.in_(_open_statuses())).distinct()
    return compile_positional(stmt, dialect_name)


def _open_statuses() -> list[Any]:
    # Inline constants (our own enum values): IN over bound values is re-expanded on
    # every call, and the index on (status, decided_at) serves it either way.
    return [literal_column(f"'{s.value}'") for s in IntentStatus if s not in TERMINAL]


# --- values: Python -> driver ---------------------------------------------------------
#
# Rows are the statements' positional parameters, built straight in column order
# (:func:`compile_rows` holds each statement to that order). SQLite's bind rules of
# :mod:`.types` are :mod:`.sqlite_rows`'s (the replay's flush writes the same rows);
# PostgreSQL's driver takes aware times and Decimals as they are.


def compile_rows(statement: Any, dialect_name: str, columns: Sequence[str]) -> str:
    """Compile ``statement`` for the raw cursor, its parameters in ``columns`` order.

    Raises:
        RuntimeError: the compiled statement binds its parameters in another order
            (the rows built here would then bind values to the wrong columns).
    """
    compiled = compile_positional(statement, dialect_name)
    if compiled.names != tuple(columns):
        raise RuntimeError(
            f"statement parameters {compiled.names} are not in row order {columns}"
        )
    return compiled.sql


def _aware_utc(value: datetime) -> datetime:
    """PostgreSQL's bind rule of :class:`UtcDateTime`: the aware value, in UTC."""
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _as_is(value: Decimal | None) -> Decimal | None:
    """PostgreSQL's bind rule of :class:`DecimalText` (NUMERIC): the value itself."""
    return value


def time_rule(dialect_name: str) -> Callable[[datetime], Any]:
    """The timestamp columns' bind rule on ``dialect_name``'s raw driver."""
    return _aware_utc if dialect_name == "postgresql" else sqlite_rows.timestamp


def _plainly_valid(intent: OrderIntent) -> bool:
    """The intent's validators would pass (checked stricter, and cheaper, here).

    ``False`` means "not sure": the caller then runs the validators themselves,
    which raise the domain's error or pass.
    """
    decided, updated, price = intent.decided_at, intent.updated_at, intent.arrival_price
    cid = intent.client_order_id
    # The decimal tests spelled inline, as plain_checks.is_non_negative: a call
    # each cost about 800 instructions, more than the test (every write checks).
    filled, notional, fees = intent.filled_qty, intent.filled_notional, intent.fees
    return (
        type(cid) is str
        and cid.strip() != ""
        and type(intent.decision_key) is DecisionKey
        and type(intent.spec) is OrderSpec
        and type(intent.attempt) is int
        and type(intent.status) is IntentStatus
        and type(decided) is datetime
        and decided.tzinfo is UTC
        and type(updated) is datetime
        and updated.tzinfo is UTC
        and (
            price is None  # else plain_checks.is_positive(price), without its call
            or (type(price) is Decimal and price.is_finite() and price > _ZERO)
        )
        and type(filled) is Decimal
        and filled.is_finite()
        and filled >= _ZERO
        and type(notional) is Decimal
        and notional.is_finite()
        and notional >= _ZERO
        and type(fees) is Decimal
        and fees.is_finite()
        and fees >= _ZERO
    )


def validate_intent(intent: OrderIntent) -> None:
    """Run the intent's validators unless :func:`_plainly_valid` answers for them.

    The check every store path makes of an intent it writes (this module's encoder,
    the write-behind mirror's creates): about half the cost of the validators.

    Raises:
        InvalidInput: a field its validator refuses.
    """
    if not _plainly_valid(intent):
        attrs.validate(intent)


class _Texts:
    """The checked JSON text of frozen specs and decision keys, by identity.

    Filled when a value is first encoded (after its validators passed) and when a
    row is decoded (the decoder checked what the validators would; the text is
    the row's own), so a pass that reads thousands of intents and writes them back
    (reconciliation) neither validates nor encodes their keys again. Entries hold
    the very object weakly and answer only for it; the table is emptied when full
    (a miss costs what encoding costs).
    """

    def __init__(self, limit: int = 1 << 16) -> None:
        self._limit = limit
        self._texts: dict[int, tuple[weakref.ref[Any], str]] = {}

    def get(self, value: object) -> str | None:
        """The text remembered for this very object, or ``None``."""
        entry = self._texts.get(id(value))
        return entry[1] if entry is not None and entry[0]() is value else None

    def put(self, value: object, text: str) -> None:
        """Remember ``text`` for ``value`` (checked by the caller)."""
        if len(self._texts) >= self._limit:
            self._texts.clear()
        self._texts[id(value)] = (weakref.ref(value), text)


_TEXTS = _Texts()


def _checked_json(value: OrderSpec | DecisionKey) -> str:
    """The JSON of a spec or key, validated on its first encoding (:class:`_Texts`)."""
    text = _TEXTS.get(value)
    if text is None:
        text = key_text(value) if type(value) is DecisionKey else None
        if text is None:
            codec.validate(value, getattr(value, "bracket", None))
            text = sqlite_rows.json_text(value)
        _TEXTS.put(value, text)
    return text


def key_text(key: DecisionKey) -> str | None:
    """The JSON text of ``key`` (what :func:`sqlite_rows.json_text` makes of it), or
    ``None`` when the plain checks are not sure its validators would pass.

    Every live order has a new decision key: through the validators and cattrs its
    text cost as much as the rest of the intent's row. The write-behind store's
    plain check (:func:`plain_checks.plain_key`, exact types, at least as strict as
    the validators) and spelling (``json_text``) answer for them here too;
    ``tests/property/test_key_text_shortcut.py`` holds the pair to the validators.
    """
    return sqlite_rows.json_text(key) if plain_checks.plain_key(key) else None


class IntentEncoder:
    """Intents -> ``intents`` rows for one dialect, remembering the last spec and key.

    An intent moves through several statuses with the same (frozen) spec and
    decision key objects, so their JSON and validation are done once per object:
    the memo holds the object itself and is used only for that very object (the
    last one here; others in :class:`_Texts`). One encoder serves every unit of
    work of a dialect (:func:`intent_encoder`): each memo is one tuple, read once.
    """

    def __init__(self, dialect_name: str) -> None:
        postgres = dialect_name == "postgresql"
        self._time = time_rule(dialect_name)
        self._decimal = _as_is if postgres else sqlite_rows.decimal_text
        self._spec: tuple[OrderSpec, str] | None = None
        self._key: tuple[DecisionKey, str] | None = None

    def values(self, intent: OrderIntent) -> list[Any]:
        """The row of ``intent`` in :data:`INTENT_COLUMNS` order (validated, as
        :func:`codec.intent_row` does)."""
        validate_intent(intent)
        spec, key = intent.spec, intent.decision_key
        memo_spec, memo_key = self._spec, self._key
        if memo_spec is None or memo_spec[0] is not spec:
            memo_spec = self._spec = (spec, _checked_json(spec))
        if memo_key is None or memo_key[0] is not key:
            memo_key = self._key = (key, _checked_json(key))
        return sqlite_rows.intent_values(
            intent, memo_key[1], memo_spec[1], self._time, self._decimal
        )

    def update(self, intent: OrderIntent, expected_version: int) -> list[Any]:
        """The parameters of the checked ``UPDATE``: every column but the id, then
        the id and the version the stored row must have (:data:`UPDATE_COLUMNS`)."""
        values = self.values(intent)
        values.append(values[0])
        values.append(expected_version)
        del values[0]
        return values


#: The parameter order of the intent ``UPDATE`` (:meth:`IntentEncoder.update`).
UPDATE_COLUMNS = (*INTENT_COLUMNS[1:], "key", "expected")


@cache
def intent_encoder(dialect_name: str) -> IntentEncoder:
    """The intent encoder every unit of work on ``dialect_name`` shares."""
    return IntentEncoder(dialect_name)


def _plain_time(value: object) -> bool:
    return type(value) is datetime and value.tzinfo is UTC


def broker_order_row(dialect_name: str, order: BrokerOrderRecord) -> tuple[Any, ...]:
    """The ``broker_orders`` row of ``order`` in column order (validated, as
    :func:`codec.flat_row`).

    The record's validators run only when the plain checks here are not sure
    (as for intents: :func:`_plainly_valid`).
    """
    submitted_at, updated_at = order.submitted_at, order.updated_at
    if not (
        plain_checks.is_text(order.broker_order_id)
        and plain_checks.is_text(order.client_order_id)
        and plain_checks.is_text(order.raw_status)
        and _plain_time(submitted_at)
        and _plain_time(updated_at)
    ):
        attrs.validate(order)
    time = time_rule(dialect_name)
    return (
        order.broker_order_id,
        order.client_order_id,
        order.raw_status,
        time(submitted_at),
        time(updated_at),
    )


#: The ``broker_orders`` columns, the order of :func:`broker_order_row`.
BROKER_ORDER_COLUMNS = tuple(c.name for c in t.broker_orders.c)


def _plain_decision(record: DecisionRecord) -> bool:
    """The decision's validators would pass (checked stricter, and cheaper, here)."""
    symbol = record.symbol
    return (
        plain_checks.is_text(record.decision_id)
        and plain_checks.is_text(record.strategy_id)
        and type(symbol) is str
        and SYMBOL_RE.match(symbol) is not None
        and _plain_time(record.decided_at)
    )


def decision_row(dialect_name: str, record: DecisionRecord) -> tuple[Any, ...]:
    """The ``decisions`` row of ``record`` (:data:`sqlite_rows.DECISION_COLUMNS`),
    validated; the validators run only when the plain checks are not sure."""
    if not _plain_decision(record):
        attrs.validate(record)
    return sqlite_rows.decision_row(record, time_rule(dialect_name))


def outcome_row(dialect_name: str, record: OutcomeRecord) -> tuple[Any, ...]:
    """The ``outcomes`` row of ``record`` (:data:`sqlite_rows.OUTCOME_COLUMNS`),
    validated as :func:`decision_row` is."""
    if not (
        plain_checks.is_text(record.decision_id)
        and type(record.kind) is OutcomeKind
        and _plain_time(record.recorded_at)
    ):
        attrs.validate(record)
    return sqlite_rows.outcome_row(record, time_rule(dialect_name))


# --- values: driver -> Python --------------------------------------------------------


class _Unreadable(Exception):
    """The fast decoder met something it does not handle: decode the slow way."""


def _time(value: object) -> datetime:
    if type(value) is str:
        value = datetime.fromisoformat(value)
    if type(value) is not datetime:
        raise _Unreadable
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _decimal(value: object) -> Decimal:
    if type(value) is str:
        try:
            value = Decimal(value)
        except InvalidOperation:
            raise _Unreadable from None
    if type(value) is not Decimal or not value.is_finite():
        raise _Unreadable
    return value


def _spec(text: str) -> OrderSpec:
    """The spec of ``text``, its text remembered (:class:`_Texts`)."""
    spec = _decoded_spec(text)
    if _TEXTS.get(spec) is None:  # built through its validators
        _TEXTS.put(spec, text)
    return spec


@lru_cache(maxsize=1024)
def _decoded_spec(text: str) -> OrderSpec:
    """Specs repeat across intents (same symbol, side, size, type): decode each once."""
    return codec.converter.structure(json.loads(text), OrderSpec)


def _builder(cls: type[T]) -> Callable[..., T]:
    """A function building ``cls`` from its field values in order, unvalidated.

    Its callers check every value the class's validators would (stricter, if
    anything: a miss falls back to the validating decoder). Neither class it is
    used for has a converter or a post-init hook (what
    :func:`tradecore.domain.frozen.replace` relies on too). Generated once per
    class as straight-line code: a loop over the fields cost as much as the
    validators it skips.
    """
    names = [f.name for f in attrs.fields(cls)]  # type: ignore[arg-type]
    args = ", ".join(f"v{i}" for i in range(len(names)))
    body = "".join(f"    _set(obj, {n!r}, v{i})\n" for i, n in enumerate(names))
    source = f"def build({args}):\n    obj = _new(cls)\n{body}    return obj\n"
    scope: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__}
    scope["cls"] = cls
    exec(source, scope)  # noqa: S102 - source built above from attrs field names  # nosec B102
    return scope["build"]  # type: ignore[no-any-return]


_build_key = _builder(DecisionKey)
_KEY_SIZE = len(attrs.fields(DecisionKey))
_build_intent = _builder(OrderIntent)


def _text(value: object) -> str:
    if type(value) is not str or not value.strip():
        raise _Unreadable
    return value


def _optional_text(value: object) -> str | None:
    if value is not None and type(value) is not str:
        raise _Unreadable
    return value


def _count(value: object) -> int:
    if type(value) is not int:
        raise _Unreadable
    return value


def _amount(value: object, *, positive: bool = False) -> Decimal:
    amount = _decimal(value)
    if amount < 0 or (positive and amount == 0):
        raise _Unreadable
    return amount


def _key(text: str) -> DecisionKey:
    data = json.loads(text)
    if type(data) is not dict or len(data) != _KEY_SIZE:
        raise _Unreadable
    symbol = data["symbol"]
    if type(symbol) is not str or not SYMBOL_RE.match(symbol):
        raise _Unreadable
    key = _build_key(
        _text(data["strategy_id"]),
        symbol,
        _SIDES[data["side"]],
        date.fromisoformat(data["session_date"]),
        _text(data["horizon"]),
        _text(data["signal_hash"]),
        _amount(data["qty"], positive=True),
        _count(data["version"]),
    )
    _TEXTS.put(key, text)
    return key


def intent_from_values(values: Sequence[Any]) -> OrderIntent:
    """Rebuild an intent from a row in :data:`INTENT_COLUMNS` order.

    Accepts the raw driver's values (SQLite text times and decimals, PostgreSQL's
    aware times and Decimals) as well as SQLAlchemy's processed ones.

    Raises:
        InvalidInput: the row is malformed (as :func:`codec.intent_from_row` says).
    """
    try:
        return _fast_intent(values)
    except (_Unreadable, InvalidInput, KeyError, TypeError, ValueError):
        pass
    # The slow decoder names the table, the row and the field; if it reads the row
    # after all, the fast one was only too strict.
    row = dict(zip(INTENT_COLUMNS, values, strict=True))
    for name in ("decided_at", "updated_at"):
        with contextlib.suppress(_Unreadable, TypeError, ValueError):
            row[name] = _time(row[name])  # SQLite's text, as SQLAlchemy reads it
    return codec.intent_from_row(row)


def _fast_intent(values: Sequence[Any]) -> OrderIntent:
    (cid, _strategy, _symbol, _side, attempt, key, spec, decided_at, updated_at,
     arrival_price, edge, policy, config_hash, model_hash, cost_model_hash, status,
     broker_order_id, filled_qty, filled_notional, fees, execution_ids, reason,
     parent, version) = values  # fmt: skip
    if type(edge) is int:
        edge = float(edge)
    elif edge is not None and type(edge) is not float:
        raise _Unreadable
    return _build_intent(
        _text(cid),
        _key(key),
        _count(attempt),
        _spec(spec),
        _time(decided_at),
        _time(updated_at),
        None if arrival_price is None else _amount(arrival_price, positive=True),
        edge,
        _str(policy),
        _str(config_hash),
        _str(model_hash),
        _str(cost_model_hash),
        _STATUSES[status],
        _optional_text(broker_order_id),
        _amount(filled_qty),
        _amount(filled_notional),
        _amount(fees),
        () if execution_ids == "[]" else _ids(execution_ids),
        _optional_text(reason),
        _optional_text(parent),
        _count(version),
    )


def _str(value: object) -> str:
    if type(value) is not str:
        raise _Unreadable
    return value


def _ids(text: str) -> tuple[str, ...]:
    ids = json.loads(text)
    if type(ids) is not list or not all(type(i) is str for i in ids):
        raise _Unreadable
    return tuple(ids)
