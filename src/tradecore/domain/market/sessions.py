"""Trading sessions: when the simulated market is open and when day orders expire."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput

_WEEKDAYS = frozenset(range(5))


@attrs.frozen(kw_only=True, slots=True)
class TradingSession:
    """Regular trading hours in UTC on some weekdays, or a market open around the clock.

    Exchange holidays and daylight saving are not modelled: the default, 13:30–20:00 UTC
    Monday to Friday, is US regular hours in summer time; pass other hours for winter
    data. ``around_the_clock()`` never closes (day orders then expire at midnight UTC),
    which keeps tests free of calendar arithmetic.
    """

    open_utc: time = attrs.field(default=time(13, 30), validator=v.instance_of(time))
    close_utc: time = attrs.field(default=time(20, 0), validator=v.instance_of(time))
    weekdays: frozenset[int] = attrs.field(default=_WEEKDAYS)
    always_open: bool = attrs.field(default=False, validator=v.instance_of(bool))

    def __attrs_post_init__(self) -> None:
        if self.open_utc >= self.close_utc:
            raise InvalidInput("close_utc", self.close_utc, "must be after open_utc")
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise InvalidInput("weekdays", self.weekdays, "need days among 0..6")

    @classmethod
    def us_regular(cls) -> TradingSession:
        """Return US regular hours, 13:30–20:00 UTC, Monday to Friday."""
        return cls()

    @classmethod
    def around_the_clock(cls) -> TradingSession:
        """Return a session that is always open (tests, crypto-like markets)."""
        return cls(always_open=True)

    def is_open(self, at: datetime) -> bool:
        """Return whether regular trading is on at ``at`` (close is exclusive)."""
        if self.always_open:
            return True
        at = at.astimezone(UTC)
        return (
            at.weekday() in self.weekdays
            and self.open_utc <= at.time().replace(tzinfo=None) < self.close_utc
        )

    def next_close(self, at: datetime) -> datetime:
        """Return the first session close strictly after ``at``: a day order's expiry.

        An order placed after the close (or on a weekend) belongs to the next session,
        as brokers queue it, so it expires at that session's close.
        """
        at = at.astimezone(UTC)
        if self.always_open:
            return datetime.combine(at.date() + timedelta(days=1), time(0), UTC)
        for offset in range(8):
            day = at.date() + timedelta(days=offset)
            close = datetime.combine(day, self.close_utc, UTC)
            if day.weekday() in self.weekdays and close > at:
                return close
        raise InvalidInput("weekdays", self.weekdays, "no session within a week")
