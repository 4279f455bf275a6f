"""``tradecore-live run --record-lake DIR`` (or ``[data] record_lake``).

Every bar the run's feed serves is recorded, as it arrives, into the lake's
``recorded/`` partition (:mod:`tradecore.adapters.data.lake_recorder`), with the
run's clock and the wall clock at arrival and its provenance (feed; ``rest``,
``stream`` or ``file``; stream corrections flagged, and those of bars already served
kept but marked not served). ``tradecore-replay
run --lake DIR --recorded SESSION`` replays the bars the engine saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from tradecore.adapters.data.lake_recorder import LakeRecorder
from tradecore.domain.market.bars import Bar
from tradecore.ports.alerts import Alerter
from tradecore.ports.bar_feed import BarFeed
from tradecore.ports.clock import Clock


def record_source(feed: str, mode: str) -> str:
    """How bars reach the run: ``rest`` (polled), ``stream`` or ``file``."""
    if feed == "alpaca-stream" or (feed == "alpaca" and mode == "stream"):
        return "stream"
    return "rest" if feed == "alpaca" else "file"


def open_recorder(
    lake: Path | None, clock: Clock, alerter: Alerter | None = None
) -> LakeRecorder | None:
    """A recorder into ``lake`` for a run starting now (``None``: no recording).

    Raises:
        ConfigurationError: the folder cannot be made.
    """
    if lake is None:
        return None
    return LakeRecorder(lake, started_at=clock.now(), alerter=alerter)


class RecordingFeed(BarFeed):
    """Serves ``inner``'s bars unchanged, recording each poll's into ``recorder``."""

    def __init__(
        self, inner: BarFeed, recorder: LakeRecorder, clock: Clock, source: str
    ) -> None:
        """Record what ``inner`` serves, stamped with ``clock`` at arrival."""
        self._inner = inner
        self._recorder = recorder
        self._clock = clock
        self._source = source

    def poll(self, now: datetime) -> Sequence[Bar]:
        """Poll the inner feed; record its bars (and corrections it reports)."""
        bars = self._inner.poll(now)
        arrived = self._clock.now()
        if bars:
            origin = getattr(self._inner, "served_origin", None)
            self._recorder.record_bars(
                bars,
                arrived,
                self._source,
                origins=origin() if callable(origin) else None,
            )
        take = getattr(self._inner, "take_corrections", None)
        corrections = take() if callable(take) else []
        if corrections:
            self._recorder.record_bars(
                corrections, arrived, "stream", corrected=True, served=False
            )
        self._recorder.tick()
        return bars

    @property
    def exhausted(self) -> bool:
        """As the inner feed."""
        return self._inner.exhausted

    def next_close(self) -> datetime | None:
        """As the inner feed."""
        return self._inner.next_close()
