"""The market calendars an app hands to the venue, the limits and the loops.

One place builds them, from ``[market] calendar``, over a range of dates the app
knows: a replay's data (padded so an order decided on the last bar still finds the
session it waits for), or a live run's today. The adapter pins its library calendar
to explicit bounds, so the same dates give the same schedule on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import attrs

from tradecore.adapters.calendar import AlwaysOpenCalendar, ExchangeCalendar
from tradecore.domain.market.bar_frame import BarFrame, from_ns
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.risk.pre_trade import TradingHours

ALWAYS_OPEN = "24/7"
#: Sessions kept before the first date asked for (warm-up, previous close).
_BEFORE = timedelta(days=15)
#: Sessions kept after the last date: an order queued on the last bar of the data
#: (a Friday before a long weekend, the last bar of a year) still has its session.
_AFTER = timedelta(days=15)
#: A live run's window around today: long enough for any process lifetime.
_LIVE_BEFORE, _LIVE_AFTER = timedelta(days=40), timedelta(days=400)


@attrs.frozen
class TradingCalendars:
    """Regular sessions, and the extended-hours ones (04:00-20:00 New York)."""

    regular: MarketCalendar
    extended: MarketCalendar

    @property
    def hours(self) -> TradingHours:
        """The market-hours rule's view of them."""
        return TradingHours(regular=self.regular, extended=self.extended)


def calendars_between(code: str, first: date, last: date) -> TradingCalendars:
    """The calendars of ``code`` from ``first`` to ``last``, padded on both sides."""
    start, end = first - _BEFORE, last + _AFTER
    if code == ALWAYS_OPEN:
        always = AlwaysOpenCalendar().schedule(start, end)
        return TradingCalendars(regular=always, extended=always)
    exchange = ExchangeCalendar(code)
    return TradingCalendars(
        regular=exchange.schedule(start, end),
        extended=exchange.extended_schedule(start, end),
    )


def calendars_for_span(code: str, first: datetime, last: datetime) -> TradingCalendars:
    """The calendars covering instants ``first`` to ``last`` (a replay's bars)."""
    return calendars_between(code, first.date(), last.date())


def live_calendars(
    code: str, now: datetime, bars: tuple[datetime, datetime] | None = None
) -> TradingCalendars:
    """The calendars a live process needs around ``now`` (and its recorded ``bars``)."""
    first, last = now.date(), now.date()
    if bars is not None:
        first, last = min(first, bars[0].date()), max(last, bars[1].date())
    return calendars_between(code, first - _LIVE_BEFORE, last + _LIVE_AFTER)


def frames_span(frames: Sequence[BarFrame]) -> tuple[datetime, datetime] | None:
    """The first and last bar times of ``frames`` (``None``: no bars)."""
    stamps = [int(f.timestamps[i]) for f in frames if len(f) for i in (0, -1)]
    if not stamps:
        return None
    return from_ns(min(stamps)), from_ns(max(stamps))


#: The sessions a notebook's calendar covers unless told otherwise (fixed bounds).
NOTEBOOK_RANGE = (date(2000, 1, 1), date(2035, 12, 31))


def exchange_calendar(
    code: str = "XNYS",
    start: date = NOTEBOOK_RANGE[0],
    end: date = NOTEBOOK_RANGE[1],
    *,
    extended: bool = False,
) -> MarketCalendar:
    """An exchange's sessions (``tc.exchange_calendar()``: XNYS, 2000-2035).

    ``extended`` gives the extended-hours sessions instead (04:00 New York to four
    hours after the close); ``"24/7"`` a market that never closes.
    """
    if code == ALWAYS_OPEN:
        return AlwaysOpenCalendar().schedule(start, end)
    exchange = ExchangeCalendar(code)
    if extended:
        return exchange.extended_schedule(start, end)
    return exchange.schedule(start, end)
