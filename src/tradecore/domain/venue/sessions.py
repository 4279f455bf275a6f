"""The calendar questions the venue asks per order, answered from the session at hand.

Every order asks whether the market is open (its ack, the reject check), when its
day ends (a day order's expiry) and which part of a bar is in a session (its match).
The calendar answers each with a binary search and a conversion to and from epoch
nanoseconds; the venue's time only moves forward, so nearly every question falls
in the session asked about last. :class:`SessionCache` keeps that session and
answers from it, and asks the calendar only outside it. Same answers as the
calendar (the unit tests compare them on a grid of instants).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tradecore.domain.market.calendar import MarketCalendar, bar_span


class SessionCache:
    """``is_open``, ``next_close`` and ``bar_span`` of a calendar, cached per session."""

    __slots__ = ("_close", "_open", "calendar")

    def __init__(self, calendar: MarketCalendar) -> None:
        """Answer for ``calendar``; nothing is cached until the first question."""
        self.calendar = calendar
        #: The session ``[open, close)`` found last (``None``: none yet).
        self._open: datetime | None = None
        self._close: datetime | None = None

    def _close_of_session_at(self, at: datetime) -> datetime | None:
        """The close of the session containing ``at`` (``None``: not in a session)."""
        opens = self._open
        if opens is not None and opens <= at:
            close = self._close
            assert close is not None
            if at < close:
                return close
        session = self.calendar.session_of(at)
        if session is None:
            return None
        self._open, self._close = session.open, session.close
        return session.close

    def is_open(self, at: datetime) -> bool:
        """:meth:`MarketCalendar.is_open`."""
        if self.calendar.is_always_open:
            return self.calendar.is_open(at)
        return self._close_of_session_at(at) is not None

    def next_close(self, at: datetime) -> datetime:
        """:meth:`MarketCalendar.next_close`: inside a session, its close."""
        calendar = self.calendar
        if calendar.is_always_open:
            return calendar.next_close(at)
        close = self._close_of_session_at(at)
        return calendar.next_close(at) if close is None else close

    def bar_span(
        self, start: datetime, interval: timedelta
    ) -> tuple[datetime, datetime] | None:
        """:func:`~tradecore.domain.market.calendar.bar_span` on the calendar."""
        calendar = self.calendar
        if calendar.is_always_open:
            return start, start + interval
        close = self._close_of_session_at(start)
        if close is None:
            return bar_span(calendar, start, interval)
        return start, min(start + interval, close)
