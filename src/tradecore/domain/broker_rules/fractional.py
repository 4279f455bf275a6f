"""Fractional and notional orders: day only, fractionable assets, no short, $1 minimum.

Alpaca's rules for orders in parts of a share (a fractional ``qty`` or a ``notional``):

- only ``day`` orders: "fractional shares trading is currently supported only for day
  orders and any other type of orders will result in API error"
  (docs.alpaca.markets/docs/trading-1 "Fractional Shares"); the answer is a 422 whose
  message says "all fractional orders must be DAY orders" (alpaca-java#140);
- only on an asset whose ``fractionable`` flag is set (same page: "set to true if the
  asset is marked for fractional trading"); Alpaca's exact message is not documented,
  so the closest documented wording is used ("asset ... is not fractionable");
- never a short sale: "fractional orders are not allowed to short"
  (alpaca-trade-api-python#405); a fractional sell larger than the long position is
  one. The status is not reported there: 403 with 40310000, as Alpaca answers every
  refusal about shares held (ALPACA.md §5.2 (b′)), is assumed;
- a buy worth at least $1 (ALPACA.md §3: "Buy orders must be worth at least $1, or the
  server answers 422"); the message is Alpaca's observed "cost basis must be >= 1"
  wording (its crypto twin says ">= 10"), not quoted from its docs.

Every 422 here carries code 42210000 (Alpaca's code for refused 422s, ALPACA.md §5.2);
the exact code of each is not documented.
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.broker_rules.breach import FORBIDDEN, UNPROCESSABLE, RuleBreach
from tradecore.domain.broker_rules.context import RuleContext
from tradecore.domain.orders.spec import OrderSpec, Side, TimeInForce

DAY_ONLY_SOURCE = (
    "docs.alpaca.markets/docs/trading-1 (Fractional Shares); alpaca-java#140"
)
FRACTIONABLE_SOURCE = "docs.alpaca.markets/docs/trading-1 (Asset API: fractionable)"
SHORT_SOURCE = "alpaca-trade-api-python#405"
MINIMUM_SOURCE = "ALPACA.md §3 (buy orders worth at least $1, else 422)"
MINIMUM_BUY = Decimal(1)


def is_fractional(spec: OrderSpec) -> bool:
    """Whether ``spec`` trades part of a share: a notional, or a qty with decimals."""
    if spec.notional is not None:
        return True
    assert spec.qty is not None  # OrderSpec requires qty or notional
    return spec.qty != spec.qty.to_integral_value()


def fractional_not_day(spec: OrderSpec) -> RuleBreach | None:
    """Refuse a fractional or notional order whose time in force is not ``day``."""
    if not is_fractional(spec) or spec.time_in_force is TimeInForce.DAY:
        return None
    return RuleBreach(
        rule="fractional_not_day",
        message="fractional orders must be DAY orders",
        status=422,
        code=UNPROCESSABLE,
        source=DAY_ONLY_SOURCE,
    )


def fractional_not_fractionable(
    spec: OrderSpec, context: RuleContext
) -> RuleBreach | None:
    """Refuse a fractional or notional order on an asset that is not fractionable."""
    if context.asset.fractionable or not is_fractional(spec):
        return None
    return RuleBreach(
        rule="fractional_not_fractionable",
        message=f"asset {spec.symbol} is not fractionable",
        status=422,
        code=UNPROCESSABLE,
        source=FRACTIONABLE_SOURCE,
    )


def _sell_qty(spec: OrderSpec, reference: Decimal | None) -> Decimal | None:
    if spec.qty is not None:
        return spec.qty
    assert spec.notional is not None
    return None if reference is None else spec.notional / reference


def fractional_short(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse a fractional sell that sells more than the long position (a short)."""
    if spec.side is not Side.SELL or not is_fractional(spec):
        return None
    qty = _sell_qty(spec, spec.limit_price or context.reference_price)
    long = max(context.position, Decimal(0))
    if long > 0 and (qty is None or qty <= long):
        return None
    return RuleBreach(
        rule="fractional_short",
        message="fractional orders are not allowed to short",
        status=403,
        code=FORBIDDEN,
        source=SHORT_SOURCE,
    )


def _below_minimum(spec: OrderSpec, price: Decimal | None) -> RuleBreach | None:
    if spec.side is not Side.BUY:
        return None
    if spec.notional is not None:
        value: Decimal | None = spec.notional
    else:
        assert spec.qty is not None
        value = None if price is None else spec.qty * price
    if value is None or value >= MINIMUM_BUY:
        return None
    return RuleBreach(
        rule="buy_below_minimum",
        message="cost basis must be >= 1",
        status=422,
        code=UNPROCESSABLE,
        details={"cost_basis": format(value, "f")},
        source=MINIMUM_SOURCE,
    )


def buy_below_minimum(spec: OrderSpec) -> RuleBreach | None:
    """Refuse a buy worth less than $1 at its own price (notional, or qty x limit)."""
    return _below_minimum(spec, spec.limit_price or spec.stop_price)


def buy_below_minimum_at_market(
    spec: OrderSpec, context: RuleContext
) -> RuleBreach | None:
    """Refuse a priceless buy worth less than $1 at the broker's reference price."""
    if spec.limit_price is not None or spec.stop_price is not None:
        return None  # checked on its own price by buy_below_minimum
    return _below_minimum(spec, context.reference_price)
