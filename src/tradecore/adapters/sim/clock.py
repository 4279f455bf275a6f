"""A manually advanced virtual clock for replays, backtests and tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tradecore.domain.errors import InvalidInput
from tradecore.ports.clock import Clock


class SimClock(Clock):
    """Virtual time that moves only when told to, and never backwards.

    ``sleep`` advances the clock instead of waiting, so code written against the
    Clock port runs unchanged, and instantly, in a replay.
    """

    def __init__(self, start: datetime) -> None:
        """Start at ``start`` (timezone-aware UTC).

        Raises:
            InvalidInput: ``start`` is naive or not UTC.
        """
        _check_utc("start", start)
        self._now = start

    def now(self) -> datetime:
        """Return the current virtual time."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Advance by ``seconds`` instead of waiting."""
        self.advance(seconds)

    def advance(self, seconds: float) -> datetime:
        """Move forward by ``seconds`` and return the new time.

        Raises:
            InvalidInput: ``seconds`` is negative.
        """
        if seconds < 0:
            raise InvalidInput("seconds", seconds, "the clock never goes back")
        self._now += timedelta(seconds=seconds)
        return self._now

    def advance_to(self, at: datetime) -> datetime:
        """Move forward to ``at`` (a no-op if already there) and return it.

        Raises:
            InvalidInput: ``at`` is naive, not UTC, or before the current time.
        """
        if at.__class__ is not datetime or at.tzinfo is not UTC:  # else UTC: no call
            _check_utc("at", at)
        if at < self._now:
            raise InvalidInput("at", at, f"before the clock's time {self._now}")
        self._now = at
        return at


_NO_OFFSET = timedelta(0)


def _check_utc(field: str, value: datetime) -> None:
    # A replay moves the clock twice per bar timestamp: the common case (a datetime
    # in ``datetime.UTC``) is one class and one identity test.
    if value.__class__ is datetime and value.tzinfo is UTC:
        return
    if not isinstance(value, datetime) or value.utcoffset() != _NO_OFFSET:
        raise InvalidInput(field, value, "expected a timezone-aware UTC datetime")
