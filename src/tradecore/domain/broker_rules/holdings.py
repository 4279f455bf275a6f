"""The book: shares promised to resting orders, no flip in one order, no wash trades.

- Shares held: a sell may not exceed the long position less what resting sells
  already hold (and a buy, the short position less what resting buys cover). Alpaca
  answers 403, code 40310000, "insufficient qty available for order (requested: Q,
  available: A)" with ``available``, ``existing_qty``, ``held_for_orders`` and
  ``symbol`` in the body (forum.alpaca.markets t/16594; ALPACA.md §5.2 (b′)).
- No flip: one order may not take a long position short or a short one long;
  Alpaca refuses it with the same answer, ``available`` being the whole position
  (Alpaca-API#90: "insufficient qty available for order (requested: 2, available:
  1)"; alpaca-trade-api-python#129). One rule name covers both, since the answer
  cannot tell them apart.
- Wash trades: an order on the opposite side of a resting order in the symbol that
  could execute against it (a market order against a resting limit, or a limit
  that crosses a resting limit) is refused with "potential wash trade detected. use complex orders"
  (docs.alpaca.markets/docs/trading/user-protections "Preventing Wash Trades").
  Reports differ on the status (ALPACA.md §5.2 (f′)): a 403 with code 40310000 is
  quoted verbatim in forum.alpaca.markets t/13817 (a market buy against a pending
  limit sell) and is what is used; alpaca-java#145 saw a 422. Only resting limit
  orders are counted: stops rest off the book until triggered, and a resting market
  order not yet filled is left out (approximation: Alpaca's docs do not say).
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.broker_rules.breach import FORBIDDEN, RuleBreach
from tradecore.domain.broker_rules.context import RuleContext
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side

QTY_SOURCE = "forum.alpaca.markets t/16594; Alpaca-API#90; ALPACA.md §5.2 (b')"
WASH_SOURCE = (
    "docs.alpaca.markets/docs/trading/user-protections; forum.alpaca.markets t/13817"
)
_ZERO = Decimal(0)
#: Incoming orders the wash-trade check applies to (stops rest off the book).
_WASH_CHECKED = (OrderType.MARKET, OrderType.LIMIT)


def _num(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _qty(spec: OrderSpec, context: RuleContext) -> Decimal | None:
    if spec.qty is not None:
        return spec.qty
    assert spec.notional is not None
    price = spec.limit_price or context.reference_price
    return None if price is None else spec.notional / price


def insufficient_qty_available(
    spec: OrderSpec, context: RuleContext
) -> RuleBreach | None:
    """Refuse an order closing more than the position has free (held or a flip)."""
    position = context.position
    closing = (position > 0 and spec.side is Side.SELL) or (
        position < 0 and spec.side is Side.BUY
    )
    # ``_qty`` of a share order is its quantity: read without the call.
    requested = spec.qty if spec.qty is not None else _qty(spec, context)
    if not closing or requested is None:
        return None
    summary = context.summary  # ``held_for_sells``/``_buys`` without two calls
    if summary is None:
        summary = context.resting_summary()
    held = summary.held_for_sells if spec.side is Side.SELL else summary.held_for_buys
    existing = abs(position)
    available = max(existing - held, _ZERO)
    if requested <= available:
        return None
    message = (
        "insufficient qty available for order "
        f"(requested: {_num(requested)}, available: {_num(available)})"
    )
    details = {
        "available": _num(available),
        "existing_qty": _num(existing),
        "held_for_orders": _num(held),
        "symbol": spec.symbol,
    }
    return RuleBreach(
        rule="insufficient_qty_available",
        message=message,
        status=403,
        code=FORBIDDEN,
        details=details,
        source=QTY_SOURCE,
    )


def wash_trade(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse an order that could execute against one of the account's own."""
    if spec.order_type not in _WASH_CHECKED:
        return None
    summary = context.summary  # ``resting_summary()`` without its call
    if summary is None:
        summary = context.resting_summary()
    if not summary.crossed_by(spec):
        return None
    return RuleBreach(
        rule="wash_trade",
        message="potential wash trade detected. use complex orders",
        status=403,
        code=FORBIDDEN,
        source=WASH_SOURCE,
    )
