"""The Calendar port: where services get an exchange's trading schedule."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from tradecore.domain.market.calendar import MarketCalendar


class Calendar(Protocol):
    """A source of market schedules (an exchange calendar, or a market always open)."""

    #: The calendar's name, e.g. ``"XNYS"``; the schedules it returns carry it too.
    name: str

    def schedule(self, start: date, end: date) -> MarketCalendar:
        """Return the schedule of every session dated ``start`` to ``end`` inclusive.

        The result is a pure value: the same adapter and range give an equal calendar
        (and ``schedule_hash``) on every call and machine, whatever today's date is.
        Instant queries are answered between the first open and the last close of the
        range, so ask for a few days beyond the instants of interest.

        Raises:
            InvalidInput: ``end`` is before ``start``, the range has no session, or
                it lies outside what the source covers.
        """
        ...
