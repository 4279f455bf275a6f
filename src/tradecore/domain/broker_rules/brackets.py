"""Bracket, OTO and OCO orders: day or gtc, regular hours, legs a cent off the base.

Alpaca's rules for an order with exit legs (docs.alpaca.markets "Orders at Alpaca",
"Bracket Orders"; ALPACA.md §3):

- time in force ``day`` or ``gtc`` only, and never ``extended_hours``: "TIF must be
  day or gtc. Extended hours are not allowed" (ALPACA.md §3, from the docs'
  content/trading/orders.md). Alpaca's exact messages for these two are not
  documented; the wording below is the closest to the documented rule;
- the take-profit and stop-loss on the right side of the base price, by at least
  $0.01: the stop-loss ``stop_price`` "must be at least $0.01 away from the base
  price" (ALPACA.md §3). The base price is the entry's limit price, else the last
  price the broker knows (:attr:`RuleContext.reference_price`). Alpaca answers a
  stop-loss too close with 422 "stop price must be less than base_price - 0.01"
  (Alpaca-API#166); the take-profit's answer mirrors that wording (not documented).
  An OCO is the exit itself: its legs are measured against the market only.
- a bracket or OTO opens or adds to a position: one on the side that would close it
  is refused with 422, code 42210000, "bracket orders must be entry orders"
  (forum.alpaca.markets t/13159, alpaca-trade-api-js#248). An OCO is the exit form.

Every answer is a 422 with code 42210000 (reported for the entry rule; for the others
the code is not reported and the same is assumed).
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.broker_rules.breach import UNPROCESSABLE, RuleBreach
from tradecore.domain.broker_rules.context import RuleContext
from tradecore.domain.orders.spec import OrderSpec, Side, TimeInForce

SOURCE = "docs.alpaca.markets Orders at Alpaca (Bracket Orders); ALPACA.md §3"
ENTRY_SOURCE = "forum.alpaca.markets t/13159; alpaca-trade-api-js#248"
BASE_SOURCE = "Alpaca-API#166; ALPACA.md §3 (stop-loss at least $0.01 from base price)"
_RESTING = (TimeInForce.DAY, TimeInForce.GTC)
_CENT = Decimal("0.01")


def _order_class(spec: OrderSpec) -> str:
    if spec.oco:
        return "oco"
    bracket = spec.bracket
    assert bracket is not None
    both = bracket.take_profit_limit is not None and bracket.stop_loss_stop is not None
    return "bracket" if both else "oto"


def _refused(rule: str, message: str, source: str = SOURCE) -> RuleBreach:
    return RuleBreach(
        rule=rule, message=message, status=422, code=UNPROCESSABLE, source=source
    )


def advanced_order_time_in_force(spec: OrderSpec) -> RuleBreach | None:
    """Refuse a bracket, OTO or OCO whose time in force is not ``day`` or ``gtc``."""
    if spec.bracket is None or spec.time_in_force in _RESTING:
        return None
    kind = _order_class(spec)
    return _refused(
        "advanced_order_time_in_force", f"{kind} orders must be day or gtc orders"
    )


def advanced_order_extended_hours(spec: OrderSpec) -> RuleBreach | None:
    """Refuse a bracket, OTO or OCO for extended hours."""
    if spec.bracket is None or not spec.extended_hours:
        return None
    kind = _order_class(spec)
    return _refused(
        "advanced_order_extended_hours",
        f"extended hours are not supported for {kind} orders",
    )


def _base_price(spec: OrderSpec, context: RuleContext) -> Decimal | None:
    if spec.oco:
        return context.reference_price  # the exit's own limit is the take-profit
    return spec.limit_price or context.reference_price


def leg_price_off_base(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse a take-profit or stop-loss not at least $0.01 beyond the base price."""
    bracket, base = spec.bracket, _base_price(spec, context)
    if bracket is None or base is None:
        return None
    # The legs sell what a buy entry bought (and buy back a sell entry): above the
    # base for a buy's take-profit, below for its stop. An OCO is the exit itself.
    up = (spec.side is Side.BUY) != spec.oco
    take_profit, stop = bracket.take_profit_limit, bracket.stop_loss_stop
    if take_profit is not None and not _beyond(take_profit, base, up):
        word = "greater than base_price + 0.01" if up else "less than base_price - 0.01"
        return _refused(
            "take_profit_off_base", f"take profit price must be {word}", BASE_SOURCE
        )
    if stop is not None and not _beyond(stop, base, not up):
        word = "less than base_price - 0.01" if up else "greater than base_price + 0.01"
        return _refused("stop_loss_off_base", f"stop price must be {word}", BASE_SOURCE)
    return None


def _beyond(price: Decimal, base: Decimal, up: bool) -> bool:
    return price >= base + _CENT if up else price <= base - _CENT


def bracket_not_entry(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse a bracket or OTO on the side that closes the position."""
    if spec.bracket is None or spec.oco:
        return None
    position = context.position
    closing = (position > 0 and spec.side is Side.SELL) or (
        position < 0 and spec.side is Side.BUY
    )
    if not closing:
        return None
    return _refused(
        "bracket_not_entry", "bracket orders must be entry orders", ENTRY_SOURCE
    )
