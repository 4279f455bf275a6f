"""Decimal money helpers: the one boundary where a market float becomes a price."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from tradecore.domain.errors import InvalidInput

#: US equities: $0.01 above $1, $0.0001 below (Reg NMS sub-penny rule).
CENT = Decimal("0.01")
SUB_PENNY = Decimal("0.0001")
ONE_SHARE = Decimal(1)
ZERO = Decimal(0)


#: One dollar, where the tick changes (a Decimal: an int operand is converted to a
#: new Decimal at every comparison).
_ONE_DOLLAR = Decimal(1)
#: The infinities a price is not (built once, not per conversion).
_INFINITIES = (float("inf"), float("-inf"))


def price_increment(price: Decimal) -> Decimal:
    """Return the tick size that applies at ``price`` for a US equity."""
    return CENT if price >= _ONE_DOLLAR else SUB_PENNY


def quantize_price(price: Decimal) -> Decimal:
    """Round a price to its tick, half-even (no systematic bias)."""
    return price.quantize(price_increment(price), rounding=ROUND_HALF_EVEN)


#: Prices already converted, by the float given: a replay converts the same few
#: thousand closes again and again (marks, references, order prices). Bounded: it is
#: emptied when full. Only valid prices are kept, so a bad one always raises.
_CONVERTED: dict[float, Decimal] = {}
_CONVERTED_MAX = 4096


def to_price(value: float, field: str = "price") -> Decimal:
    """Turn a float market price into an exact, tick-rounded Decimal order/fill price.

    This is the one place floats become money: ``Decimal(repr(x))`` keeps the shortest
    decimal that round-trips, so 101.23 becomes ``Decimal('101.23')``, not binary noise.
    """
    known = _CONVERTED.get(value) if value.__class__ is float else None
    if known is not None:
        return known
    if value != value or value in _INFINITIES or value <= 0:
        raise InvalidInput(field, value, "price must be a finite number > 0")
    price = quantize_price(Decimal(repr(float(value))))
    if value.__class__ is float:
        if len(_CONVERTED) >= _CONVERTED_MAX:
            _CONVERTED.clear()
        _CONVERTED[value] = price
    return price


def quantize_qty(qty: Decimal, increment: Decimal = ONE_SHARE) -> Decimal:
    """Round a quantity *down* to the size increment (never trade more than decided)."""
    if increment <= ZERO:  # a Decimal zero: no int converted per call
        raise InvalidInput("increment", increment, "must be > 0")
    return (qty / increment).to_integral_value(rounding=ROUND_DOWN) * increment
