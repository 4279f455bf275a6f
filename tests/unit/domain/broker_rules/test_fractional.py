"""Fractional and notional orders: day only, fractionable, no short, $1 minimum."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.domain.broker_rules.support import context, limit, spec
from tradecore.domain.broker_rules.fractional import (
    buy_below_minimum,
    buy_below_minimum_at_market,
    fractional_not_day,
    fractional_not_fractionable,
    fractional_short,
    is_fractional,
)
from tradecore.domain.orders.spec import Side, TimeInForce

GTC = TimeInForce.GTC


def test_whole_shares_are_not_fractional_notional_is() -> None:
    assert not is_fractional(spec(qty="3"))
    assert is_fractional(spec(qty="0.5"))
    assert is_fractional(spec(notional=Decimal(25)))


def test_fractional_or_notional_orders_must_be_day_orders() -> None:
    breach = fractional_not_day(spec(qty="0.5", time_in_force=GTC))
    assert breach is not None
    assert (breach.rule, breach.status, breach.code) == (
        "fractional_not_day",
        422,
        42210000,
    )
    assert fractional_not_day(spec(notional=Decimal(5), time_in_force=GTC))
    assert fractional_not_day(spec(qty="0.5")) is None
    assert fractional_not_day(spec(qty="2", time_in_force=GTC)) is None


def test_a_non_fractionable_asset_refuses_parts_of_a_share_only() -> None:
    flat = context(fractionable=False)
    breach = fractional_not_fractionable(spec(qty="0.5"), flat)
    assert breach is not None
    assert "not fractionable" in breach.message
    assert fractional_not_fractionable(spec(notional=Decimal(5)), flat)
    assert fractional_not_fractionable(spec(qty="1"), flat) is None
    assert fractional_not_fractionable(spec(qty="0.5"), context()) is None


@given(
    held=st.decimals(min_value=0, max_value=50, places=3),
    sold=st.decimals(min_value=Decimal("0.001"), max_value=60, places=3),
)
def test_a_fractional_sell_is_refused_exactly_when_it_would_short(
    held: Decimal, sold: Decimal
) -> None:
    order = spec(Side.SELL, str(sold))
    breach = fractional_short(order, context(position=str(held)))
    if not is_fractional(order):
        assert breach is None
    else:
        assert (breach is not None) == (held == 0 or sold > held)
        if breach is not None:
            assert (breach.status, breach.code) == (403, 40310000)


def test_a_notional_sell_is_sized_at_the_reference_price() -> None:
    order = spec(Side.SELL, notional=Decimal(150))
    assert fractional_short(order, context(position="2", price="100")) is None
    assert fractional_short(order, context(position="1", price="100")) is not None
    assert fractional_short(order, context(position="1", price=None)) is None


def test_buys_under_one_dollar_are_refused() -> None:
    breach = buy_below_minimum(spec(notional=Decimal("0.99")))
    assert breach is not None
    assert breach.message == "cost basis must be >= 1"
    assert buy_below_minimum(limit(Side.BUY, "1", "0.50")) is not None
    assert buy_below_minimum(limit(Side.BUY, "2", "0.50")) is None
    assert buy_below_minimum(limit(Side.SELL, "1", "0.50")) is None
    assert buy_below_minimum(spec(notional=Decimal(1))) is None


def test_a_priceless_buy_is_valued_at_the_reference_price() -> None:
    tiny = spec(qty="0.005")
    assert buy_below_minimum(tiny) is None  # no price in the order itself
    assert buy_below_minimum_at_market(tiny, context(price="100")) is not None
    assert buy_below_minimum_at_market(tiny, context(price="300")) is None
    assert buy_below_minimum_at_market(tiny, context(price=None)) is None
