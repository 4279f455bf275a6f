"""Value objects reject bad input with an error naming the field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.factories import T0
from tradecore.domain import (
    Bar,
    Bracket,
    OrderSpec,
    OrderType,
    Quote,
    Side,
    TimeInForce,
)
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.money import quantize_qty, to_price


def bar(**overrides: object) -> Bar:
    fields: dict[str, object] = {
        "symbol": "AAPL",
        "timestamp": T0,
        "open": 100.0,
        "high": 101.0,
        "low": 99.0,
        "close": 100.5,
        "volume": 1000.0,
    }
    fields.update(overrides)
    return Bar(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"high": 100.2}, "high"),
        ({"low": 100.1}, "low"),
        ({"volume": -1.0}, "volume"),
        ({"timestamp": datetime(2026, 1, 5, 14, 30)}, "timestamp"),
        ({"timestamp": T0.astimezone(timezone(timedelta(hours=-5)))}, "timestamp"),
        ({"symbol": "aapl"}, "symbol"),
        ({"close": float("nan")}, "close"),
    ],
)
def test_malformed_bar_names_the_field(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        bar(**overrides)
    assert info.value.field == field
    assert field in str(info.value)


def test_valid_bar_is_accepted() -> None:
    assert bar().close == 100.5


def test_quote_mid_and_spread() -> None:
    q = Quote(symbol="AAPL", timestamp=T0, bid=99.99, ask=100.01)
    assert q.mid == pytest.approx(100.0)
    assert q.spread_bps == pytest.approx(2.0)
    assert Quote(symbol="AAPL", timestamp=T0, bid=0.0, ask=100.0).mid is None
    with pytest.raises(InvalidInput, match="crosses"):
        Quote(symbol="AAPL", timestamp=T0, bid=101.0, ask=100.0)


def test_order_spec_needs_exactly_one_of_qty_and_notional() -> None:
    with pytest.raises(InvalidInput, match="qty/notional"):
        OrderSpec(symbol="AAPL", side=Side.BUY)
    with pytest.raises(InvalidInput, match="qty/notional"):
        OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1), notional=Decimal(5))


def test_order_spec_rejects_negative_and_float_quantities() -> None:
    with pytest.raises(InvalidInput, match="qty"):
        OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(-5))
    with pytest.raises(InvalidInput, match="qty"):
        OrderSpec(symbol="AAPL", side=Side.BUY, qty=5.0)  # type: ignore[arg-type]


def test_limit_orders_need_a_limit_price_and_market_orders_refuse_one() -> None:
    with pytest.raises(InvalidInput, match="limit_price"):
        OrderSpec(
            symbol="AAPL", side=Side.BUY, qty=Decimal(1), order_type=OrderType.LIMIT
        )
    with pytest.raises(InvalidInput, match="limit_price"):
        OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1), limit_price=Decimal(10))
    with pytest.raises(InvalidInput, match="stop_price"):
        OrderSpec(
            symbol="AAPL",
            side=Side.BUY,
            qty=Decimal(1),
            order_type=OrderType.STOP_LIMIT,
            limit_price=Decimal(10),
        )


def test_bracket_take_profit_must_sit_on_the_profitable_side() -> None:
    bracket = Bracket(take_profit_limit=Decimal(90), stop_loss_stop=Decimal(110))
    with pytest.raises(InvalidInput, match="wrong side"):
        OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1), bracket=bracket)
    spec = OrderSpec(symbol="AAPL", side=Side.SELL, qty=Decimal(1), bracket=bracket)
    assert spec.bracket == bracket
    with pytest.raises(InvalidInput, match="bracket"):
        Bracket()


def test_extended_hours_needs_a_day_limit() -> None:
    with pytest.raises(InvalidInput, match="extended_hours"):
        OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1), extended_hours=True)
    ok = OrderSpec(
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal(1),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(10),
        time_in_force=TimeInForce.DAY,
        extended_hours=True,
    )
    assert ok.extended_hours


def test_to_price_is_the_exact_float_boundary() -> None:
    assert to_price(101.23) == Decimal("101.23")
    assert to_price(0.123456) == Decimal("0.1235")
    assert to_price(101.235) == Decimal("101.24")
    with pytest.raises(InvalidInput, match="price"):
        to_price(-1.0)


def test_quantize_qty_rounds_down() -> None:
    assert quantize_qty(Decimal("10.9")) == Decimal(10)
    assert quantize_qty(Decimal("0.129"), Decimal("0.01")) == Decimal("0.12")


def test_a_converted_price_is_remembered_but_a_bad_one_always_raises() -> None:
    assert to_price(57.125) == Decimal("57.12")
    assert to_price(57.125) is to_price(57.125)
    for bad in (0.0, -1.5, float("nan"), float("inf")):
        with pytest.raises(InvalidInput):
            to_price(bad)
        with pytest.raises(InvalidInput):
            to_price(bad)


def test_the_remembered_prices_stay_bounded() -> None:
    from tradecore.domain.orders import money

    for cents in range(money._CONVERTED_MAX + 10):
        to_price(10.0 + cents / 100)
    assert len(money._CONVERTED) <= money._CONVERTED_MAX
    assert to_price(10.05) == Decimal("10.05")
