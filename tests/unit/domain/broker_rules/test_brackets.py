"""Bracket, OTO and OCO rules: day/gtc, no extended hours, legs off the base price."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.unit.domain.broker_rules.support import context, limit, spec
from tradecore.domain.broker_rules.brackets import (
    advanced_order_extended_hours,
    advanced_order_time_in_force,
    bracket_not_entry,
    leg_price_off_base,
)
from tradecore.domain.orders.spec import Bracket, OrderType, Side, TimeInForce


def _bracket(tp: str | None = "110", sl: str | None = "90") -> Bracket:
    return Bracket(
        take_profit_limit=None if tp is None else Decimal(tp),
        stop_loss_stop=None if sl is None else Decimal(sl),
    )


def test_advanced_orders_are_day_or_gtc() -> None:
    for tif in (TimeInForce.IOC, TimeInForce.FOK, TimeInForce.OPG, TimeInForce.CLS):
        breach = advanced_order_time_in_force(
            spec(time_in_force=tif, bracket=_bracket())
        )
        assert breach is not None
        assert breach.message == "bracket orders must be day or gtc orders"
    oto = spec(time_in_force=TimeInForce.IOC, bracket=_bracket(tp=None))
    assert "oto orders" in advanced_order_time_in_force(oto).message  # type: ignore[union-attr]
    for tif in (TimeInForce.DAY, TimeInForce.GTC):
        assert (
            advanced_order_time_in_force(spec(time_in_force=tif, bracket=_bracket()))
            is None
        )
    assert advanced_order_time_in_force(spec(time_in_force=TimeInForce.IOC)) is None


def test_advanced_orders_never_trade_extended_hours() -> None:
    entry = limit(Side.BUY, "1", "99", extended_hours=True, bracket=_bracket())
    breach = advanced_order_extended_hours(entry)
    assert breach is not None
    assert breach.rule == "advanced_order_extended_hours"
    assert (
        advanced_order_extended_hours(limit(Side.BUY, "1", "99", extended_hours=True))
        is None
    )


def test_legs_are_measured_from_the_entry_limit_else_the_market() -> None:
    at_limit = limit(Side.BUY, "1", "105", bracket=_bracket(tp="105", sl="90"))
    breach = leg_price_off_base(at_limit, context(price="100"))
    assert breach is not None
    assert breach.rule == "take_profit_off_base"
    at_market = spec(bracket=_bracket(tp="110", sl="100"))
    breach = leg_price_off_base(at_market, context(price="100"))
    assert breach is not None
    assert breach.message == "stop price must be less than base_price - 0.01"
    assert leg_price_off_base(at_market, context(price=None)) is None


@given(
    base=st.decimals(min_value=2, max_value=500, places=2),
    gap=st.decimals(min_value=Decimal("-0.99"), max_value=Decimal("1"), places=2),
)
def test_a_sell_entry_stop_must_be_a_cent_above_the_base(
    base: Decimal, gap: Decimal
) -> None:
    stop, take_profit = base + gap, base - 1
    entry = spec(Side.SELL, bracket=_bracket(tp=str(take_profit), sl=str(stop)))
    breach = leg_price_off_base(entry, context(price=str(base)))
    assert (breach is None) == (gap >= Decimal("0.01"))


def test_an_oco_exit_is_measured_against_the_market_on_its_own_side() -> None:
    def oco(tp: str, sl: str) -> object:
        return limit(Side.SELL, "5", tp, bracket=_bracket(tp=tp, sl=sl), oco=True,
                     time_in_force=TimeInForce.GTC)  # fmt: skip

    assert leg_price_off_base(oco("110", "95"), context(price="100")) is None  # type: ignore[arg-type]
    breach = leg_price_off_base(oco("110", "101"), context(price="100"))  # type: ignore[arg-type]
    assert breach is not None
    assert breach.rule == "stop_loss_off_base"
    breach = leg_price_off_base(oco("100", "95"), context(price="100"))  # type: ignore[arg-type]
    assert breach is not None
    assert breach.rule == "take_profit_off_base"


def test_an_oco_must_be_a_limit_whose_price_is_its_take_profit() -> None:
    import pytest

    from tradecore.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        spec(Side.SELL, bracket=_bracket(), oco=True)
    with pytest.raises(InvalidInput):
        limit(Side.SELL, "1", "111", bracket=_bracket(), oco=True)
    with pytest.raises(InvalidInput):
        limit(Side.SELL, "1", "110", bracket=_bracket(sl=None), oco=True)
    assert spec(order_type=OrderType.MARKET).oco is False


def test_a_bracket_must_open_or_add_to_the_position() -> None:
    closing = spec(Side.SELL, "5", bracket=_bracket(tp="90", sl="110"))
    breach = bracket_not_entry(closing, context(position="5"))
    assert breach is not None
    assert breach.message == "bracket orders must be entry orders"
    assert bracket_not_entry(closing, context(position="0")) is None
    assert bracket_not_entry(closing, context(position="-5")) is None
    adding = spec(Side.BUY, "5", bracket=_bracket())
    assert bracket_not_entry(adding, context(position="5")) is None
    assert bracket_not_entry(adding, context(position="-5")) is not None
