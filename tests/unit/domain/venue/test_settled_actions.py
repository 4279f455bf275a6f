"""The venue drops actions that would do nothing once their order is final.

A filled day order leaves its expiry scheduled for the session close; applying it
changes nothing, so the venue drops it (nothing is pending until the next order),
while ``next_event_at`` still answers its time until time passes it: a driver that
runs the clock to the last scheduled action ends where it did before.
"""

from __future__ import annotations

from datetime import timedelta

from tests.simkit import MINUTE, T0, bar, mkt, venue
from tradecore.domain.orders.events import OrderEventKind as K
from tradecore.domain.orders.spec import Side
from tradecore.domain.venue.book import Action, ActionKind


def _filled_day_order():
    v = venue()
    v.on_bar(T0, bar(T0))
    v.submit(T0, "c", mkt(Side.BUY, 5))
    v.on_bar(T0 + MINUTE, bar(T0 + MINUTE))
    v.advance_to(T0 + 2 * MINUTE)
    assert [e.kind for e in v.take_events()] == [K.ACCEPTED, K.FILL]
    return v


def test_a_filled_orders_expiry_is_dropped_but_its_time_is_still_answered():
    v = _filled_day_order()
    assert not v.has_pending()
    due = v.next_event_at()
    assert due is not None
    assert due > T0 + 2 * MINUTE
    v.advance_to(due)
    assert v.take_events() == []
    assert v.next_event_at() is None


def test_time_passing_the_dropped_action_forgets_it():
    v = _filled_day_order()
    due = v.next_event_at()
    assert due is not None
    v.advance_to(due + timedelta(days=1))
    assert v.next_event_at() is None
    assert not v.has_pending()


def test_a_live_orders_expiry_stays_ahead_of_dropped_ones():
    v = _filled_day_order()
    v.submit(T0 + 3 * MINUTE, "d", mkt(Side.SELL, 5))
    assert v.has_pending()  # its ack and its own expiry are scheduled
    v.advance_to(T0 + 3 * MINUTE)
    assert [e.kind for e in v.take_events()] == [K.ACCEPTED]
    assert v.has_pending()  # the expiry of a working order is not a no-op


def test_a_replace_of_a_final_order_is_not_dropped():
    # A REPLACE applied to a final order rejects the replacing one: not a no-op.
    v = _filled_day_order()
    book = v._book
    order = next(iter(book.orders.values()))
    book.lane.appendleft(
        (T0, 0, Action(kind=ActionKind.REPLACE, order_id=order.broker_order_id))
    )
    book._drop_settled()
    assert len(book.lane) == 1


def test_a_dropped_action_due_by_the_venues_time_is_not_answered():
    # An action dropped when its time has passed already (one due at the instant
    # its order ended) must not be answered as next: a driver looping "while the
    # next event is due" would ask forever.
    v = _filled_day_order()
    due = v.next_event_at()
    assert due is not None
    v.advance_to(due)
    book = v._book
    order = next(iter(book.orders.values()))
    book.lane.appendleft(
        (due, 0, Action(kind=ActionKind.CANCEL, order_id=order.broker_order_id))
    )
    book._drop_settled()
    assert v.next_event_at() is None
