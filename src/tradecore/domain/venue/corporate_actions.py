"""How the simulated venue applies a corporate action to the account, and when.

The venue trades raw prices; on an action's ex-date it changes the account the way
the broker does, and reports what it did (an :class:`ActionBooking`) for the engine
to book on its own ledger.

- **When.** At midnight New York time starting the ex-date: after the last bar of
  the day before (after-hours included) and before any bar of the ex-date, whose
  raw prices are already split-adjusted or ex-dividend. The ex-date is the date that
  matters: "the first date which the 'new shares' start trading with a split
  adjusted value" (Alpaca's answer on forum.alpaca.markets, "Forward splits object
  missing payable_date"); a payable date before it must not move the position.
- **Split.** Quantity x ratio, average price / ratio, fractions kept to 1e-9 share
  as Alpaca keeps them since 2021-08-02, any remainder paid in cash
  (:mod:`tradecore.domain.orders.entitlements`). Open orders in the symbol are
  **canceled** (reason ``corporate_action``): their quantities and prices are in
  pre-split shares. This is an approximation of Alpaca, chosen knowingly: Alpaca's
  order statuses say an order may be "replaced ... or was updated due to a market
  event such as corporate action" (docs "Order Lifecycle", OpenAPI ``OrderStatus``
  ``replaced``; docs/alpaca.md §4.2), i.e. Alpaca adjusts a resting order (as FINRA
  Rule 5330 does: quantity x ratio, price / ratio) and reports the old one
  ``replaced`` by a new one. Following such a broker-initiated replacement needs
  the order manager to adopt an order under a client order id it did not derive,
  which it cannot yet; a cancel it handles, and the strategy decides again on the
  next bar, in the new shares. Cancellation is also what Alpaca does to orders in
  a stock that stops trading in a cash merger (its partner Opto's help page
  "Handling corporate actions": "Any scheduled orders for the affected stock will
  be automatically canceled by the broker-dealer, Alpaca").
- **Cash dividend.** Cash += position at the prior close x cash per share, a short
  pays it. Booked on the **ex-date**, not the payable date: Alpaca credits the cash
  on the payable date ("position and cash balance changes that will take effect on
  an announcement's payable date", Alpaca's Corporate Actions Announcements API
  reference), but the entitlement is fixed on the ex-date and the price drops by the
  dividend that morning; booking it then keeps marked equity continuous instead of
  showing a dip until the payable date (the ledger has no receivable). Open orders
  are left alone.
- **Rename.** The position moves to the new symbol; open orders in the old symbol
  are canceled (the old symbol no longer trades).

The symbol's last mark moves with the action (split: price / ratio, volume x ratio;
dividend: the ex-dividend price, close - cash; rename: the new symbol), so equity
marked before the ex-date's first bar is already what the action leaves.
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction
from tradecore.domain.orders.entitlements import ActionTerms, EntitlementKind

_KINDS = {
    ActionKind.FORWARD_SPLIT: EntitlementKind.SPLIT,
    ActionKind.REVERSE_SPLIT: EntitlementKind.SPLIT,
    ActionKind.CASH_DIVIDEND: EntitlementKind.CASH_DIVIDEND,
    ActionKind.NAME_CHANGE: EntitlementKind.RENAME,
}
#: Reason of an order the venue cancels for a corporate action.
CANCEL_REASON = "corporate_action"


def terms_of(
    action: CorporateAction,
    reference_price: Decimal | None,
    *,
    whole_shares: bool = False,
) -> ActionTerms:
    """The terms the books apply for ``action`` (prior raw close ``reference_price``)."""
    return ActionTerms(
        kind=_KINDS[action.kind],
        symbol=action.symbol,
        ex_date=action.ex_date,
        ratio=action.ratio if action.is_split else None,
        cash=action.cash if action.kind is ActionKind.CASH_DIVIDEND else None,
        new_symbol=action.new_symbol if action.kind is ActionKind.NAME_CHANGE else None,
        reference_price=reference_price,
        whole_shares=whole_shares,
    )


def cancels_orders(action: CorporateAction) -> bool:
    """Whether open orders in the symbol are canceled (splits and renames)."""
    return action.is_split or action.kind is ActionKind.NAME_CHANGE
