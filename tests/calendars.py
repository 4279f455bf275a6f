"""Calendars for tests: XNYS from the exchange-calendar library, and always-open.

Built once per process with fixed bounds (never the library's today-relative
default), so every test sees the same schedule.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.risk.pre_trade import TradingHours

START, END = date(2015, 1, 1), date(2030, 12, 31)


@cache
def xnys() -> MarketCalendar:
    """The New York Stock Exchange's regular sessions, 2015-2030."""
    from tradecore.adapters.calendar import ExchangeCalendar

    return ExchangeCalendar("XNYS").schedule(START, END)


@cache
def xnys_extended() -> MarketCalendar:
    """XNYS extended hours (04:00 New York to 4 hours after the close), 2015-2030."""
    from tradecore.adapters.calendar import ExchangeCalendar

    return ExchangeCalendar("XNYS").extended_schedule(START, END)


@cache
def xnys_hours() -> TradingHours:
    """The market-hours rule's view of XNYS."""
    return TradingHours(regular=xnys(), extended=xnys_extended())


ALWAYS_OPEN = MarketCalendar.always_open()
