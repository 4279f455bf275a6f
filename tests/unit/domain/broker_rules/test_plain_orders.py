"""``shape_breach``'s shortcut for a plain order (``broker_rules._plain``).

The shortcut is a second statement of when the shape rules can refuse; the
hypothesis property in tests/property/test_rule_shortcuts.py holds it to every rule
for generated orders. This pins the rule list it was written against, so a new
shape rule fails here until ``_plain`` is checked against it.
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.broker_rules import SHAPE_RULES, _plain, shape_breach
from tradecore.domain.orders.spec import OrderSpec, Side, TimeInForce


def test_plain_was_written_for_these_shape_rules() -> None:
    assert [rule.__name__ for rule in SHAPE_RULES] == [
        "sub_penny_price",
        "fractional_not_day",
        "buy_below_minimum",
        "advanced_order_time_in_force",
        "advanced_order_extended_hours",
    ], "a shape rule changed: check that broker_rules._plain lets no order past it"


def test_a_fractional_gtc_market_order_is_not_plain_and_is_refused() -> None:
    spec = OrderSpec(
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal("1.5"),
        time_in_force=TimeInForce.GTC,
    )
    assert not _plain(spec)
    breach = shape_breach(spec)
    assert breach is not None
    assert breach.rule == "fractional_not_day"


def test_a_whole_share_gtc_market_order_is_plain() -> None:
    spec = OrderSpec(
        symbol="AAPL", side=Side.BUY, qty=Decimal(10), time_in_force=TimeInForce.GTC
    )
    assert _plain(spec)
    assert all(rule(spec) is None for rule in SHAPE_RULES)
