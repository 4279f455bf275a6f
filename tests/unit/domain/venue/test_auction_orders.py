"""``opg`` and ``cls`` orders: accepted before their cut-offs, worked in one bar.

The cut-offs and the bars come from the XNYS calendar: DST moves them in UTC, an
early close (13:00 New York) moves the ``cls`` cut-off to 12:50 and its bar to 12:59.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.calendars import xnys
from tests.simkit import MINUTE, bar, lmt, mkt, venue
from tradecore.domain.errors import BrokerRuleBreached
from tradecore.domain.orders.events import OrderEventKind as K
from tradecore.domain.orders.spec import Side, TimeInForce
from tradecore.domain.venue.simulated import SimVenue

OPG, CLS = TimeInForce.OPG, TimeInForce.CLS


def at(y: int, m: int, d: int, hh: int, mm: int) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def events(v: SimVenue, until: datetime, cid: str) -> list[tuple[K, datetime]]:
    v.advance_to(until)
    return [
        (e.kind, e.occurred_at) for e in v.take_events() if e.client_order_id == cid
    ]


def feed(v: SimVenue, start: datetime, price: float = 100.0) -> None:
    v.on_bar(start, bar(start, o=price, h=price + 1, low=price - 1, c=price + 0.5))
    v.advance_to(start + MINUTE)


def test_an_opg_order_before_9_28_fills_in_the_first_bar_of_the_session() -> None:
    v = venue(calendar=xnys())
    feed(v, at(2026, 1, 5, 12, 59))  # a pre-market price for the market order
    v.submit(at(2026, 1, 5, 13, 0), "o", mkt(Side.BUY, 5, OPG))  # 08:00 New York
    feed(v, at(2026, 1, 5, 14, 0))  # pre-market: no auction yet
    assert [k for k, _ in events(v, at(2026, 1, 5, 14, 30), "o")] == [K.ACCEPTED]
    feed(v, at(2026, 1, 5, 14, 30), price=101.0)  # 09:30 New York: the open
    fills = [t for k, t in events(v, at(2026, 1, 5, 14, 31), "o") if k is K.FILL]
    assert len(fills) == 1
    assert at(2026, 1, 5, 14, 30) <= fills[0] < at(2026, 1, 5, 14, 31)


def test_an_opg_order_not_filled_at_the_open_is_canceled() -> None:
    v = venue(calendar=xnys())
    v.submit(at(2026, 1, 5, 13, 0), "o", lmt(Side.BUY, 5, "50.00", OPG))
    feed(v, at(2026, 1, 5, 14, 30))
    feed(v, at(2026, 1, 5, 14, 31))
    assert [k for k, _ in events(v, at(2026, 1, 5, 14, 32), "o")] == [
        K.ACCEPTED,
        K.CANCELED,
    ]


@pytest.mark.parametrize(
    ("tif", "sent"),
    [
        (OPG, at(2026, 1, 5, 14, 28)),  # 09:28 New York, winter
        (OPG, at(2026, 7, 6, 13, 28)),  # 09:28 New York, summer (DST)
        (CLS, at(2026, 1, 5, 20, 50)),  # 15:50 New York
        (CLS, at(2026, 11, 27, 17, 50)),  # 12:50 on the day after Thanksgiving
    ],
)
def test_auction_orders_are_refused_inside_their_cut_off_windows(tif, sent) -> None:
    v = venue(calendar=xnys())
    with pytest.raises(BrokerRuleBreached) as refused:
        v.submit(sent, "x", mkt(Side.BUY, 1, tif))
    assert refused.value.code == f"{tif.value}_window"


def test_a_cls_order_fills_in_the_last_bar_not_before() -> None:
    v = venue(calendar=xnys())
    feed(v, at(2026, 7, 6, 14, 0))  # 10:00 New York
    v.submit(at(2026, 7, 6, 14, 1), "c", mkt(Side.BUY, 5, CLS))
    feed(v, at(2026, 7, 6, 15, 0))
    feed(v, at(2026, 7, 6, 19, 58))
    assert [k for k, _ in events(v, at(2026, 7, 6, 19, 59), "c")] == [K.ACCEPTED]
    feed(v, at(2026, 7, 6, 19, 59))  # 15:59 New York (EDT): the last bar
    assert K.FILL in [k for k, _ in events(v, at(2026, 7, 6, 20, 0), "c")]


def test_a_cls_order_on_an_early_close_fills_in_the_1259_bar() -> None:
    v = venue(calendar=xnys())
    feed(v, at(2026, 11, 27, 15, 0))
    v.submit(at(2026, 11, 27, 15, 1), "c", mkt(Side.BUY, 5, CLS))
    feed(v, at(2026, 11, 27, 17, 58))
    assert K.FILL not in [k for k, _ in events(v, at(2026, 11, 27, 17, 59), "c")]
    feed(v, at(2026, 11, 27, 17, 59))  # 12:59 New York: the last bar before 13:00
    assert K.FILL in [k for k, _ in events(v, at(2026, 11, 27, 18, 0), "c")]


def test_an_unfilled_cls_order_expires_at_the_close() -> None:
    v = venue(calendar=xnys())
    v.submit(at(2026, 1, 5, 15, 0), "c", lmt(Side.BUY, 5, "50.00", CLS))
    feed(v, at(2026, 1, 5, 20, 59))
    assert [k for k, _ in events(v, at(2026, 1, 5, 21, 1), "c")] == [
        K.ACCEPTED,
        K.EXPIRED,
    ]
