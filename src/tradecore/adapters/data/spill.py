"""Bars spilled to memory-mapped files: a replay's resident memory is one window.

Why: a replay of ten million bars held every column in memory (48 bytes a bar, 480
MB) for the whole run although it reads them once, in time order. Here each frame,
as soon as it is loaded and validated, is written to one ``.npy`` file (six rows:
the timestamps' bits, then open, high, low, close, volume) in a scratch folder, and
replaced by a frame over a read-only memory map of that file. Pages come in as the
replay reaches them; :meth:`SpilledBars.release` tells the kernel the rows before a
point are done (``MADV_DONTNEED``), so they leave the process's resident set. A page
read again after that (a symbol's last bar, shown to the broker later) is simply
read back from the file: releasing is a hint, never a loss.

Releasing only works if a read maps its own neighbourhood, not a big piece of the
file. Linux keeps a file it has just written in its page cache in large pieces (large
folios, up to 2 MiB) and maps a whole piece on one read: released rows came back with
the next read, and each symbol's file (4.8 MB per 100,000 bars) stayed mostly
resident; 100 symbols x 100,000 bars held 312-388 MB of map. So each file, once
written, is flushed and dropped from the page cache (``fdatasync`` then
``POSIX_FADV_DONTNEED``), and its map is advised ``MADV_NOHUGEPAGE``: pages then come
back from the file by ordinary readahead, in small pieces. A spill costs one flush per
file (disk time, no CPU to speak of).

The folder is the caller's (a replay's scratch folder, deleted when it ends).
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

import numpy as np

from tradecore.domain.market.bar_frame import BarFrame

_PAGE = mmap.PAGESIZE
#: Not every platform can drop pages on request (then a release does nothing).
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)
_NOHUGEPAGE: int | None = getattr(mmap, "MADV_NOHUGEPAGE", None)
_ROWS = ("timestamps", "open", "high", "low", "close", "volume")


class SpilledBars:
    """Frames moved to memory-mapped files in ``folder``, and their page releases."""

    def __init__(self, folder: Path) -> None:
        """Spill into ``folder`` (created if needed)."""
        self._folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._maps: dict[str, np.memmap] = {}

    def spill(self, frame: BarFrame) -> BarFrame:
        """Write ``frame``'s columns to its file; return the frame over the map."""
        if len(frame) == 0:
            return frame
        path = self._folder / f"{frame.symbol}.npy"
        stacked = np.empty((len(_ROWS), len(frame)), dtype=np.float64)
        stacked[0] = frame.timestamps.view(np.float64)
        for row, name in enumerate(_ROWS[1:], start=1):
            stacked[row] = getattr(frame, name)
        np.save(path, stacked)
        del stacked
        _drop_cached(path)
        mapped = np.load(path, mmap_mode="r")
        self._maps[frame.symbol] = mapped
        handle = _handle(mapped)
        if handle is not None and _NOHUGEPAGE is not None:
            handle.madvise(_NOHUGEPAGE)  # small pieces: see the module docstring
        # Plain ndarray views of the map: indexing a np.memmap row goes through the
        # subclass's Python __getitem__ (a fifth of an idle replay's time).
        rows = np.asarray(mapped)
        return frame.rehomed(
            rows[0].view(np.int64), [rows[i] for i in range(1, len(_ROWS))]
        )

    def release(self, frame: BarFrame, upto: int) -> None:
        """Rows ``[0, upto)`` of ``frame`` are done: drop their pages (a hint)."""
        mapped = self._maps.get(frame.symbol)
        if mapped is None or upto <= 0:
            return
        n = mapped.shape[1]
        upto = min(upto, n)
        handle = _handle(mapped)
        if handle is None or _DONTNEED is None:
            return
        # numpy maps from the allocation-granularity boundary below the data.
        data_at = mapped.offset % mmap.ALLOCATIONGRANULARITY
        for row in range(len(_ROWS)):
            start = data_at + row * n * 8
            first = -(-start // _PAGE) * _PAGE  # whole pages inside the rows only
            last = (start + upto * 8) // _PAGE * _PAGE
            if last > first:
                handle.madvise(_DONTNEED, first, last - first)

    def release_all(self, frame: BarFrame) -> None:
        """Every row of ``frame`` is done for now (its pages may come back later)."""
        self.release(frame, len(frame))


def _drop_cached(path: Path) -> None:
    """Write ``path`` out and drop it from the page cache (see the module docstring)."""
    if not hasattr(os, "posix_fadvise"):
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(descriptor)
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def _handle(mapped: np.memmap) -> mmap.mmap | None:
    """The mmap numpy made for ``mapped`` (kept on it: private, long-standing)."""
    return getattr(mapped, "_mmap", None)
