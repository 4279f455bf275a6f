"""Which bracketed entries still protect a position: what a restart must remember.

While a bracket's legs rest they hold the position's shares, so a strategy exit
must cancel them first (:meth:`ProtectionDesk.clear_for`), and their events must be
recognised as ours (:meth:`OrderManager.learn_legs`). Both are remembered in memory
as entries are placed; after a restart they are rebuilt from the store: for every
symbol whose position is open, the bracketed entries that filled since the position
was last flat. Older entries' legs ended when their position did.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from tradecore.domain.orders.executions import Fill


def fills_since_flat(fills: Iterable[Fill]) -> dict[str, list[Fill]]:
    """Per symbol with an open position, its fills since the position was last 0.

    Fills are taken in time order (execution id breaks ties, as the ledger does);
    a symbol whose position ends flat is left out.
    """
    position: dict[str, Decimal] = {}
    since: dict[str, list[Fill]] = {}
    for fill in sorted(fills, key=lambda f: (f.filled_at, f.execution_id)):
        held = position.get(fill.symbol, Decimal(0)) + fill.signed_qty
        position[fill.symbol] = held
        if held == 0:
            since.pop(fill.symbol, None)
        else:
            since.setdefault(fill.symbol, []).append(fill)
    return since


def open_position_orders(fills: Sequence[Fill]) -> list[str]:
    """Client order ids whose fills built the open positions, first fill first."""
    seen: dict[str, None] = {}
    for symbol_fills in fills_since_flat(fills).values():
        for fill in symbol_fills:
            seen.setdefault(fill.client_order_id, None)
    return list(seen)
