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


def plain_key(key: DecisionKey) -> bool:
    """The key's validators would pass.

    :func:`is_text` and :func:`is_positive` spelled inline (one check per new
    intent: a call each cost about 800 instructions, more than the test), and
    :func:`_symbol`'s common case (a symbol seen before) as well.
    """
    if type(key) is not DecisionKey:
        return False
    strategy_id, horizon, signal_hash, qty, symbol = (
        key.strategy_id,
        key.horizon,
        key.signal_hash,
        key.qty,
        key.symbol,
    )
    return (
        type(strategy_id) is str
        and strategy_id.strip() != ""
        and type(symbol) is str
        and (symbol in _SYMBOLS or _symbol(symbol))
        and type(key.side) is Side
        and type(key.session_date) is date
        and type(horizon) is str
        and horizon.strip() != ""
        and type(signal_hash) is str
        and signal_hash.strip() != ""
        and type(qty) is Decimal
        and qty.is_finite()
        and qty > _ZERO
        and type(key.version) is int
    )


def plain_spec(spec: OrderSpec) -> bool:
    """The spec's field validators would pass (``attrs.validate`` runs no more).

    The optional prices are tested for ``None`` here, before any call: a market
    order has none of them, and a call per field ("``None`` or positive") cost
    about 800 instructions, six per new intent. The quantity (a share order has
    one) and :func:`_symbol`'s common case are tested inline for the same reason.
    """
    if type(spec) is not OrderSpec:
        return False
    qty, notional, limit, stop, symbol = (
        spec.qty,
        spec.notional,
        spec.limit_price,
        spec.stop_price,
        spec.symbol,
    )
    trail_price, trail_percent = spec.trail_price, spec.trail_percent
    return (
        type(symbol) is str
        and (symbol in _SYMBOLS or _symbol(symbol))
        and type(spec.side) is Side
        and type(spec.order_type) is OrderType
        and type(spec.time_in_force) is TimeInForce
        and (qty is None or (type(qty) is Decimal and qty.is_finite() and qty > _ZERO))
        and (notional is None or is_positive(notional))
        and (limit is None or is_positive(limit))
        and (stop is None or is_positive(stop))
        and type(spec.extended_hours) is bool
        and (trail_price is None or is_positive(trail_price))
        and (trail_percent is None or is_positive(trail_percent))
        and type(spec.oco) is bool
    )


def plain_fill(fill: Fill) -> bool:
    """The fill's validators would pass.

    :func:`is_text`, :func:`is_positive`, :func:`is_non_negative` and the kept
    symbols of :func:`_symbol` spelled inline, as in :func:`plain_key` (one check
    per fill: six calls cost more than the tests).
    """
    if type(fill) is not Fill:
        return False
    execution_id, client_order_id, symbol = (
        fill.execution_id,
        fill.client_order_id,
        fill.symbol,
    )
    qty, price, fee, at = fill.qty, fill.price, fill.fee, fill.filled_at
    return (
        type(execution_id) is str
        and execution_id.strip() != ""
        and type(client_order_id) is str
        and client_order_id.strip() != ""
        and ((type(symbol) is str and symbol in _SYMBOLS) or _symbol(symbol))
        and type(fill.side) is Side
        and type(qty) is Decimal
        and qty.is_finite()
        and qty > _ZERO
        and type(price) is Decimal
        and price.is_finite()
        and price > _ZERO
        and type(fee) is Decimal
        and fee.is_finite()
        and fee >= _ZERO
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
