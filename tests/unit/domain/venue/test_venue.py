"""Venue behaviours beyond the broker contract: races, TIFs, rejects, sessions."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from tests.calendars import xnys
from tests.simkit import MINUTE, T0, bar, lmt, mkt, run_bars, venue
from tradecore.domain.errors import (
    InsufficientBuyingPower,
    InvalidInput,
    OrderNotCancelable,
)
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.orders.broker_status import BrokerOrderStatus as B
from tradecore.domain.orders.events import OrderEventKind as K
from tradecore.domain.orders.spec import Bracket, OrderSpec, Side, TimeInForce
from tradecore.domain.venue.config import OutsideHours
from tradecore.domain.venue.fill_models import FillModel, LatencyConfig

SECOND = timedelta(seconds=1)


def timed(fill_s: float, cancel_s: float, ack_s: float = 0.0) -> FillModel:
    latency = LatencyConfig(
        ack_floor_s=ack_s,
        ack_tail_s=0,
        fill_floor_s=fill_s,
        fill_tail_s=0,
        cancel_floor_s=cancel_s,
        cancel_tail_s=0,
    )
    return attrs.evolve(FillModel.ideal(), latency=latency)


def kinds(events, client_id):
    return [e.kind for e in events if e.client_order_id == client_id]


def test_cancel_taking_effect_before_the_fill_wins_the_race():
    v = venue(timed(fill_s=10, cancel_s=1))
    v.on_bar(T0 - MINUTE, bar(T0 - MINUTE))
    order = v.submit(T0, "c", mkt(Side.BUY, 5))
    v.on_bar(T0, bar(T0))  # fill scheduled for T0 + 10 s
    v.cancel(T0, order.broker_order_id)
    v.advance_to(T0 + MINUTE)
    assert kinds(v.take_events(), "c") == [K.ACCEPTED, K.PENDING_CANCEL, K.CANCELED]
    assert v.positions() == []


def test_fill_scheduled_before_the_cancel_takes_effect_still_happens():
    v = venue(timed(fill_s=1, cancel_s=10))
    v.on_bar(T0 - MINUTE, bar(T0 - MINUTE))
    order = v.submit(T0, "c", mkt(Side.BUY, 5))
    v.on_bar(T0, bar(T0))
    v.cancel(T0, order.broker_order_id)
    v.advance_to(T0 + MINUTE)
    assert kinds(v.take_events(), "c") == [K.ACCEPTED, K.PENDING_CANCEL, K.FILL]
    assert v.order(order.broker_order_id).status is B.FILLED
    assert v.positions()[0].qty == Decimal(5)


def test_replace_before_the_order_is_accepted_is_refused():
    v = venue(timed(fill_s=0, cancel_s=5, ack_s=1))
    order = v.submit(T0, "c", lmt(Side.BUY, 5, "50.00"))
    with pytest.raises(OrderNotCancelable):
        v.replace(T0, order.broker_order_id, client_order_id="c2", qty=Decimal(3))
    v.advance_to(T0 + SECOND)
    v.replace(T0 + SECOND, order.broker_order_id, client_order_id="c2", qty=Decimal(3))


def test_cancel_while_a_replace_is_pending_is_refused():
    v = venue(timed(fill_s=0, cancel_s=5))
    order = v.submit(T0, "c", lmt(Side.BUY, 5, "50.00"))
    v.advance_to(T0)
    v.replace(T0, order.broker_order_id, client_order_id="c2", qty=Decimal(3))
    with pytest.raises(OrderNotCancelable):
        v.cancel(T0 + SECOND, order.broker_order_id)


def test_a_fill_racing_a_replace_counts_on_the_old_order():
    v = venue(timed(fill_s=1, cancel_s=10))
    old = v.submit(T0, "old", lmt(Side.BUY, 5, "100.00"))
    v.on_bar(T0, bar(T0))  # the limit is marketable at the open: fill at T0 + 1 s
    v.advance_to(T0)  # acknowledged
    new = v.replace(T0, old.broker_order_id, client_order_id="new", qty=Decimal(2))
    v.advance_to(T0 + MINUTE)
    events = v.take_events()
    assert kinds(events, "old") == [K.ACCEPTED, K.PENDING_REPLACE, K.FILL]
    assert kinds(events, "new") == [K.REJECTED]
    assert v.order(new.broker_order_id).status is B.REJECTED


def test_a_replacement_canceled_before_the_replace_takes_effect_stays_canceled():
    # With random latencies the new order's cancel can take effect before the
    # replace does: the replace still retires the old order, and the cancel stands
    # (the new order must not come back to life and be matched).
    v = venue(timed(fill_s=1, cancel_s=10))
    old = v.submit(T0, "old", lmt(Side.BUY, 5, "50.00"))
    v.advance_to(T0)
    new = v.replace(T0, old.broker_order_id, client_order_id="new", qty=Decimal(2))
    book = v._book
    book.finalize(book.orders[new.broker_order_id], B.CANCELED, T0, K.CANCELED)
    v.advance_to(T0 + MINUTE)
    events = v.take_events()
    assert kinds(events, "new") == [K.CANCELED]
    assert kinds(events, "old")[-1] is K.REPLACED
    assert v.order(new.broker_order_id).status is B.CANCELED
    assert not v.has_working("AAPL")
    assert v.open_orders() == []


def test_ioc_fills_what_it_can_and_cancels_the_rest():
    model = FillModel.realistic(latency=timed(0, 0).latency)
    v = venue(model)
    v.on_bar(T0 - MINUTE, bar(T0 - MINUTE))
    v.submit(T0, "c", mkt(Side.BUY, 500, TimeInForce.IOC))
    run_bars(v, T0, [bar(T0, volume=2_000), bar(T0 + MINUTE, volume=2_000)])
    events = v.take_events()
    assert kinds(events, "c") == [K.ACCEPTED, K.PARTIAL_FILL, K.CANCELED]
    assert v.order_by_client_id("c").filled_qty == Decimal(200)


def test_day_order_expires_at_the_close_and_gtc_does_not():
    v = venue(calendar=xnys())
    v.submit(T0, "day", lmt(Side.BUY, 1, "50.00"))
    v.submit(T0, "gtc", lmt(Side.BUY, 1, "50.00", TimeInForce.GTC))
    v.advance_to(datetime(2026, 1, 5, 21, 0, tzinfo=UTC))  # 16:00 EST
    events = v.take_events()
    assert kinds(events, "day") == [K.ACCEPTED, K.EXPIRED]
    assert events[-1].occurred_at == datetime(2026, 1, 5, 21, 0, tzinfo=UTC)
    assert kinds(events, "gtc") == [K.ACCEPTED]


def test_orders_outside_the_session_are_rejected_when_asked():
    v = venue(calendar=xnys(), outside_hours=OutsideHours.REJECT)
    evening = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)
    v.on_bar(evening, bar(evening))
    v.submit(evening, "c", mkt(Side.BUY, 1))
    v.advance_to(evening + SECOND)
    (event,) = v.take_events()
    assert (event.kind, event.reason) == (K.REJECTED, "market closed")


def test_queued_orders_wait_for_the_open_and_extended_hours_orders_do_not():
    v = venue(calendar=xnys())
    evening = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)
    v.on_bar(evening, bar(evening))
    v.submit(evening, "queued", lmt(Side.BUY, 1, "101.00"))
    extended = attrs.evolve(lmt(Side.BUY, 1, "101.00"), extended_hours=True)
    v.submit(evening, "ext", extended)
    run_bars(v, evening, [bar(evening)])
    assert kinds(v.take_events(), "queued") == [K.ACCEPTED]
    assert v.order_by_client_id("queued").status is B.ACCEPTED
    assert v.order_by_client_id("ext").status is B.FILLED
    opening = datetime(2026, 1, 6, 14, 30, tzinfo=UTC)  # 09:30 EST
    run_bars(v, opening - MINUTE, [bar(opening - MINUTE)])  # 09:29: still closed
    assert v.order_by_client_id("queued").status is B.ACCEPTED
    run_bars(v, opening, [bar(opening)])
    assert v.order_by_client_id("queued").status is B.FILLED


def test_random_rejects_follow_the_seeded_rate():
    v = venue(random_reject_rate=0.5, seed=11)
    for i in range(200):
        v.submit(T0, f"c{i}", lmt(Side.BUY, 1, "1.00"))
    v.advance_to(T0 + SECOND)
    rejected = [e for e in v.take_events() if e.kind is K.REJECTED]
    assert 70 < len(rejected) < 130
    assert {e.reason for e in rejected} == {"random reject"}


def test_an_order_never_fills_on_a_bar_that_ended_before_it_was_ready():
    v = venue()
    v.on_bar(T0, bar(T0))
    v.submit(T0 + MINUTE, "c", mkt(Side.BUY, 1))  # bar T0 is over by now
    v.on_bar(T0 + MINUTE, bar(T0))
    v.advance_to(T0 + 2 * MINUTE)
    assert kinds(v.take_events(), "c") == [K.ACCEPTED]


def test_a_bar_fed_late_fills_at_the_time_it_was_fed():
    v = venue()
    v.on_bar(T0, bar(T0))
    v.submit(T0, "c", mkt(Side.BUY, 1))
    late = T0 + 30 * SECOND
    v.on_bar(late, bar(T0))
    v.advance_to(late)
    fill = next(e for e in v.take_events() if e.kind is K.FILL)
    assert fill.occurred_at == late


def test_notional_orders_buy_fractional_shares_at_the_last_price():
    v = venue()
    v.on_bar(T0, bar(T0, c=100.0))
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, notional=Decimal(250))
    order = v.submit(T0 + MINUTE, "c", spec)
    assert order.qty == Decimal("2.5")
    run_bars(v, T0 + MINUTE, [bar(T0 + MINUTE)])
    assert v.positions()[0].qty == Decimal("2.5")


def test_short_sales_tie_up_buying_power():
    v = venue(starting_cash=Decimal(10_000))
    v.on_bar(T0, bar(T0, c=100.0))
    v.submit(T0, "short", mkt(Side.SELL, 60))
    run_bars(v, T0, [bar(T0)])
    assert v.positions()[0].qty == Decimal(-60)
    with pytest.raises(InsufficientBuyingPower):
        v.submit(T0 + MINUTE, "more", mkt(Side.SELL, 60))
    v.submit(T0 + MINUTE, "cover", mkt(Side.BUY, 60))  # closing needs no cash


def test_fees_reduce_cash_exactly():
    v = venue(fee_model=FeeModel(per_share=Decimal("0.01")))
    v.on_bar(T0, bar(T0))
    v.submit(T0, "c", mkt(Side.BUY, 10))
    run_bars(v, T0, [bar(T0)])
    (fill_event,) = [e for e in v.take_events() if e.fill is not None]
    assert fill_event.fill.fee == Decimal("0.10")
    assert v.ledger.cash == Decimal(100_000) - 10 * Decimal("100.00") - Decimal("0.10")


def test_canceling_a_bracket_entry_cancels_its_held_legs():
    v = venue()
    bracket = Bracket(take_profit_limit=Decimal(60))
    bracket_spec = attrs.evolve(lmt(Side.BUY, 5, "50.00"), bracket=bracket)
    entry = v.submit(T0, "entry", bracket_spec)
    v.cancel(T0, entry.broker_order_id)
    v.advance_to(T0 + SECOND)
    (leg_id,) = entry.leg_ids
    assert v.order(leg_id).status is B.CANCELED
    assert [o.client_order_id for o in v.open_orders()] == []


def test_time_never_goes_back():
    v = venue()
    v.advance_to(T0)
    with pytest.raises(InvalidInput):
        v.advance_to(T0 - SECOND)


def test_working_symbols_is_a_live_view_of_has_working():
    # The replay driver takes the view once and feeds a bar only to a symbol in
    # it: the view must follow orders as they start and stop working.
    v = venue(timed(fill_s=0, cancel_s=1))
    symbols = v.working_symbols()
    assert "AAPL" not in symbols
    assert not symbols
    v.on_bar(T0, bar(T0))
    order = v.submit(T0, "c", lmt(Side.BUY, 5, "50.00"))  # far below the market
    v.advance_to(T0)
    assert "AAPL" in symbols
    assert v.has_working("AAPL")
    assert list(symbols) == ["AAPL"]
    v.cancel(T0, order.broker_order_id)
    v.advance_to(T0 + MINUTE)
    assert "AAPL" not in symbols
    assert not v.has_working("AAPL")
    assert not symbols


def test_has_pending_while_an_action_is_scheduled_or_an_event_untaken():
    # The replay driver only moves the clock while nothing is pending: it must be
    # pending from the submit until the last event of the order is taken.
    v = venue(timed(fill_s=1, cancel_s=1))
    assert not v.has_pending()
    v.on_bar(T0, bar(T0))
    v.submit(T0, "c", mkt(Side.BUY, 5))
    assert v.has_pending()
    v.on_bar(T0 + MINUTE, bar(T0 + MINUTE))  # fill scheduled a second later
    v.advance_to(T0 + MINUTE + 2 * SECOND)
    assert v.has_pending()  # the events are not taken yet
    assert kinds(v.take_events(), "c") == [K.ACCEPTED, K.FILL]
    # The day order's expiry is a no-op now: dropped, so nothing is pending, but
    # its time is still answered (a driver that runs to the last one ends there).
    due = v.next_event_at()
    assert due is not None
    assert not v.has_pending()
    v.advance_to(due)
    assert v.take_events() == []
    assert v.next_event_at() is None
    assert not v.has_pending()
