"""Wash-sale replacement purchases (IRC section 1091; IRS Pub. 550, "Wash Sales").

A loss on a sale of stock is disallowed when, "within 30 days before or after the
sale", substantially identical stock is bought (Pub. 550). Here substantially
identical means the same symbol; the window is 30 calendar days each side of the
sale's trade date, inclusive, so it crosses year ends (a loss sale on Dec 20 and a
buy on Jan 5 is a wash sale of the earlier year). Replacement shares are matched in
the order they were bought, and "each share of replacement stock is used once"; the
shares of the lot being sold are not their own replacement.

Only purchases that open or add to a long position count (a buy that covers a short
acquires no stock that is kept). A short sale's own wash-sale rules (Pub. 550,
"Short sales" under wash sales) are not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs

from tradecore.domain.books.events import events, trade_date
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction
from tradecore.domain.orders.executions import Fill

WINDOW = timedelta(days=30)
_ZERO = Decimal(0)


@attrs.frozen(slots=True)
class Purchase:
    """A buy fill's shares that opened or added to a long position."""

    index: int
    execution_id: str
    symbol: str
    day: date
    qty: Decimal


def purchases(
    fills: Sequence[Fill], actions: Sequence[CorporateAction], through: date | None
) -> dict[str, list[Purchase]]:
    """Every long-opening purchase by symbol (the symbol it was bought under)."""
    held: dict[str, Decimal] = {}
    found: dict[str, list[Purchase]] = {}
    for index, item in events(fills, actions, through):
        if isinstance(item, CorporateAction):
            _act(held, item)
            continue
        before = held.get(item.symbol, _ZERO)
        after = before + item.signed_qty
        held[item.symbol] = after
        opened = max(after, _ZERO) - max(before, _ZERO)
        if opened > 0:
            found.setdefault(item.symbol, []).append(
                Purchase(
                    index,
                    item.execution_id,
                    item.symbol,
                    trade_date(item.filled_at),
                    opened,
                )
            )
    return found


def _act(held: dict[str, Decimal], action: CorporateAction) -> None:
    qty = held.pop(action.symbol, _ZERO)
    if action.kind is ActionKind.NAME_CHANGE and action.new_symbol:
        held[action.new_symbol] = held.get(action.new_symbol, _ZERO) + qty
    elif action.ratio is not None:
        held[action.symbol] = qty * action.ratio


def in_window(
    bought: Mapping[str, Sequence[Purchase]], symbol: str, sold: date, exclude: str
) -> list[Purchase]:
    """Purchases of ``symbol`` within 30 days of ``sold``, first bought first,
    except the purchase ``exclude`` (the lot being sold)."""
    low, high = sold - WINDOW, sold + WINDOW
    return [
        p
        for p in bought.get(symbol, ())
        if low <= p.day <= high and p.execution_id != exclude
    ]
