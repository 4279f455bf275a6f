"""A recorded bar stream served as a live feed: bars appear when they close.

Paper trading and dry runs over recorded data (and the live-vs-replay parity check)
feed ``tradecore-live`` from bar files through this adapter: a bar stamped ``t``
covers ``[t, t + interval)`` and is returned by the first poll at or after its close.
With a calendar, a bar is closed at the end of its part inside a session (a daily bar
at its session's close), exactly when the replay knows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tradecore.domain.market.bar_frame import BarFrame, from_ns, merge_timeline, to_ns
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar, bar_close


class RecordedBarFeed:
    """Serves ``frames`` bar by bar in time order (symbol order within a time)."""

    def __init__(
        self,
        frames: Sequence[BarFrame],
        interval: timedelta,
        calendar: MarketCalendar | None = None,
    ) -> None:
        """Merge the frames into one timeline; nothing is served before it closes."""
        self._frames = list(frames)
        timeline = merge_timeline(self._frames)
        self._frame_of = timeline.frame_index.tolist()
        self._row_of = timeline.row_index.tolist()
        self._closes = _close_times(timeline.timestamps.tolist(), interval, calendar)
        self._next = 0

    def poll(self, now: datetime) -> list[Bar]:
        """Return the bars closed by ``now`` that were not returned yet."""
        now_ns = to_ns(now)
        out: list[Bar] = []
        while self._next < len(self._closes) and self._closes[self._next] <= now_ns:
            i = self._next
            out.append(self._frames[self._frame_of[i]].bar(self._row_of[i]))
            self._next += 1
        return out

    @property
    def exhausted(self) -> bool:
        """True once every recorded bar was served."""
        return self._next >= len(self._closes)

    def next_close(self) -> datetime | None:
        """When the next bar not yet served closes (``None``: none left)."""
        if self.exhausted:
            return None
        return from_ns(self._closes[self._next])


def _close_times(
    stamps: list[int], interval: timedelta, calendar: MarketCalendar | None
) -> list[int]:
    """Each bar's close in ns: its start plus ``interval``, or its session's end."""
    interval_ns = int(interval.total_seconds() * 1e9)
    if calendar is None or interval < timedelta(hours=1):
        return [t + interval_ns for t in stamps]  # the hot path: no datetimes
    return [to_ns(bar_close(calendar, from_ns(t), interval)) for t in stamps]
