"""A new last trade moves what orders counted at the last trade reserve.

A market order is reserved at its symbol's last trade. Placed after the close it
queues for the open, and the after-hours bars that follow match nothing but move
that price: buying power must follow it (the venue tells the reservations of every
price move; one left out would leave buying power at the old price).
"""

from datetime import UTC, datetime
from decimal import Decimal

from tests.calendars import xnys
from tests.simkit import MINUTE, bar, mkt, venue
from tradecore.domain.orders.spec import Side

AFTER_CLOSE = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)


def test_a_queued_market_order_is_reserved_at_the_latest_trade():
    v = venue(calendar=xnys(), starting_cash=Decimal(100_000))
    v.on_bar(AFTER_CLOSE, bar(AFTER_CLOSE, o=100.0, h=100.0, low=100.0, c=100.0))
    v.submit(AFTER_CLOSE, "buy", mkt(Side.BUY, 100))
    later = AFTER_CLOSE + MINUTE
    before = v.account(later).buying_power
    assert before == Decimal(100_000) - Decimal(10_000)
    v.on_bar(later, bar(later, o=100.0, h=110.0, low=100.0, c=110.0))
    after = v.account(later).buying_power
    assert after == v.buying_power_from_scratch()
    assert before - after == Decimal(1_000)  # 100 shares, 10.00 dearer
