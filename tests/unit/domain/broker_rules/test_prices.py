"""The tick-size rule: on-tick prices pass, one more decimal is refused."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.domain.broker_rules.support import limit
from tradecore.domain.broker_rules.prices import on_tick, sub_penny_price, tick_size
from tradecore.domain.orders.money import quantize_price
from tradecore.domain.orders.spec import Side

prices = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal(100_000), places=6
).filter(lambda p: quantize_price(p) > 0)


@given(prices)
def test_every_price_rounded_to_its_tick_passes(price: Decimal) -> None:
    rounded = quantize_price(price)
    assert on_tick(rounded)
    assert sub_penny_price(limit(Side.BUY, "1", str(rounded))) is None


@given(prices)
def test_a_price_off_its_tick_is_refused_naming_the_field(price: Decimal) -> None:
    rounded = quantize_price(price)
    off = rounded + tick_size(rounded) / 10
    breach = sub_penny_price(limit(Side.SELL, "1", str(off)))
    assert breach is not None
    assert breach.rule == "sub_penny_price"
    assert breach.message.startswith(f"invalid limit_price {off}.")
