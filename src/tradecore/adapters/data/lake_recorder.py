"""Live recording into a lake: every bar and quote a run receives, as it arrived.

Layout (beside the fetched ``bars/``; one small file per flush)::

    LAKE/recorded/session=2026-01-05/kind=bars/part-<run>-<seq:012d>.parquet
    LAKE/recorded/session=2026-01-05/kind=quotes/part-<run>-<seq:012d>.parquet

``session`` is the New York date of the run's start (a run's warm-up bars from
earlier days are in its session too: the session is what the run saw). Each row
carries the run, its arrival rank in the run (``seq``), the run's clock when it
arrived (``arrived_at``), the wall clock (``wall_at``) and its provenance: the feed
(``iex``, ``sip``, ...), the source (``rest``, ``stream``, ``file``), whether the
stream corrected it (``corrected``) and whether the engine was served it (``served``:
false for a correction of a bar already served, kept for reference, never replayed).

Flush policy: rows are buffered in memory and handed to a writer thread every
:attr:`LakeRecorder.flush_rows` rows or :attr:`LakeRecorder.flush_seconds`
seconds, whichever comes first; the thread writes one Parquet file per batch
(temporary name, fsync, rename: a reader never sees a part of a file). At most
:attr:`LakeRecorder.max_pending` batches wait for the disk; beyond that a batch is
dropped and counted, so a slow or full disk never blocks trading nor grows memory.
A write failure is alerted (``data.recording_failed``) and the run goes on. A crash
loses what was buffered since the last flush (at most ``flush_rows`` rows or
``flush_seconds`` seconds of data) and the batches not written yet.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pyarrow as pa
import pyarrow.parquet as pq

from tradecore.adapters.data import _lake_manifest as mf
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.bars import Bar, Quote
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity

log = logging.getLogger(__name__)
NEW_YORK = ZoneInfo("America/New_York")
RECORDED = "recorded"
SOURCES = ("rest", "stream", "file")
_STAMP = pa.timestamp("ns", "UTC")
_COMMON = [
    ("run", pa.string()),
    ("seq", pa.int64()),
    ("arrived_at", _STAMP),
    ("wall_at", _STAMP),
    ("symbol", pa.string()),
    ("timestamp", _STAMP),
]
_PROVENANCE = [("feed", pa.string()), ("source", pa.string())]
BAR_SCHEMA = pa.schema(
    [
        *_COMMON,
        *((n, pa.float64()) for n in ("open", "high", "low", "close", "volume")),
        *_PROVENANCE,
        ("corrected", pa.bool_()),
        ("served", pa.bool_()),
    ]
)
QUOTE_SCHEMA = pa.schema(
    [
        *_COMMON,
        *((n, pa.float64()) for n in ("bid", "ask", "bid_size", "ask_size")),
        *_PROVENANCE,
    ]
)
_SCHEMAS = {"bars": BAR_SCHEMA, "quotes": QUOTE_SCHEMA}


def session_folder(root: Path, session: date, kind: str) -> Path:
    """The folder of ``kind`` (``bars`` or ``quotes``) recorded on ``session``."""
    return root / RECORDED / f"session={session.isoformat()}" / f"kind={kind}"


@attrs.define(kw_only=True)
class RecorderStatus:
    """What a recorder did so far."""

    rows: int = 0
    files: int = 0
    #: Rows lost: a batch dropped (disk too slow) or a write that failed.
    lost: int = 0
    failures: int = 0


class LakeRecorder:
    """Appends what a live run receives to ``root``'s ``recorded/`` partition."""

    flush_rows = 1000
    flush_seconds = 5.0
    max_pending = 4

    def __init__(
        self,
        root: Path | str,
        *,
        started_at: datetime,
        run: str | None = None,
        alerter: Alerter | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Record into ``root`` under the session of ``started_at`` (New York date).

        Raises:
            ConfigurationError: the folder cannot be made.
        """
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigurationError(
                f"--record-lake {self.root}: cannot write there ({e.strerror})"
            ) from e
        self.session = started_at.astimezone(NEW_YORK).date()
        self.run = run or f"{started_at:%Y%m%dT%H%M%S}-{os.getpid()}"
        self.alerter = alerter
        self._wall = wall
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._rows: dict[str, list[dict[str, object]]] = {"bars": [], "quotes": []}
        self._seq = 0
        self._last_flush = monotonic()
        self._status = RecorderStatus()
        self._pending: queue.Queue[tuple[str, list[dict[str, object]]] | None] = (
            queue.Queue(self.max_pending)
        )
        self._thread = threading.Thread(
            target=self._write_loop, name="lake-recorder", daemon=True
        )
        self._thread.start()

    def status(self) -> RecorderStatus:
        """Return a copy of the counters."""
        with self._lock:
            return attrs.evolve(self._status)

    def record_bars(
        self,
        bars: Sequence[Bar],
        arrived_at: datetime,
        source: str,
        *,
        corrected: bool = False,
        served: bool = True,
        origins: Sequence[tuple[str, bool]] | None = None,
    ) -> None:
        """Buffer ``bars``, received at ``arrived_at`` (the run's clock).

        ``served``: the engine was given them (``False``: corrections of bars
        already served, kept for reference). ``origins`` gives each bar its own
        (source, corrected) when the feed knows (a stream feed's backfilled bars
        came over REST; a bar the stream corrected before it was served).
        """
        wall = self._wall()
        if origins is None or len(origins) != len(bars):
            origins = [(source, corrected)] * len(bars)
        self._add(
            "bars",
            [
                {
                    **self._common(b.symbol, b.timestamp, arrived_at, wall),
                    "open": b.open,
                    "high": b.high,
                    "low": b.low,
                    "close": b.close,
                    "volume": b.volume,
                    "feed": b.provenance.value,
                    "source": came,
                    "corrected": fixed,
                    "served": served,
                }
                for b, (came, fixed) in zip(bars, origins, strict=True)
            ],
        )

    def record_quotes(
        self, quotes: Sequence[Quote], arrived_at: datetime, source: str
    ) -> None:
        """Buffer ``quotes``, received at ``arrived_at`` (the run's clock)."""
        wall = self._wall()
        self._add(
            "quotes",
            [
                {
                    **self._common(q.symbol, q.timestamp, arrived_at, wall),
                    "bid": q.bid,
                    "ask": q.ask,
                    "bid_size": q.bid_size,
                    "ask_size": q.ask_size,
                    "feed": q.provenance.value,
                    "source": source,
                }
                for q in quotes
            ],
        )

    def _common(
        self, symbol: str, stamp: datetime, arrived: datetime, wall: datetime
    ) -> dict[str, object]:
        self._seq += 1  # under no lock: one thread (the loop's) records
        return {
            "run": self.run,
            "seq": self._seq,
            "arrived_at": to_ns(arrived),
            "wall_at": to_ns(wall),
            "symbol": symbol,
            "timestamp": to_ns(stamp),
        }

    def _add(self, kind: str, rows: list[dict[str, object]]) -> None:
        with self._lock:
            self._rows[kind].extend(rows)
            self._status.rows += len(rows)
        self.tick()

    def tick(self) -> None:
        """Flush if the buffer is full or old enough (call once per cycle)."""
        with self._lock:
            size = sum(len(r) for r in self._rows.values())
        due = self._monotonic() - self._last_flush >= self.flush_seconds
        if size >= self.flush_rows or (size and due):
            self.flush()

    def flush(self) -> None:
        """Hand the buffered rows to the writer thread (never waits for the disk)."""
        with self._lock:
            batches = [(k, rows) for k, rows in self._rows.items() if rows]
            self._rows = {"bars": [], "quotes": []}
        self._last_flush = self._monotonic()
        for kind, rows in batches:
            try:
                self._pending.put_nowait((kind, rows))
            except queue.Full:
                self._failed(len(rows), "the disk is behind; a batch was dropped")

    def close(self, timeout: float = 30.0) -> None:
        """Flush, then wait (up to ``timeout`` seconds) for the writes to end."""
        self.flush()
        try:
            self._pending.put(None, timeout=timeout)
        except queue.Full:
            self._failed(0, "the disk is behind; closing without waiting")
            return
        self._thread.join(timeout)

    def _write_loop(self) -> None:
        while True:
            item = self._pending.get()
            if item is None:
                return
            kind, rows = item
            try:
                self._write(kind, rows)
            except Exception as e:  # a recording never stops trading
                self._failed(len(rows), f"a write failed: {e}")

    def _write(self, kind: str, rows: list[dict[str, object]]) -> None:
        table = pa.Table.from_pylist(rows, schema=_SCHEMAS[kind])
        folder = session_folder(self.root, self.session, kind)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"part-{self.run}-{int(str(rows[0]['seq'])):012d}.parquet"
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        mf.write_atomic(target, sink.getvalue().to_pybytes())
        with self._lock:
            self._status.files += 1

    def _failed(self, rows: int, reason: str) -> None:
        with self._lock:
            self._status.lost += rows
            self._status.failures += 1
        message = f"recording into {self.root}: {reason} ({rows} rows lost)"
        log.warning(message)
        if self.alerter is not None:
            self.alerter.send(
                Alert(
                    severity=Severity.WARNING,
                    code=AlertCode.RECORDING_FAILED,
                    message=message,
                    raised_at=self._wall(),
                    context={"lake": str(self.root), "rows_lost": rows},
                )
            )
