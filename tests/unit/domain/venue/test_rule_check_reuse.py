"""``submit`` reuses the pre-send check only while nothing it saw has changed.

The order manager asks ``rule_breach`` before it stores an intent, then submits the
same spec at the same instant; the venue skips the second check only if no order,
bar, fill or corporate action came in between. These cases make something come in
between: the skipped check would then have let through an order Alpaca refuses.
"""

from decimal import Decimal

import pytest

from tests.simkit import MINUTE, T0, bar, lmt, mkt, venue
from tradecore.domain.errors import BrokerRuleBreached
from tradecore.domain.orders.spec import Side, TimeInForce


def test_an_order_placed_after_the_check_is_seen_by_submit():
    v = venue(starting_cash=Decimal(1_000_000))
    v.on_bar(T0 - MINUTE, bar(T0 - MINUTE, c=100.0))
    sell = lmt(Side.SELL, 100, "99.00", TimeInForce.GTC)
    assert v.rule_breach(T0, sell) is None  # nothing rests on the other side yet
    v.submit(T0, "buy", lmt(Side.BUY, 100, "101.00", TimeInForce.GTC))
    # The sell would now cross the resting buy: Alpaca refuses a potential wash trade.
    with pytest.raises(BrokerRuleBreached, match="wash"):
        v.submit(T0, "sell", sell)


def test_the_check_just_passed_is_not_made_twice_but_is_still_enforced_once():
    v = venue(starting_cash=Decimal(1_000_000))
    v.on_bar(T0 - MINUTE, bar(T0 - MINUTE, c=100.0))
    buy = mkt(Side.BUY, 10)
    assert v.rule_breach(T0, buy) is None
    calls: list[object] = []
    original = v.rule_breach

    def counting(now, spec):  # type: ignore[no-untyped-def]
        calls.append(spec)
        return original(now, spec)

    v.rule_breach = counting  # type: ignore[method-assign]
    v.submit(T0, "a", buy)
    assert calls == []  # reused: same spec, instant and state
    v.submit(T0, "b", buy)
    assert calls == [buy]  # the first submit changed the state: checked again
