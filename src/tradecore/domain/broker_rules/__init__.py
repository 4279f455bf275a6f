"""Alpaca's order rules, as pure functions of an order and a :class:`RuleContext`.

:func:`first_breach` runs them in the order Alpaca reports them: the request's own
shape first (prices), then the asset and account, then the book. Each module cites
where its rule is documented; docs/ALPACA-FIDELITY.md lists them all.
"""

from __future__ import annotations

from collections.abc import Callable

from tradecore.domain.broker_rules import (
    accounts,
    assets,
    brackets,
    day_trading,
    fractional,
    holdings,
    order_windows,
    prices,
)
from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.broker_rules.context import RuleContext
from tradecore.domain.orders.spec import OrderSpec

#: A rule that needs only the order.
ShapeRule = Callable[[OrderSpec], RuleBreach | None]
#: A rule that needs the asset, the account or the book too.
ContextRule = Callable[[OrderSpec, RuleContext], RuleBreach | None]

SHAPE_RULES: tuple[ShapeRule, ...] = (
    prices.sub_penny_price,
    fractional.fractional_not_day,
    fractional.buy_below_minimum,
    brackets.advanced_order_time_in_force,
    brackets.advanced_order_extended_hours,
)
#: The asset and the session first, then the order against the base price, then
#: shorting (account, asset), then the account's own book and day trades.
CONTEXT_RULES: tuple[ContextRule, ...] = (
    assets.asset_not_active,
    assets.asset_not_tradable,
    order_windows.auction_window,
    fractional.fractional_not_fractionable,
    brackets.bracket_not_entry,
    brackets.leg_price_off_base,
    fractional.buy_below_minimum_at_market,
    accounts.shorting_not_allowed,
    assets.asset_not_shortable,
    assets.hard_to_borrow,
    fractional.fractional_short,
    holdings.insufficient_qty_available,
    holdings.wash_trade,
    day_trading.pattern_day_trading,
)


def shape_breach(spec: OrderSpec) -> RuleBreach | None:
    """The first rule on the order's own shape that ``spec`` breaks, if any."""
    for rule in SHAPE_RULES:
        if (breach := rule(spec)) is not None:
            return breach
    return None


def context_breach(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """The first asset, account or book rule that ``spec`` breaks, if any."""
    for rule in CONTEXT_RULES:
        if (breach := rule(spec, context)) is not None:
            return breach
    return None


def first_breach(spec: OrderSpec, context: RuleContext | None) -> RuleBreach | None:
    """The first rule ``spec`` breaks (``None``: the broker would take it).

    Without a context only the rules on the order's own shape are checked.
    """
    breach = shape_breach(spec)
    if breach is None and context is not None:
        breach = context_breach(spec, context)
    return breach
