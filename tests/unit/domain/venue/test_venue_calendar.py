"""The simulated venue on the XNYS calendar: Alpaca's day-order semantics at the edges.

A day order placed in a session expires at that session's close; placed outside one
it is ``accepted`` (not ``new``), waits for the next open and expires at that
session's close; a GTC order survives every close. Every date here is a real edge of
the exchange's calendar: daylight-saving switches, an early close, a weekday holiday,
a weekend, and the last second of a session.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.calendars import xnys
from tests.simkit import MINUTE, bar, lmt, mkt, venue
from tradecore.domain.market.calendar import bar_span
from tradecore.domain.orders.broker_status import BrokerOrderStatus as B
from tradecore.domain.orders.events import OrderEventKind as K
from tradecore.domain.orders.spec import Side, TimeInForce
from tradecore.domain.venue.simulated import SimVenue

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def kinds(v: SimVenue, client_id: str) -> list[K]:
    return [e.kind for e in v.take_events() if e.client_order_id == client_id]


def minute_bar_at(v: SimVenue, t: datetime) -> None:
    v.on_bar(t, bar(t))
    v.advance_to(t + MINUTE)


@pytest.mark.parametrize(
    ("placed", "expires"),
    [
        # Friday before the March switch (EST), and the Monday after it (EDT).
        (utc(2026, 3, 6, 15, 0), utc(2026, 3, 6, 21, 0)),
        (utc(2026, 3, 9, 14, 0), utc(2026, 3, 9, 20, 0)),
        # Friday before the November switch (EDT), and the Monday after it (EST).
        (utc(2025, 10, 31, 14, 0), utc(2025, 10, 31, 20, 0)),
        (utc(2025, 11, 3, 15, 0), utc(2025, 11, 3, 21, 0)),
        # The day after Thanksgiving closes at 13:00 New York.
        (utc(2025, 11, 28, 15, 0), utc(2025, 11, 28, 18, 0)),
        # One second before the close: that close, one second later.
        (utc(2026, 1, 5, 20, 59, 59), utc(2026, 1, 5, 21, 0)),
        # At the close: the next session's close (the order waits overnight).
        (utc(2026, 1, 5, 21, 0), utc(2026, 1, 6, 21, 0)),
        # Friday after the close: Monday's close.
        (utc(2026, 1, 9, 22, 0), utc(2026, 1, 12, 21, 0)),
        # Saturday: Monday's close.
        (utc(2026, 1, 10, 15, 0), utc(2026, 1, 12, 21, 0)),
        # Thursday 2025-07-03 after its 13:00 early close; Friday the 4th is a holiday.
        (utc(2025, 7, 3, 18, 0), utc(2025, 7, 7, 20, 0)),
    ],
)
def test_a_day_order_expires_at_the_close_of_its_session(
    placed: datetime, expires: datetime
) -> None:
    v = venue(calendar=xnys())
    v.submit(placed, "day", lmt(Side.BUY, 1, "50.00"))
    v.advance_to(expires - SECOND)
    assert v.order_by_client_id("day").status in (B.NEW, B.ACCEPTED)
    v.advance_to(expires)
    assert v.order_by_client_id("day").status is B.EXPIRED
    assert v.take_events()[-1].occurred_at == expires


def test_a_gtc_order_survives_closes_weekends_and_holidays() -> None:
    v = venue(calendar=xnys())
    v.submit(utc(2025, 7, 2, 15, 0), "gtc", lmt(Side.BUY, 1, "50.00", TimeInForce.GTC))
    v.advance_to(utc(2025, 7, 8, 15, 0))
    assert v.order_by_client_id("gtc").status is B.NEW


@pytest.mark.parametrize(
    "placed",
    [
        utc(2026, 1, 5, 14, 29, 59),  # one second before the winter open
        utc(2026, 1, 5, 21, 0),  # at the close
        utc(2026, 1, 10, 15, 0),  # a Saturday
        utc(2025, 7, 4, 15, 0),  # Independence Day, a Friday
        utc(2026, 3, 9, 13, 29),  # 09:29 EDT, the first Monday of summer time
    ],
)
def test_a_market_order_outside_the_session_is_accepted_and_fills_at_the_open(
    placed: datetime,
) -> None:
    v = venue(calendar=xnys())
    v.on_bar(placed - MINUTE, bar(placed - MINUTE))  # the last price seen
    v.submit(placed, "mkt", mkt(Side.BUY, 10))
    v.advance_to(placed + SECOND)
    assert kinds(v, "mkt") == [K.ACCEPTED]
    assert v.order_by_client_id("mkt").status is B.ACCEPTED  # not yet routed
    opening = xnys().next_open(placed)
    if opening - MINUTE > placed:
        minute_bar_at(v, opening - MINUTE)  # a pre-market bar does not fill it
        assert v.order_by_client_id("mkt").status is B.ACCEPTED
    minute_bar_at(v, opening)
    order = v.order_by_client_id("mkt")
    assert order.status is B.FILLED
    (fill,) = [e.fill for e in v.take_events() if e.fill is not None]
    assert fill.filled_at == opening
    assert fill.price == Decimal("100")  # the opening bar's open


def test_an_order_at_the_last_bar_fills_and_one_a_second_later_expires() -> None:
    """Bars are the market: an order meets the bars fed at or after it is ready.

    At the last bar's start it fills on that bar; one second before the close no
    bar is left in the session, so the day order expires at the close (reported,
    never silently dropped) instead of filling at a price nobody saw.
    """
    last_bar = utc(2026, 1, 5, 20, 59)
    v = venue(calendar=xnys())
    v.on_bar(last_bar - MINUTE, bar(last_bar - MINUTE))
    v.submit(last_bar, "on_time", mkt(Side.BUY, 1))
    v.on_bar(last_bar, bar(last_bar))
    v.submit(utc(2026, 1, 5, 20, 59, 59), "late", mkt(Side.BUY, 1))
    v.advance_to(utc(2026, 1, 5, 21, 0))
    assert v.order_by_client_id("on_time").status is B.FILLED
    assert v.order_by_client_id("late").status is B.EXPIRED
    expired = [e for e in v.take_events() if e.kind is K.EXPIRED]
    assert [e.occurred_at for e in expired] == [utc(2026, 1, 5, 21, 0)]


@pytest.mark.parametrize(
    ("start", "interval", "expected"),
    [
        # A minute bar in the session is itself.
        (
            utc(2026, 1, 5, 15, 0),
            MINUTE,
            (utc(2026, 1, 5, 15, 0), utc(2026, 1, 5, 15, 1)),
        ),
        # A pre-market minute bar is outside every session.
        (utc(2026, 1, 5, 14, 29), MINUTE, None),
        # An hourly bar from 09:00 EST is clipped to the 09:30 open.
        (
            utc(2026, 1, 5, 14, 0),
            timedelta(hours=1),
            (utc(2026, 1, 5, 14, 30), utc(2026, 1, 5, 15, 0)),
        ),
        # The last hourly bar of an early close ends at 13:00 New York.
        (
            utc(2025, 11, 28, 17, 30),
            timedelta(hours=1),
            (utc(2025, 11, 28, 17, 30), utc(2025, 11, 28, 18, 0)),
        ),
        # A daily bar stamped at midnight New York (Alpaca's convention) is its session.
        (utc(2026, 7, 6, 4, 0), DAY, (utc(2026, 7, 6, 13, 30), utc(2026, 7, 6, 20, 0))),
        (utc(2026, 1, 5, 5, 0), DAY, (utc(2026, 1, 5, 14, 30), utc(2026, 1, 5, 21, 0))),
        # A daily bar on a holiday has no session.
        (utc(2026, 1, 19, 5, 0), DAY, None),
    ],
)
def test_the_tradable_part_of_a_bar_is_clipped_to_the_session(
    start: datetime,
    interval: timedelta,
    expected: tuple[datetime, datetime] | None,
) -> None:
    assert bar_span(xnys(), start, interval) == expected


def test_daily_bars_fill_an_order_decided_at_a_close_at_the_next_open() -> None:
    """Friday's decision over a holiday Monday fills at Tuesday's open, never expires."""
    v = venue(calendar=xnys(), bar_interval=DAY)
    friday = utc(2026, 1, 16, 5, 0)  # the daily bar of Friday 2026-01-16
    tuesday = utc(2026, 1, 20, 5, 0)  # Monday the 19th is Martin Luther King Day
    v.on_bar(friday, bar(friday))
    decided = friday + DAY  # the bar is known at its end: Saturday 00:00 New York
    v.advance_to(decided)
    v.submit(decided, "buy", mkt(Side.BUY, 10))
    v.advance_to(tuesday)
    assert v.order_by_client_id("buy").status is B.ACCEPTED
    v.on_bar(tuesday, bar(tuesday, o=103.0, h=104.0, low=102.0, c=103.5))
    v.advance_to(tuesday + DAY)
    order = v.order_by_client_id("buy")
    assert order.status is B.FILLED
    fills = [e.fill for e in v.take_events() if e.fill is not None]
    assert [(f.price, f.filled_at) for f in fills] == [
        (Decimal("103"), utc(2026, 1, 20, 14, 30))
    ]
