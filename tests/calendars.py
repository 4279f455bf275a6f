"""Calendars for tests: XNYS from the exchange-calendar library, and always-open.

Built once per process with fixed bounds (never the library's today-relative
default), so every test sees the same schedule.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from tradecore.domain.market.calendar import MarketCalendar

START, END = date(2015, 1, 1), date(2030, 12, 31)


@cache
def xnys() -> MarketCalendar:
    """The New York Stock Exchange's regular sessions, 2015-2030."""
    from tradecore.adapters.calendar import ExchangeCalendar

    return ExchangeCalendar("XNYS").schedule(START, END)


ALWAYS_OPEN = MarketCalendar.always_open()
