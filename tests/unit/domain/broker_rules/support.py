"""Small builders for rule tests: an order, a context, a resting order."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradecore.domain.broker_rules.context import (
    AccountFlags,
    AssetFlags,
    RestingOrder,
    RuleContext,
)
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def spec(side: Side = Side.BUY, qty: str | None = "1", **kw: Any) -> OrderSpec:
    """An AAPL order (market, day, 1 share unless told otherwise)."""
    if "notional" in kw:
        qty = None
    return OrderSpec(
        symbol="AAPL", side=side, qty=None if qty is None else Decimal(qty), **kw
    )


def limit(side: Side, qty: str, price: str, **kw: Any) -> OrderSpec:
    """An AAPL limit order."""
    return spec(side, qty, order_type=OrderType.LIMIT, limit_price=Decimal(price), **kw)


def context(
    *,
    position: str = "0",
    price: str | None = "100",
    resting: tuple[RestingOrder, ...] = (),
    **asset: Any,
) -> RuleContext:
    """A context for AAPL: flags on unless told, last price ``price``."""
    return RuleContext(
        asset=AssetFlags(symbol="AAPL", **asset),
        account=AccountFlags(),
        now=NOW,
        reference_price=None if price is None else Decimal(price),
        position=Decimal(position),
        resting=resting,
    )


def resting(side: Side, qty: str, price: str | None = None, **kw: Any) -> RestingOrder:
    """A resting limit (``price``) or market order of the account."""
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    return RestingOrder(
        broker_order_id=f"r-{side}-{qty}-{price}",
        side=side,
        order_type=kw.pop("order_type", kind),
        open_qty=Decimal(qty),
        limit_price=None if price is None else Decimal(price),
        **kw,
    )
