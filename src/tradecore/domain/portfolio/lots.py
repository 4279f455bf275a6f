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

from decimal import ROUND_CEILING, ROUND_DOWN, Decimal


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


def trim_to_gross(
    shares: dict[str, Decimal],
    current: dict[str, Decimal],
    prices: dict[str, Decimal],
    limit: Decimal,
    lot: int,
    names: frozenset[str] | None = None,
) -> dict[str, Decimal]:
    """Trim whole lots from the names being *increased* until the gross notional
    (of ``names``, default all) is within ``limit``.

    Why: when a turnover limit bound, reductions round toward the current holding
    (see :func:`to_shares`), up to a lot each above their weight, so the rounded book
    can top the gross -- or a sector's cap, when a sector's reductions and
    increases round against each other -- by a few lots. Trimming an increase
    shrinks both the exposure and the turnover, so neither limit is traded for the
    other. Largest notional first, ties by symbol; a name is never trimmed past its
    current holding (or past zero when it flips side).
    """
    result = dict(shares)
    group = [s for s in result if names is None or s in names]
    excess = sum((abs(result[s] * prices[s]) for s in group), Decimal(0)) - limit
    if excess <= 0:
        return result
    order = sorted(group, key=lambda s: (-abs(result[s] * prices[s]), s))
    for symbol in order:
        qty, held = result[symbol], current.get(symbol, Decimal(0))
        floor = abs(held) if held * qty > 0 else Decimal(0)
        spare = ((abs(qty) - floor) / lot).to_integral_value(rounding=ROUND_DOWN)
        if spare <= 0:
            continue
        needed = (excess / (lot * prices[symbol])).to_integral_value(
            rounding=ROUND_CEILING
        )
        cut = min(spare, needed) * lot
        result[symbol] = qty - cut if qty > 0 else qty + cut
        excess -= cut * prices[symbol]
        if excess <= 0:
            break
    return result
