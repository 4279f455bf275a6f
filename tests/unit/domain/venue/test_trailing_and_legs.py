"""Trailing stops (trail off the high-water mark) and how bracket/OCO legs work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.calendars import xnys
from tradecore.domain.market.bars import Bar
from tradecore.domain.orders.broker_status import BrokerOrderStatus as B
from tradecore.domain.orders.spec import Bracket, OrderSpec, OrderType, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.domain.venue.matching import ohlc_path, trail_reach
from tradecore.domain.venue.sim_order import SimOrder, trail_stop
from tradecore.domain.venue.simulated import SimVenue

T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _trailing(side: Side, **trail: Decimal) -> OrderSpec:
    return OrderSpec(symbol="AAPL", side=side, qty=Decimal(1),
                     order_type=OrderType.TRAILING_STOP, **trail)  # type: ignore[arg-type]  # fmt: skip


def _order(spec: OrderSpec, hwm: str | None) -> SimOrder:
    return SimOrder(
        broker_order_id="o",
        client_order_id="c",
        spec=spec,
        qty=Decimal(1),
        status=B.NEW,
        submitted_at=T0,
        updated_at=T0,
        ready_at=T0,
        hwm=None if hwm is None else Decimal(hwm),
    )


def _bar(o: float, h: float, low: float, c: float, at: datetime = T0) -> Bar:
    return Bar(symbol="AAPL", timestamp=at, open=o, high=h, low=low, close=c,
               volume=1_000_000.0)  # fmt: skip


def test_the_stop_trails_the_mark_by_price_or_percent() -> None:
    sell = _trailing(Side.SELL, trail_price=Decimal(2))
    assert trail_stop(sell, Decimal(105)) == Decimal(103)
    buy = _trailing(Side.BUY, trail_percent=Decimal(1))
    assert trail_stop(buy, Decimal(100)) == Decimal(101)


@given(
    rise=st.floats(min_value=0.0, max_value=20.0),
    trail=st.integers(min_value=1, max_value=5),
)
def test_a_rising_bar_never_triggers_a_sell_trail_and_lifts_its_mark(
    rise: float, trail: int
) -> None:
    order = _order(_trailing(Side.SELL, trail_price=Decimal(trail)), "100")
    bar = _bar(100.0, 100.0 + rise, 100.0, 100.0 + rise)
    at, hwm = trail_reach(order, ohlc_path(bar), 0.0)
    assert at is None
    assert hwm is not None
    assert hwm >= Decimal(100)


def test_a_fall_from_the_high_triggers_at_the_trail() -> None:
    order = _order(_trailing(Side.SELL, trail_price=Decimal(2)), "100")
    bar = _bar(100.0, 106.0, 99.0, 99.5)  # down bar: up to 106 first, then down
    at, hwm = trail_reach(order, ohlc_path(bar), 0.0)
    assert hwm == Decimal(106)
    assert at is not None


def _venue() -> SimVenue:
    config = VenueConfig(calendar=xnys(), seed=3, fill_model=FillModel.ideal())
    venue = SimVenue(config)
    venue.on_bar(T0 - MINUTE, _bar(100.0, 100.2, 99.8, 100.0, T0 - MINUTE))
    return venue


def test_a_filled_bracket_entry_arms_a_new_take_profit_and_a_held_stop() -> None:
    venue = _venue()
    bracket = Bracket(take_profit_limit=Decimal(110), stop_loss_stop=Decimal(95))
    entry = venue.submit(T0, "e", OrderSpec(symbol="AAPL", side=Side.BUY,
                                            qty=Decimal(10), bracket=bracket))  # fmt: skip
    venue.on_bar(T0, _bar(100.0, 100.5, 99.5, 100.2))
    venue.advance_to(T0 + MINUTE)
    tp, sl = (venue.order(i) for i in entry.leg_ids)
    assert (tp.status, sl.status) == (B.NEW, B.HELD)
    assert [o.broker_order_id for o in venue.open_orders()] == [tp.broker_order_id]
    venue.on_bar(T0 + MINUTE, _bar(100.0, 100.1, 90.0, 91.0, T0 + MINUTE))
    venue.advance_to(T0 + 2 * MINUTE)
    assert venue.order(sl.broker_order_id).status is B.FILLED
    assert venue.order(tp.broker_order_id).status is B.CANCELED


def test_a_held_leg_of_an_unfilled_entry_cannot_be_replaced() -> None:
    import pytest

    from tradecore.domain.errors import OrderNotCancelable

    venue = _venue()
    bracket = Bracket(take_profit_limit=Decimal(110), stop_loss_stop=Decimal(85))
    entry = venue.submit(T0, "e", OrderSpec(symbol="AAPL", side=Side.BUY,
                                            qty=Decimal(10), order_type=OrderType.LIMIT,
                                            limit_price=Decimal(90),
                                            bracket=bracket))  # fmt: skip
    venue.advance_to(T0 + MINUTE)
    with pytest.raises(OrderNotCancelable):
        venue.replace(T0 + MINUTE, entry.leg_ids[0], client_order_id="r",
                      limit_price=Decimal(111))  # fmt: skip
    with pytest.raises(OrderNotCancelable):
        venue.replace(T0 + MINUTE, entry.broker_order_id, client_order_id="r2",
                      limit_price=Decimal(91))  # fmt: skip
