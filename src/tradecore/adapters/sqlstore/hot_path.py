"""The durable order path on the raw DBAPI cursor: pre-compiled SQL, hand-made rows.

Every live order pays for four intent/broker-order statements and two commits
(``OrderManager.place``); through SQLAlchemy's execution machinery and cattrs each of
them cost several times the database's own work (issue 18: the path ran at ~3x the
bare commits). Here the same statements are compiled once per dialect *by
SQLAlchemy* (so the SQL is exactly what the Core constructs say) and then run on the
raw DBAPI cursor with positional parameters; rows are converted by hand.

What stays the same: the statements, the columns and the values written (the
column types' bind and result rules of :mod:`.types` are repeated here, once per
dialect), the transaction (one per unit of work: :class:`.session.Session` begins
and ends it on the driver, or hands it to a SQLAlchemy connection made over the
same DBAPI connection when another statement needs one), the validation of what is
written (``attrs`` validators of the intent; spec and decision key on first
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

from tradecore.adapters.sqlstore import codec
from tradecore.adapters.sqlstore import tables as t
from tradecore.adapters.sqlstore.types import DecimalText, UtcDateTime
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import TERMINAL, IntentStatus
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.validation import SYMBOL_RE
from tradecore.ports.store_records import BrokerOrderRecord

_I = t.intents
#: The ``intents`` columns in table order: the order of every SELECT here.
INTENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in _I.c)
#: The tables whose rows :func:`to_driver` converts (the order path's).
_DRIVER_TABLES = (_I, t.broker_orders, t.decisions, t.outcomes)
_DECIMALS = frozenset(
    c.name
    for table in _DRIVER_TABLES
    for c in table.c
    if isinstance(c.type, DecimalText)
)
_TIMES = frozenset(
    c.name
    for table in _DRIVER_TABLES
    for c in table.c
    if isinstance(c.type, UtcDateTime)
)
T = TypeVar("T")
_STATUSES: dict[str, IntentStatus] = {s.value: s for s in IntentStatus}
_SIDES = {s.value: s for s in Side}


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


def sqlite_time(value: datetime) -> str:
    """What SQLAlchemy stores for a UTC time in SQLite (naive, microseconds always)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # without "+00:00"


def to_driver(dialect_name: str, row: dict[str, Any]) -> dict[str, Any]:
    """Apply the column types' bind rules (:mod:`.types`) to a row, in place.

    Decimals and times were checked by the domain validators before this point
    (finite decimals, aware UTC times).
    """
    if dialect_name == "postgresql":
        for name in _TIMES.intersection(row):
            value = row[name]
            if value is not None and value.tzinfo is not UTC:
                row[name] = value.astimezone(UTC)
        return row
    for name in _DECIMALS.intersection(row):
        value = row[name]
        if value is not None:
            row[name] = str(value)
    for name in _TIMES.intersection(row):
        value = row[name]
        if value is not None:
            row[name] = sqlite_time(value)
    return row


def _valid_decimal(value: object, *, positive: bool = False) -> bool:
    return (
        type(value) is Decimal
        and value.is_finite()
        and (value > 0 if positive else value >= 0)
    )


def _plainly_valid(intent: OrderIntent) -> bool:
    """The intent's validators would pass (checked stricter, and cheaper, here).

    ``False`` means "not sure": the caller then runs the validators themselves,
    which raise the domain's error or pass.
    """
    decided, updated, price = intent.decided_at, intent.updated_at, intent.arrival_price
    cid = intent.client_order_id
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
        and (price is None or _valid_decimal(price, positive=True))
        and _valid_decimal(intent.filled_qty)
        and _valid_decimal(intent.filled_notional)
        and _valid_decimal(intent.fees)
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
        codec.validate(value, getattr(value, "bracket", None))
        text = codec.to_json(value)
        _TEXTS.put(value, text)
    return text


class IntentEncoder:
    """Intents -> ``intents`` rows for one dialect, remembering the last spec and key.

    An intent moves through several statuses with the same (frozen) spec and
    decision key objects, so their JSON and validation are done once per object:
    the memo holds the object itself and is used only for that very object (the
    last one here; others in :class:`_Texts`).
    """

    def __init__(self, dialect_name: str) -> None:
        self._sqlite = dialect_name != "postgresql"
        self._spec: tuple[OrderSpec, str] | None = None
        self._key: tuple[DecisionKey, str] | None = None
        self._time: tuple[datetime, str] | None = None  # decided_at, mostly

    def _sqlite_time(self, value: datetime) -> str:
        memo = self._time
        if memo is not None and memo[0] is value:
            return memo[1]
        text = sqlite_time(value)
        self._time = (value, text)
        return text

    def row(self, intent: OrderIntent) -> dict[str, Any]:
        """The driver row of ``intent`` (validated as :func:`codec.intent_row` does)."""
        validate_intent(intent)
        spec, key = intent.spec, intent.decision_key
        memo_spec, memo_key = self._spec, self._key
        if memo_spec is None or memo_spec[0] is not spec:
            memo_spec = self._spec = (spec, _checked_json(spec))
        if memo_key is None or memo_key[0] is not key:
            memo_key = self._key = (key, _checked_json(key))
        ids = intent.execution_ids
        row = {
            "client_order_id": intent.client_order_id,
            "strategy_id": key.strategy_id,
            "symbol": spec.symbol,
            "side": spec.side.value,
            "attempt": intent.attempt,
            "decision_key": memo_key[1],
            "spec": memo_spec[1],
            "decided_at": intent.decided_at,
            "updated_at": intent.updated_at,
            "arrival_price": intent.arrival_price,
            "expected_edge_bps": intent.expected_edge_bps,
            "execution_policy": intent.execution_policy,
            "config_hash": intent.config_hash,
            "model_hash": intent.model_hash,
            "cost_model_hash": intent.cost_model_hash,
            "status": intent.status.value,
            "broker_order_id": intent.broker_order_id,
            "filled_qty": intent.filled_qty,
            "filled_notional": intent.filled_notional,
            "fees": intent.fees,
            "execution_ids": codec.to_json(list(ids)) if ids else "[]",
            "reason": intent.reason,
            "parent_client_order_id": intent.parent_client_order_id,
            "version": intent.version,
        }
        if self._sqlite:  # the bind rules of DecimalText and UtcDateTime (.types)
            price = intent.arrival_price
            row["decided_at"] = self._sqlite_time(intent.decided_at)
            row["updated_at"] = sqlite_time(intent.updated_at)
            row["arrival_price"] = None if price is None else str(price)
            row["filled_qty"] = str(intent.filled_qty)
            row["filled_notional"] = str(intent.filled_notional)
            row["fees"] = str(intent.fees)
        return row


def _plain_text(value: object) -> bool:
    return type(value) is str and value.strip() != ""


def _plain_time(value: object) -> bool:
    return type(value) is datetime and value.tzinfo is UTC


def broker_order_row(order: BrokerOrderRecord) -> dict[str, Any]:
    """The ``broker_orders`` row of ``order`` (validated, as :func:`codec.flat_row`).

    The record's validators run only when the plain checks here are not sure
    (as for intents: :func:`_plainly_valid`).
    """
    submitted_at, updated_at = order.submitted_at, order.updated_at
    if not (
        _plain_text(order.broker_order_id)
        and _plain_text(order.client_order_id)
        and _plain_text(order.raw_status)
        and _plain_time(submitted_at)
        and _plain_time(updated_at)
    ):
        attrs.validate(order)
    return {
        "broker_order_id": order.broker_order_id,
        "client_order_id": order.client_order_id,
        "raw_status": order.raw_status,
        "submitted_at": submitted_at,
        "updated_at": updated_at,
    }


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
