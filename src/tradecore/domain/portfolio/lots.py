"""Weights -> whole-lot share counts.

Rule: a position is rounded toward zero to whole lots (``trunc(w E / (p lot)) lot``),
so no name ever holds more exposure than its weight asked for -- every cap, the
gross and the cash the weights respected still hold. The dollars this leaves
uninvested stay as cash (reported as ``rounding_residual``; not re-spent, since
spending them would need a second, cap-aware pass for a few dollars).

Exception: when a turnover limit bound and rounding the position toward zero would
trade *more* than the weight asked (a reduction rounds into a bigger sale), the trade
(not the position) is rounded toward zero instead: the position lands between the
current holding and the target, and turnover stays within the limit.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal


def round_position(weight: float, price: Decimal, equity: Decimal, lot: int) -> Decimal:
    """Whole lots toward zero for ``weight`` of ``equity`` at ``price``."""
    lots = (Decimal(repr(weight)) * equity / (price * lot)).to_integral_value(
        rounding=ROUND_DOWN
    )
    return lots * lot


def round_trade(
    weight: float, current: Decimal, price: Decimal, equity: Decimal, lot: int
) -> Decimal:
    """``current`` plus the trade toward ``weight``, rounded toward zero in lots."""
    wanted = Decimal(repr(weight)) * equity / price
    lots = ((wanted - current) / lot).to_integral_value(rounding=ROUND_DOWN)
    return current + lots * lot


def to_shares(
    weight: float,
    current: Decimal,
    price: Decimal,
    equity: Decimal,
    lot: int,
    turnover_bound: bool,
) -> Decimal:
    """The rule of the module docstring for one name."""
    position = round_position(weight, price, equity, lot)
    if not turnover_bound:
        return position
    wanted = Decimal(repr(weight)) * equity / price
    if abs(position - current) <= abs(wanted - current):
        return position
    return round_trade(weight, current, price, equity, lot)
