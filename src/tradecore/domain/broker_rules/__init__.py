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
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags, RuleContext
from tradecore.domain.orders.spec import OrderSpec, TimeInForce

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


#: Each context rule that a standing flag of the asset or account must allow
#: before the rule can refuse anything, with the test of that flag (a rule not
#: listed depends on the order or the book and is always run).
_FLAG_GATED: dict[ContextRule, Callable[[AssetFlags, AccountFlags], bool]] = {
    assets.asset_not_active: lambda asset, _: asset.status != "active",
    assets.asset_not_tradable: lambda asset, _: not asset.tradable,
    fractional.fractional_not_fractionable: lambda asset, _: not asset.fractionable,
    accounts.shorting_not_allowed: lambda _, account: (
        not accounts.can_short(account.multiplier, account.shorting_enabled)
    ),
    assets.asset_not_shortable: lambda asset, _: not asset.shortable,
    assets.hard_to_borrow: lambda asset, _: not asset.easy_to_borrow,
    day_trading.pattern_day_trading: lambda _, account: account.multiplier > 1,
}


def context_rules_for(
    asset: AssetFlags, account: AccountFlags
) -> tuple[ContextRule, ...]:
    """:data:`CONTEXT_RULES` less those ``asset``'s and ``account``'s standing flags
    let pass every order (an active, tradable, fractionable asset; an account that
    may short; a cash account's day trades), in the same order.

    Only the flags that stay put are read (status, tradable, shortable, borrow,
    fractionable; multiplier, shorting enabled): the day-trade count and equity a
    rule reads from the context on every check.
    """
    return tuple(
        rule
        for rule in CONTEXT_RULES
        if (gate := _FLAG_GATED.get(rule)) is None or gate(asset, account)
    )


#: Context rules that refuse only an order with a bracket (or OCO) attached, or
#: one for an auction (``opg``/``cls``): each returns ``None`` first thing for any
#: other order.
_BRACKET_OR_AUCTION_ONLY: frozenset[ContextRule] = frozenset(
    {
        order_windows.auction_window,
        brackets.bracket_not_entry,
        brackets.leg_price_off_base,
    }
)


def plain_order_rules(rules: tuple[ContextRule, ...]) -> tuple[ContextRule, ...]:
    """``rules`` less those that cannot refuse an order without a bracket whose
    time in force is neither ``opg`` nor ``cls`` (the same answers, in the same
    order, for such an order: a venue checks every market order against them).
    """
    return tuple(rule for rule in rules if rule not in _BRACKET_OR_AUCTION_ONLY)


def _plain(spec: OrderSpec) -> bool:
    """Whether no shape rule can refuse ``spec``: no limit, stop or bracket (no
    price to check, no advanced order), no notional, and a whole-share quantity
    unless it is a day order (fractional orders must be day orders)."""
    if (
        spec.limit_price is not None
        or spec.stop_price is not None
        or spec.bracket is not None
        or spec.notional is not None
    ):
        return False
    return spec.time_in_force is TimeInForce.DAY or not fractional.is_fractional(spec)


def shape_breach(spec: OrderSpec) -> RuleBreach | None:
    """The first rule on the order's own shape that ``spec`` breaks, if any."""
    if _plain(spec):
        return None
    for rule in SHAPE_RULES:
        if (breach := rule(spec)) is not None:
            return breach
    return None


def context_breach(
    spec: OrderSpec,
    context: RuleContext,
    rules: tuple[ContextRule, ...] = CONTEXT_RULES,
) -> RuleBreach | None:
    """The first asset, account or book rule that ``spec`` breaks, if any.

    ``rules``: :data:`CONTEXT_RULES`, or :func:`context_rules_for` the context's
    asset and account (the same answer, without asking rules that cannot refuse).
    """
    for rule in rules:
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
