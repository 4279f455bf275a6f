"""Shares held by resting orders, flips, and wash trades."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.domain.broker_rules.support import context, limit, resting, spec
from tradecore.domain.broker_rules.holdings import (
    insufficient_qty_available,
    wash_trade,
)
from tradecore.domain.orders.spec import OrderType, Side

qtys = st.integers(min_value=1, max_value=100)


@given(position=qtys, held=st.integers(min_value=0, max_value=100), sold=qtys)
def test_a_sell_is_refused_exactly_beyond_what_is_free(
    position: int, held: int, sold: int
) -> None:
    book = (resting(Side.SELL, str(held), "150"),) if held else ()
    breach = insufficient_qty_available(
        spec(Side.SELL, str(sold)), context(position=str(position), resting=book)
    )
    available = max(position - held, 0)
    assert (breach is None) == (sold <= available)
    if breach is not None:
        assert (breach.status, breach.code) == (403, 40310000)
        assert breach.message == (
            f"insufficient qty available for order (requested: {sold}, "
            f"available: {available})"
        )
        assert breach.details == {
            "available": str(available),
            "existing_qty": str(position),
            "held_for_orders": str(held),
            "symbol": "AAPL",
        }


def test_one_order_may_not_flip_either_way() -> None:
    assert insufficient_qty_available(spec(Side.SELL, "11"), context(position="10"))
    assert insufficient_qty_available(spec(Side.BUY, "11"), context(position="-10"))
    assert (
        insufficient_qty_available(spec(Side.BUY, "10"), context(position="-10"))
        is None
    )


def test_opening_orders_are_not_this_rules_business() -> None:
    assert insufficient_qty_available(spec(Side.SELL, "5"), context()) is None
    assert (
        insufficient_qty_available(spec(Side.BUY, "5"), context(position="3")) is None
    )


def test_resting_buys_cover_a_short_the_same_way() -> None:
    book = (resting(Side.BUY, "4", "90"),)
    breach = insufficient_qty_available(
        spec(Side.BUY, "7"), context(position="-10", resting=book)
    )
    assert breach is not None
    assert breach.details["available"] == "6"


def test_a_market_order_against_an_own_resting_limit_is_a_wash_trade() -> None:
    book = (resting(Side.SELL, "5", "105"),)
    breach = wash_trade(spec(Side.BUY, "1"), context(position="10", resting=book))
    assert breach is not None
    assert breach.message == "potential wash trade detected. use complex orders"
    assert (breach.status, breach.code) == (403, 40310000)
    assert wash_trade(spec(Side.SELL, "1"), context(resting=book)) is None


@given(
    mine=st.integers(min_value=90, max_value=110),
    theirs=st.integers(min_value=90, max_value=110),
    side=st.sampled_from(Side),
)
def test_limits_wash_exactly_when_they_cross(
    mine: int, theirs: int, side: Side
) -> None:
    book = (resting(side.opposite, "5", str(theirs)),)
    breach = wash_trade(limit(side, "1", str(mine)), context(resting=book))
    crosses = mine >= theirs if side is Side.BUY else mine <= theirs
    assert (breach is not None) == crosses


def test_stops_and_resting_market_orders_are_not_counted() -> None:
    stop = resting(Side.SELL, "5", order_type=OrderType.STOP)
    pending_market = resting(Side.SELL, "5")
    ctx = context(resting=(stop, pending_market))
    assert wash_trade(spec(Side.BUY, "1"), ctx) is None
    stop_order = spec(Side.BUY, "1", order_type=OrderType.STOP, stop_price=Decimal(101))
    assert (
        wash_trade(stop_order, context(resting=(resting(Side.SELL, "5", "90"),)))
        is None
    )
