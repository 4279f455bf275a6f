"""Buying power of the simulated cash account: what an order may still tie up.

The account is a plain cash account that may sell short against collateral: the
proceeds of a short sale are held, and as much again of our own cash backs the short
(a 100% requirement), so shorting consumes buying power like buying does. An order
reserves cash only for the part of it that opens or grows exposure; closing a position
needs none.
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.money import ZERO
from tradecore.domain.orders.spec import Side


def order_reservation(
    side: Side, qty: Decimal, price: Decimal, position: Decimal
) -> Decimal:
    """Return the cash an order of ``qty`` at ``price`` ties up given ``position``.

    Args:
        side: the order's side.
        qty: the quantity still to fill.
        price: the price it is reserved at (limit, stop or last trade).
        position: the signed position now held in the symbol.
    """
    closable = max(-position, ZERO) if side is Side.BUY else max(position, ZERO)
    return (qty - min(qty, closable)) * price


def free_cash(ledger: Ledger) -> Decimal:
    """Return cash not tied up by shorts: neither their proceeds nor the collateral."""
    # A short's cost basis is negative: minus the proceeds at entry.
    shorts = sum((h.cost_basis for h in ledger.holdings.values() if h.qty < 0), ZERO)
    return ledger.cash + 2 * shorts
