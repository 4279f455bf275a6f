"""Form 8949-style rows: one per closed lot, for the lots sold in a tax year.

Columns follow Form 8949 (Sales and Other Dispositions of Capital Assets): (a)
description ("100 sh AAPL"), (b) date acquired, (c) date sold, (d) proceeds, (e) cost
basis, (f) adjustment code ("W": wash sale loss disallowed), (g) the adjustment, (h)
gain or (loss) = (d) - (e) + (g), and the part (short-term or long-term). Dates are
MM/DD/YYYY as on the form; amounts are dollars and cents (half-even), so a year's
rows sum to the exact books within half a cent per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal

from tradecore.domain.books.lots import ClosedLot

CENT = Decimal("0.01")
WASH_SALE_CODE = "W"
HEADER = (
    "description",
    "date_acquired",
    "date_sold",
    "proceeds",
    "cost_basis",
    "adjustment_code",
    "adjustment_amount",
    "gain_loss",
    "term",
)


def cents(amount: Decimal) -> str:
    """``amount`` in dollars and cents, half-even."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_EVEN))


def shares(qty: Decimal) -> str:
    """A share count without trailing zeros (``100``, ``0.5``)."""
    text = format(qty.normalize(), "f")
    return text


def row(lot: ClosedLot) -> tuple[str, ...]:
    """The Form 8949 row of ``lot``."""
    code = WASH_SALE_CODE if lot.wash_disallowed else ""
    description = f"{shares(lot.qty)} sh {lot.symbol}" + (
        " (short)" if lot.short else ""
    )
    return (
        description,
        lot.acquired.strftime("%m/%d/%Y"),
        lot.sold.strftime("%m/%d/%Y"),
        cents(lot.proceeds),
        cents(lot.cost_basis),
        code,
        cents(lot.wash_disallowed) if code else "",
        cents(lot.gain),
        lot.term.value,
    )


def rows_for_year(closed: Iterable[ClosedLot], year: int) -> list[tuple[str, ...]]:
    """The rows of the lots closed in ``year``, short-term first, then by date sold."""
    chosen = [c for c in closed if c.closed.year == year]
    chosen.sort(key=lambda c: (c.term.value != "short", c.closed, c.symbol))
    return [row(c) for c in chosen]
