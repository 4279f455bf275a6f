"""Rows <-> domain objects: the one cattrs converter of the SQL store.

Writes re-run the domain validators (``attrs.validate``) so a value that slipped past
construction is refused with :class:`InvalidInput` before anything is sent. Reads go
through :data:`converter`, whose hooks turn an unknown enum value or a malformed
decimal in a hand-edited row into :class:`InvalidInput` naming the table and field.
"""

from __future__ import annotations

import contextlib
import enum
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import OMIT_IF_DEFAULT, canonical_bytes
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import OutcomeKind
from tradecore.domain.orders.spec import OrderType, Side, TimeInForce
from tradecore.domain.risk.trading_state import TradingState
from tradecore.ports.store_records import ModelStage

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=False)


def _structure_enum(value: object, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        raise InvalidInput(
            cls.__name__, value, f"unknown value; one of {allowed}"
        ) from None


def _structure_datetime(value: object, _: type) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput("timestamp", value, "expected an aware UTC datetime")
    return value.astimezone(UTC)


def _structure_date(value: object, _: type) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput("date", value, "not an ISO date") from None
    raise InvalidInput("date", value, "expected an ISO date string")


converter.register_structure_hook(Decimal, lambda val, _: v.to_decimal("decimal", val))
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_structure_hook(date, _structure_date)
# Free-form mapping values (details, params) are JSON primitives already.
converter.register_structure_hook_func(lambda t: t is object, lambda val, _: val)
# StrEnums are str subclasses, so cattrs' str hook would win over an Enum-wide one
# (and let ``IntentStatus("bogus")`` escape as a bare ValueError): register each.
_ENUMS = (IntentStatus, Side, OrderType, TimeInForce, OutcomeKind, TradingState)
for _enum in (*_ENUMS, ModelStage):
    converter.register_structure_hook(_enum, _structure_enum)
converter.register_unstructure_hook(Decimal, str)


def _has_later_fields(cls: type) -> bool:
    return attrs.has(cls) and any(
        f.metadata.get(OMIT_IF_DEFAULT) for f in attrs.fields(cls)
    )


def _omitting_unstructure(cls: type) -> Callable[[Any], dict[str, Any]]:
    # Fields added after rows were first written are left out at their default,
    # so a stored spec reads back, and is written, exactly as before they existed.
    overrides = {
        f.name: override(omit_if_default=True)
        for f in attrs.fields(cls)
        if f.metadata.get(OMIT_IF_DEFAULT)
    }
    return make_dict_unstructure_fn(cls, converter, **overrides)  # type: ignore[arg-type]


converter.register_unstructure_hook_factory(_has_later_fields, _omitting_unstructure)
converter.register_unstructure_hook(datetime, datetime.isoformat)
converter.register_unstructure_hook(date, date.isoformat)


_PLAIN_JSON = frozenset({dict, list, tuple})


#: ``json.dumps(..., sort_keys=True, separators=(",", ":"), allow_nan=False)``, built
#: once (``dumps`` with options builds an encoder per call).
_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def to_json(value: object) -> str:
    """Encode ``value`` as compact JSON with sorted keys (decimals as strings).

    Raises:
        InvalidInput: the value has no JSON form (NaN, an unknown type).
    """
    if type(value) in _PLAIN_JSON:
        # Details, params and id lists are JSON primitives already (the common
        # case, and a hot one in replay); anything else goes through cattrs.
        with contextlib.suppress(TypeError, ValueError):
            return _dumps(value)
    try:
        return _dumps(converter.unstructure(value))
    except (TypeError, ValueError) as e:
        raise InvalidInput("json", type(value).__name__, str(e)) from None


def from_json(field: str, text: str) -> Any:
    """Decode a JSON column, naming ``field`` if the stored text is malformed."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise InvalidInput(field, text, "malformed JSON") from None


def canonical_json(payload: object) -> str:
    """Return the canonical text of an audit payload (what its hash covers)."""
    return canonical_bytes(payload).decode("ascii")


def validate(*objs: object) -> None:
    """Re-run the domain validators of attrs instances before writing them."""
    for obj in objs:
        if obj is not None:
            attrs.validate(obj)  # type: ignore[arg-type]


@contextmanager
def reading(table: str, key: object) -> Iterator[None]:
    """Prefix an :class:`InvalidInput` raised while decoding a row with the row's key."""
    try:
        yield
    except InvalidInput as e:
        raise InvalidInput(f"{table}[{key}].{e.field}", e.value, e.reason) from None


def structure_row(
    row: Mapping[Any, Any],
    cls: type[T],
    *,
    table: str,
    key: str,
    json_fields: tuple[str, ...] = (),
    drop: tuple[str, ...] = (),
) -> T:
    """Build ``cls`` from a row (JSON columns decoded, denormalized columns dropped)."""
    data = {k: val for k, val in row.items() if k not in drop}
    with reading(table, row.get(key)):
        for name in json_fields:
            data[name] = from_json(name, data[name])
        return converter.structure(data, cls)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in attrs.fields(cls))
    return names


def flat_row(
    obj: object, *, json_fields: tuple[str, ...] = (), validated: bool = False
) -> dict[str, Any]:
    """Return the attrs instance's fields as a row (JSON fields encoded).

    ``validated=True`` skips re-running the validators, for an object the caller
    already checked (the write-behind store validates when a row is recorded).
    """
    if not validated:
        validate(obj)
    row = {name: getattr(obj, name) for name in _field_names(type(obj))}
    for name in json_fields:
        row[name] = to_json(row[name])
    for name, value in row.items():
        if isinstance(value, enum.Enum):
            row[name] = value.value
    return row


# --- intents --------------------------------------------------------------------------

_INTENT_JSON = ("decision_key", "spec", "execution_ids")
_INTENT_DENORMALIZED = ("strategy_id", "symbol", "side")


def intent_row(intent: OrderIntent, *, validated: bool = False) -> dict[str, Any]:
    """Return the ``intents`` row of ``intent`` (validated, spec and key as JSON)."""
    if not validated:
        validate(intent.spec, intent.decision_key, intent.spec.bracket)
    row = flat_row(intent, json_fields=_INTENT_JSON, validated=validated)
    row["strategy_id"] = intent.decision_key.strategy_id
    row["symbol"] = intent.spec.symbol
    row["side"] = intent.spec.side.value
    return row


def intent_from_row(row: Mapping[Any, Any]) -> OrderIntent:
    """Rebuild an intent from its row.

    Raises:
        InvalidInput: the row is malformed (unknown status, bad decimal, ...).
    """
    intent = structure_row(
        row,
        OrderIntent,
        table="intents",
        key="client_order_id",
        json_fields=_INTENT_JSON,
        drop=_INTENT_DENORMALIZED,
    )
    return intent


def decoder(
    cls: type[T], *, table: str, key: str, json_fields: tuple[str, ...] = ()
) -> Callable[[Mapping[Any, Any]], T]:
    """Return a function decoding rows of ``table`` into ``cls``."""

    def decode(row: Mapping[Any, Any]) -> T:
        return structure_row(row, cls, table=table, key=key, json_fields=json_fields)

    return decode
