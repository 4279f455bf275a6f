"""Asset rules: what ``GET /v2/assets/{symbol}`` says the account may do with a symbol.

Alpaca describes every asset with ``status`` (``active``/``inactive``), ``tradable``,
``shortable`` and ``easy_to_borrow`` (alpaca-py ``Asset``; docs.alpaca.markets
"Assets" reference). It refuses, with a 422 and code 42210000:

- an order for an inactive or untradable asset. Alpaca's exact wording is not
  documented; the messages here follow the wording of its other asset refusals
  (``asset "LQD" cannot be sold short``) and say what is wrong;
- a sale that opens or adds to a short position in an asset that is not
  ``shortable``: ``asset "LQD" cannot be sold short`` (paper-account logs quoted in
  public trading repositories, code 42210000; Alpaca-API#86: "You can short assets
  that are listed as shortable in our assets api");
- a short sale of a hard-to-borrow asset (``easy_to_borrow`` false) with any time in
  force but ``day``: ``only day orders are allowed for hard-to-borrow asset "USO"``
  (the same logs). Before 2022 Alpaca refused every hard-to-borrow short
  (Alpaca-API#211); the day-only answer is the current one.

A sale "opens a short" when it sells more than the position holds; what resting
orders already promise is the holdings rule's business, not this one's.
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.broker_rules.breach import UNPROCESSABLE, RuleBreach
from tradecore.domain.broker_rules.context import RuleContext
from tradecore.domain.orders.spec import OrderSpec, Side, TimeInForce

SOURCE_ASSETS = "docs.alpaca.markets/reference/get-v2-assets-symbol_or_asset_id"
SOURCE_SHORTABLE = (
    "Alpaca-API#86; paper-account refusal 'asset \"LQD\" cannot be sold short' "
    "(422, 42210000) quoted in public trading repositories"
)
SOURCE_HARD_TO_BORROW = (
    "paper-account refusal 'only day orders are allowed for hard-to-borrow asset' "
    "(422, 42210000) quoted in public trading repositories; Alpaca-API#211"
)
_ZERO = Decimal(0)


def opens_short(spec: OrderSpec, context: RuleContext) -> bool:
    """Whether ``spec`` sells more than the position holds (opens or adds a short)."""
    if spec.side is not Side.SELL:
        return False
    if spec.qty is None:  # a notional sale: sizes at the reference price
        price = context.reference_price
        if price is None or spec.notional is None:
            return context.position <= _ZERO
        return context.position - spec.notional / price < _ZERO
    return context.position - spec.qty < _ZERO


def asset_not_active(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse any order in an asset whose ``status`` is not ``active``."""
    if context.asset.status == "active":
        return None
    return RuleBreach(
        rule="asset_not_active",
        message=f'asset "{spec.symbol}" is not active',
        status=422,
        code=UNPROCESSABLE,
        source=SOURCE_ASSETS,
    )


def asset_not_tradable(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse any order in an asset that is not ``tradable``."""
    if context.asset.tradable:
        return None
    return RuleBreach(
        rule="asset_not_tradable",
        message=f'asset "{spec.symbol}" is not tradable',
        status=422,
        code=UNPROCESSABLE,
        source=SOURCE_ASSETS,
    )


def asset_not_shortable(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse a sale that would open a short in an asset that is not ``shortable``."""
    if context.asset.shortable or not opens_short(spec, context):
        return None
    return RuleBreach(
        rule="asset_not_shortable",
        message=f'asset "{spec.symbol}" cannot be sold short',
        status=422,
        code=UNPROCESSABLE,
        source=SOURCE_SHORTABLE,
    )


def hard_to_borrow(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse a hard-to-borrow short with a time in force other than ``day``."""
    asset = context.asset
    if asset.easy_to_borrow or spec.time_in_force is TimeInForce.DAY:
        return None
    if not opens_short(spec, context):
        return None
    return RuleBreach(
        rule="hard_to_borrow",
        message=f'only day orders are allowed for hard-to-borrow asset "{spec.symbol}"',
        status=422,
        code=UNPROCESSABLE,
        source=SOURCE_HARD_TO_BORROW,
    )
