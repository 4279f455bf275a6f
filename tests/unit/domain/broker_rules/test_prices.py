"""The tick-size rule: two decimals from $1.00, four below (Reg NMS Rule 612)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.broker_rules import first_breach
from tradecore.domain.broker_rules.prices import on_tick, sub_penny_price
from tradecore.domain.orders.money import price_increment, quantize_price
from tradecore.domain.orders.spec import Bracket, OrderSpec, OrderType, Side

prices = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal(100_000), places=6
).filter(lambda p: p > 0)


def _limit(price: str, bracket: Bracket | None = None) -> OrderSpec:
    return OrderSpec(
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal(1),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(price),
        bracket=bracket,
    )


@given(prices)
def test_every_price_rounded_to_its_tick_is_on_tick(price):
    assert on_tick(quantize_price(price))


def test_the_boundary_is_one_dollar():
    assert on_tick(Decimal("1.00"))
    assert not on_tick(Decimal("1.0001"))
    assert on_tick(Decimal("0.9999"))
    assert not on_tick(Decimal("0.99995"))


def test_the_breach_names_the_field_and_carries_alpacas_answer():
    breach = sub_penny_price(_limit("11.055"))
    assert breach is not None
    assert breach.rule == "sub_penny_price"
    assert (breach.status, breach.code) == (422, 42210000)
    assert breach.message == (
        "invalid limit_price 11.055. sub-penny increment does not fulfill minimum "
        "pricing criteria"
    )
    assert breach.body() == {"code": 42210000, "message": breach.message}


def test_bracket_legs_obey_the_tick_too():
    bracket = Bracket(
        take_profit_limit=Decimal("120.005"), stop_loss_stop=Decimal("90.00")
    )
    breach = first_breach(_limit("100.00", bracket), None)
    assert breach is not None
    assert "take_profit.limit_price 120.005" in breach.message
    assert first_breach(_limit("100.00"), None) is None


@given(prices)
def test_a_price_off_its_tick_is_refused_naming_the_field(price):
    rounded = quantize_price(price)
    off = rounded + price_increment(rounded) / 10
    breach = sub_penny_price(_limit(str(off)))
    assert breach is not None
    assert breach.rule == "sub_penny_price"
    assert breach.message.startswith(f"invalid limit_price {off}.")
