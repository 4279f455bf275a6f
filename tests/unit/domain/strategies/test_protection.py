"""A target's protection becomes the bracket of the order that opens the position."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.spec import Bracket, Side
from tradecore.domain.strategies.protocol import Protection, Target, protective_bracket

PRICE = Decimal("100.00")


def test_a_buy_is_protected_below_and_takes_profit_above() -> None:
    bracket = Protection(stop_loss_bps=200, take_profit_bps=300).bracket(
        Side.BUY, PRICE
    )
    assert bracket == Bracket(
        take_profit_limit=Decimal("103.00"), stop_loss_stop=Decimal("98.00")
    )


def test_a_short_is_protected_above_and_takes_profit_below() -> None:
    bracket = Protection(stop_loss_bps=150, take_profit_bps=250).bracket(
        Side.SELL, Decimal("123.45")
    )
    assert bracket.stop_loss_stop == Decimal("125.30")  # 123.45 * 1.015, on the tick
    assert bracket.take_profit_limit == Decimal("120.36")


def test_one_leg_is_enough() -> None:
    bracket = Protection(stop_loss_bps=100).bracket(Side.BUY, PRICE)
    assert bracket.take_profit_limit is None
    assert bracket.stop_loss_stop == Decimal("99.00")


def test_only_an_entry_from_flat_is_protected() -> None:
    protected = Target("AAPL", Decimal(10), protection=Protection(stop_loss_bps=100))
    assert protective_bracket(protected, Side.BUY, PRICE, Decimal(0)) is not None
    assert protective_bracket(protected, Side.BUY, PRICE, Decimal(5)) is None
    plain = Target("AAPL", Decimal(10))
    assert protective_bracket(plain, Side.BUY, PRICE, Decimal(0)) is None


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({}, "protection"),
        ({"stop_loss_bps": 0}, "stop_loss_bps"),
        ({"take_profit_bps": -5}, "take_profit_bps"),
        ({"stop_loss_bps": 10_000}, "stop_loss_bps"),
        ({"stop_loss_bps": True}, "stop_loss_bps"),
    ],
)
def test_bad_protection_is_refused_naming_the_field(
    settings: dict[str, float], field: str
) -> None:
    with pytest.raises(InvalidInput, match=field):
        Protection(**settings)
