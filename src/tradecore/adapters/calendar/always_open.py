"""A market that never closes: each UTC day is one session (tests, crypto-like data)."""

from __future__ import annotations

from datetime import date

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.ports.calendar import Calendar


class AlwaysOpenCalendar(Calendar):
    """The always-open schedule, whatever range is asked for."""

    def __init__(self, name: str = "24/7") -> None:
        self.name = name
        self._calendar = MarketCalendar.always_open(name)

    def schedule(self, start: date, end: date) -> MarketCalendar:
        """Return the always-open calendar (it covers every range).

        Raises:
            InvalidInput: ``end`` is before ``start``.
        """
        if end < start:
            raise InvalidInput("end", end, f"before start {start}")
        return self._calendar
