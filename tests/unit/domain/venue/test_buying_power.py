"""Incremental buying power in the cases a random flow rarely reaches.

The property test (tests/property/test_venue_buying_power.py) compares the
incremental figure with a count from scratch on random flows; these two cases need a
particular setup: a partial fill moving the position under an opposite order, and
bracket legs armed by their entry's fill.
"""

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from tests.simkit import MINUTE, T0, bar, lmt, mkt, run_bars, venue
from tradecore.domain.errors import BrokerRuleBreached
from tradecore.domain.orders.spec import Bracket, Side, TimeInForce
from tradecore.domain.venue.fill_models import FillModel

SECOND = timedelta(seconds=1)


def test_a_partial_fill_frees_what_an_opposite_order_reserved():
    v = venue(FillModel.realistic(), starting_cash=Decimal(1_000_000))
    v.submit(T0 - MINUTE, "buy", lmt(Side.BUY, 500, "99.50"))
    v.submit(T0 - MINUTE, "sell", lmt(Side.SELL, 300, "150.00", TimeInForce.GTC))
    # The bar dips to 99 after its open: the buy's fill is scheduled inside the bar,
    # and at most 10% of its volume (100 shares) fills.
    v.on_bar(T0, bar(T0, volume=1_000.0))
    due = v.next_event_at()
    assert due is not None
    assert due > T0
    before = v.account(T0).buying_power  # the fill is committed, not yet applied
    assert before == v.buying_power_from_scratch()
    v.advance_to(T0 + MINUTE)
    (position,) = v.positions()
    assert 0 < position.qty < 500  # partly filled
    # The resting sell now closes part of the long: it reserves less.
    after = v.account(T0 + MINUTE).buying_power
    assert after == v.buying_power_from_scratch()
    assert (
        after - before == 150 * position.qty - position.qty * position.avg_entry_price
    )


def test_bracket_legs_armed_by_a_fill_keep_buying_power_exact():
    v = venue(starting_cash=Decimal(100_000))
    v.on_bar(T0 - MINUTE, bar(T0 - MINUTE, c=100.0))
    v.submit(T0 - MINUTE, "short", mkt(Side.SELL, 100))
    run_bars(v, T0 - MINUTE, [bar(T0 - MINUTE)])
    # Covering with a bracket is refused (Alpaca: brackets are entries only), so
    # legs never open exposure: they close the position their entry opened.
    bracket = Bracket(take_profit_limit=Decimal(120), stop_loss_stop=Decimal(80))
    cover = attrs.evolve(lmt(Side.BUY, 100, "101.00", TimeInForce.GTC), bracket=bracket)
    with pytest.raises(BrokerRuleBreached, match="entry orders"):
        v.submit(T0, "cover", cover)
    v.submit(T0, "flat", mkt(Side.BUY, 100))
    run_bars(v, T0, [bar(T0)])
    assert v.positions() == []
    v.submit(T0 + MINUTE, "entry", cover)
    assert v.account(T0 + MINUTE).buying_power == v.buying_power_from_scratch()
    run_bars(v, T0 + MINUTE, [bar(T0 + MINUTE)])
    (position,) = v.positions()
    assert position.qty == 100
    # The take-profit is open; the stop-loss works ``held`` (Alpaca leaves it out of
    # open orders); both sell what the entry bought, so neither reserves.
    legs = [o for o in v.open_orders() if o.client_order_id != "entry"]
    assert [o.spec.limit_price for o in legs] == [Decimal(120)]
    later = T0 + 2 * MINUTE
    assert v.account(later).buying_power == v.buying_power_from_scratch()
    assert v.account(later).buying_power == v.ledger.cash
