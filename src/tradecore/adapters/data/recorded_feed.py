"""A recorded bar stream served as a live feed: bars appear when they close.

Paper trading and dry runs over recorded data (and the live-vs-replay parity check)
feed ``tradecore-live`` from bar files through this adapter: a bar stamped ``t``
covers ``[t, t + interval)`` and is returned by the first poll at or after its close.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tradecore.domain.market.bar_frame import BarFrame, merge_timeline, to_ns
from tradecore.domain.market.bars import Bar


class RecordedBarFeed:
    """Serves ``frames`` bar by bar in time order (symbol order within a time)."""

    def __init__(self, frames: Sequence[BarFrame], interval: timedelta) -> None:
        """Merge the frames into one timeline; nothing is served before it closes."""
        self._frames = list(frames)
        timeline = merge_timeline(self._frames)
        self._stamps = timeline.timestamps.tolist()
        self._frame_of = timeline.frame_index.tolist()
        self._row_of = timeline.row_index.tolist()
        self._interval_ns = int(interval.total_seconds() * 1e9)
        self._next = 0

    def poll(self, now: datetime) -> list[Bar]:
        """Return the bars closed by ``now`` that were not returned yet."""
        now_ns = to_ns(now)
        out: list[Bar] = []
        while (
            self._next < len(self._stamps)
            and self._stamps[self._next] + self._interval_ns <= now_ns
        ):
            i = self._next
            out.append(self._frames[self._frame_of[i]].bar(self._row_of[i]))
            self._next += 1
        return out

    @property
    def exhausted(self) -> bool:
        """True once every recorded bar was served."""
        return self._next >= len(self._stamps)
