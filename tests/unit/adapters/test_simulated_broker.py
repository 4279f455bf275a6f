"""SimulatedBroker specifics beyond the contract: scheduling and market data."""

from datetime import timedelta
from decimal import Decimal

import attrs

from tests.simkit import T0, bar, mkt
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.domain.market.bars import Quote
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.events import OrderEventKind
from tradecore.domain.orders.spec import Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel, LatencyConfig


def broker(model: FillModel) -> tuple[SimulatedBroker, SimClock]:
    clock = SimClock(T0)
    config = VenueConfig(
        seed=3, fill_model=model, calendar=MarketCalendar.always_open()
    )
    return SimulatedBroker(clock, config), clock


def test_events_wait_for_the_clock_and_next_event_at_says_when():
    latency = LatencyConfig(
        ack_floor_s=0.5, ack_tail_s=0, fill_floor_s=0, fill_tail_s=0
    )
    b, clock = broker(attrs.evolve(FillModel.ideal(), latency=latency))
    b.on_bar(bar(T0))
    b.submit("c", mkt(Side.BUY, 1))
    assert b.poll_events() == []
    assert b.next_event_at() == T0 + timedelta(seconds=0.5)
    clock.advance(0.5)
    (accepted,) = b.poll_events()
    assert accepted.kind is OrderEventKind.ACCEPTED
    assert accepted.occurred_at == clock.now()


def test_a_quoted_spread_prices_the_fill():
    model = FillModel.realistic(latency=LatencyConfig(ack_tail_s=0, fill_tail_s=0))
    prices = []
    for half_spread in (0.01, 0.50):
        b, clock = broker(model)
        quote = Quote(
            symbol="AAPL", timestamp=T0, bid=100 - half_spread, ask=100 + half_spread
        )
        b.on_quote(quote)
        b.on_bar(bar(T0))
        b.submit("c", mkt(Side.BUY, 1))
        clock.advance(1)
        b.on_bar(bar(clock.now()))
        clock.advance(60)
        (fill,) = [e.fill for e in b.poll_events() if e.fill is not None]
        prices.append(fill.price)
    assert prices[1] - prices[0] >= Decimal("0.45")


def test_account_marks_positions_at_the_last_close():
    b, clock = broker(FillModel.ideal())
    b.on_bar(bar(T0, c=100.0))
    b.submit("c", mkt(Side.BUY, 10))
    b.on_bar(bar(T0, h=110.0, c=110.0))  # fills at the open, 100
    clock.advance(60)
    account = b.account()
    assert account.cash == Decimal(100_000) - Decimal(1_000)
    assert account.equity == Decimal(100_000) + Decimal(100)
