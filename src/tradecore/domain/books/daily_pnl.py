"""One day's P&L from the books, by symbol and strategy.

Realized is what the lots closed that day realized (``economic``: proceeds less
cost, the cash result; ``taxable``: Form 8949's gain after wash-sale adjustments),
fees are the day's fill fees, unrealized is the open lots at the day's marks
against their cost before wash-sale adjustments. A closed lot belongs to the
strategy of the closing order, an open lot to the strategy that opened it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

import attrs

from tradecore.domain.books.tax_lots import Books
from tradecore.domain.orders.executions import Fill

_ZERO = Decimal(0)


@attrs.define(kw_only=True)
class PnlRow:
    """One (symbol, strategy) line of the day."""

    symbol: str
    strategy: str
    lots_closed: int = 0
    realized: Decimal = _ZERO
    wash_disallowed: Decimal = _ZERO
    taxable: Decimal = _ZERO
    unrealized: Decimal = _ZERO
    fees: Decimal = _ZERO


def last_prices(fills: Iterable[Fill]) -> dict[str, Decimal]:
    """The last fill price per symbol (the marks when no bars are at hand)."""
    return {f.symbol: f.price for f in fills}


def daily_pnl(
    books: Books,
    day: date,
    day_fills: Iterable[Fill],
    strategies: Mapping[str, str],
    marks: Mapping[str, Decimal],
) -> list[PnlRow]:
    """The rows of ``day``: ``books`` as of the day's end, its fills, the marks."""
    rows: dict[tuple[str, str], PnlRow] = {}

    def at(symbol: str, strategy: str) -> PnlRow:
        key = (symbol, strategy)
        if key not in rows:
            rows[key] = PnlRow(symbol=symbol, strategy=strategy)
        return rows[key]

    for closed in books.closed:
        if closed.closed == day:
            line = at(closed.symbol, closed.strategy)
            line.lots_closed += 1
            line.realized += closed.economic_gain
            line.wash_disallowed += closed.wash_disallowed
            line.taxable += closed.gain
    for fill in day_fills:
        at(fill.symbol, strategies.get(fill.client_order_id, "")).fees += fill.fee
    for lot in books.open_lots:
        mark = marks.get(lot.symbol)
        if mark is not None:
            line = at(lot.symbol, lot.strategy)
            line.unrealized += lot.unrealized(mark) + lot.wash_adjustment
    return [rows[k] for k in sorted(rows)]
