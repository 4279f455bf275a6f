"""Order and cancel rates per symbol, from explicit timestamps (never the wall clock).

A runaway strategy shows up first as a burst of orders or cancels; counting them in
trailing windows keyed by the event's own time keeps replays deterministic and lets a
test cross a window boundary to the nanosecond.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from tradecore.domain.errors import InvalidInput

ONE_SECOND = timedelta(seconds=1)
ONE_MINUTE = timedelta(minutes=1)


class RateWindow:
    """Event times per key within a trailing span (events in ``(at - span, at]``)."""

    __slots__ = ("_events", "_span")

    def __init__(self, span: timedelta) -> None:
        """Keep events for ``span``; counts over shorter spans are also answered."""
        if span <= timedelta(0):
            raise InvalidInput("span", span, "must be > 0")
        self._span = span
        self._events: dict[str, deque[datetime]] = {}

    def record(self, key: str, at: datetime) -> None:
        """Add one event at ``at``.

        Raises:
            InvalidInput: ``at`` is before the key's latest event (time went back).
        """
        # Not ``setdefault(key, deque())``: that builds a deque on every call, and
        # every order sent is recorded here.
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
        if events and at < events[-1]:
            raise InvalidInput("at", at, f"before the latest event {events[-1]}")
        events.append(at)
        # ``_prune(events, at)`` spelled out (every order sent is recorded here).
        start = at - self._span
        while events and events[0] <= start:
            events.popleft()

    def count(self, key: str, at: datetime, span: timedelta | None = None) -> int:
        """Return how many events of ``key`` fall in ``(at - span, at]``.

        ``span`` defaults to the window's own and may not exceed it.
        """
        span = self._span if span is None else span
        if span > self._span:
            raise InvalidInput("span", span, f"longer than the window {self._span}")
        events = self._events.get(key)
        if not events:
            return 0
        self._prune(events, at)
        start = at - span
        n = 0
        for t in reversed(events):
            if t <= start:
                break
            if t <= at:
                n += 1
        return n

    def _prune(self, events: deque[datetime], at: datetime) -> None:
        start = at - self._span
        while events and events[0] <= start:
            events.popleft()


class OrderRateTracker:
    """Orders and cancels sent per symbol, for the rate rules."""

    __slots__ = ("_cancels", "_orders")

    def __init__(self) -> None:
        """Start with no history."""
        self._orders = RateWindow(ONE_MINUTE)
        self._cancels = RateWindow(ONE_MINUTE)

    def record_order(self, symbol: str, at: datetime) -> None:
        """Count an order sent for ``symbol`` at ``at``."""
        self._orders.record(symbol, at)

    def record_cancel(self, symbol: str, at: datetime) -> None:
        """Count a cancel request for ``symbol`` at ``at``."""
        self._cancels.record(symbol, at)

    def orders(self, symbol: str, at: datetime, span: timedelta) -> int:
        """Orders for ``symbol`` in the trailing ``span`` (at most a minute)."""
        return self._orders.count(symbol, at, span)

    def cancels(self, symbol: str, at: datetime) -> int:
        """Cancel requests for ``symbol`` in the trailing minute."""
        return self._cancels.count(symbol, at)
