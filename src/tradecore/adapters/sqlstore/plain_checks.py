"""Plain checks that answer for the validators of what the write-behind store records.

Why: the store re-runs the domain validators of every intent's spec and decision
key and of every fill before it keeps them (``attrs.validate``: a value that
slipped past construction is refused before it is written). Going through attrs
costs a call per field with its ``Attribute``; an order's key, spec and fill took
about 60 K instructions that way. The checks here look at the same fields with
exact types and plain comparisons, stricter than the validators: ``True`` means
the validators would pass; ``False`` means "not sure", and the caller then runs
the validators, which raise the domain's error or pass. Property tests hold each
check to that (``tests/property/test_plain_checks.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tradecore.adapters.sqlstore import codec
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce
from tradecore.domain.validation import SYMBOL_RE

_ZERO = Decimal(0)

#: Symbols the ticker rule was seen to accept: a run trades a few of them on every
#: order. Emptied when full.
_SYMBOLS: set[str] = set()
_SYMBOLS_KEPT = 4096


def _symbol(value: object) -> bool:
    """``value`` is a str the ticker rule accepts."""
    if type(value) is not str:
        return False
    if value in _SYMBOLS:
        return True
    if SYMBOL_RE.match(value) is None:
        return False
    if len(_SYMBOLS) >= _SYMBOLS_KEPT:
        _SYMBOLS.clear()
    _SYMBOLS.add(value)
    return True


def is_text(value: object) -> bool:
    """``value`` is a str with something besides blanks."""
    return type(value) is str and value.strip() != ""


def is_positive(value: object) -> bool:
    """``value`` is a finite Decimal above zero."""
    return type(value) is Decimal and value.is_finite() and value > _ZERO


def is_non_negative(value: object) -> bool:
    """``value`` is a finite Decimal at or above zero."""
    return type(value) is Decimal and value.is_finite() and value >= _ZERO


def _positive_or_none(value: object) -> bool:
    return value is None or is_positive(value)


def plain_key(key: DecisionKey) -> bool:
    """The key's validators would pass."""
    return (
        type(key) is DecisionKey
        and is_text(key.strategy_id)
        and _symbol(key.symbol)
        and type(key.side) is Side
        and type(key.session_date) is date
        and is_text(key.horizon)
        and is_text(key.signal_hash)
        and is_positive(key.qty)
        and type(key.version) is int
    )


def plain_spec(spec: OrderSpec) -> bool:
    """The spec's field validators would pass (``attrs.validate`` runs no more)."""
    return (
        type(spec) is OrderSpec
        and _symbol(spec.symbol)
        and type(spec.side) is Side
        and type(spec.order_type) is OrderType
        and type(spec.time_in_force) is TimeInForce
        and _positive_or_none(spec.qty)
        and _positive_or_none(spec.notional)
        and _positive_or_none(spec.limit_price)
        and _positive_or_none(spec.stop_price)
        and type(spec.extended_hours) is bool
        and _positive_or_none(spec.trail_price)
        and _positive_or_none(spec.trail_percent)
        and type(spec.oco) is bool
    )


def plain_fill(fill: Fill) -> bool:
    """The fill's validators would pass."""
    fee, at = fill.fee, fill.filled_at
    return (
        type(fill) is Fill
        and is_text(fill.execution_id)
        and is_text(fill.client_order_id)
        and _symbol(fill.symbol)
        and type(fill.side) is Side
        and is_positive(fill.qty)
        and is_positive(fill.price)
        and is_non_negative(fee)
        and type(at) is datetime
        and at.tzinfo is UTC
    )


def validate_spec_and_key(spec: OrderSpec, key: DecisionKey) -> None:
    """``codec.validate(spec, key)``, the validators run only where the plain
    checks are not sure (the spec first, as there).

    Raises:
        InvalidInput: a field its validator refuses.
    """
    if not plain_spec(spec):
        codec.validate(spec)
    if not plain_key(key):
        codec.validate(key)


def validate_fill(fill: Fill) -> None:
    """``codec.validate(fill)``, unless the plain check answers for it.

    Raises:
        InvalidInput: a field its validator refuses.
    """
    if not plain_fill(fill):
        codec.validate(fill)
