"""Load and write folders of bar files: one ``SYMBOL.csv`` or ``SYMBOL.parquet`` each.

Files are read column-wise with pyarrow and validated in bulk by :class:`BarFrame`;
no per-row Python runs unless a file is bad, and then the error names the file, the
line (CSV) or record (Parquet), and the field, e.g.
``AAPL.csv line 17, field 'high': 'abc' is not a number``.

Format: a header row with at least ``timestamp,open,high,low,close,volume`` (extra
columns are ignored); ``timestamp`` is the bar's start in ISO-8601 UTC, ending in
``Z`` or ``+00:00``.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from tradecore.adapters.data._columns import NUMERIC, REQUIRED, TIMESTAMP
from tradecore.adapters.data._csv import csv_line, read_csv_columns
from tradecore.adapters.data._parquet import parquet_record, read_parquet_columns
from tradecore.adapters.data.corporate_actions_file import CORPORATE_ACTIONS_FILE
from tradecore.domain.errors import BarFileError, InvalidBarData
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Provenance
from tradecore.domain.validation import SYMBOL_RE

BarFormat = Literal["csv", "parquet"]
_READERS: dict[
    str, tuple[Callable[[Path], dict[str, np.ndarray]], Callable[[int], int]]
]
_READERS = {
    ".csv": (read_csv_columns, csv_line),
    ".parquet": (read_parquet_columns, parquet_record),
}


def load_bar_files(
    directory: Path | str,
    *,
    provenance: Provenance = Provenance.FILE,
    each: Callable[[BarFrame], BarFrame] | None = None,
) -> list[BarFrame]:
    """Load every ``SYMBOL.csv`` / ``SYMBOL.parquet`` in ``directory``, by symbol.

    Other files (and ``corporate_actions.csv``) are ignored. One symbol may not
    come from two files. ``each`` is applied to every frame as soon as its file is
    read (e.g. :meth:`~tradecore.adapters.data.spill.SpilledBars.spill`, so only one
    file's columns are ever in memory at once).

    Raises:
        BarFileError: the folder is missing or holds no bar files (or only files
            without bars), a file name is not a symbol, a symbol appears twice, or
            a file is malformed (the error names file, line and field).
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise BarFileError(str(folder), "directory", None, "is not a directory")
    paths = sorted(
        p
        for p in folder.iterdir()
        if p.suffix in _READERS and p.is_file() and p.name != CORPORATE_ACTIONS_FILE
    )
    if not paths:
        reason = "holds no SYMBOL.csv or SYMBOL.parquet files"
        raise BarFileError(str(folder), "directory", None, reason)
    frames = []
    for path in paths:
        frame = load_bar_file(path, provenance=provenance)
        if each is not None:
            frame = each(frame)
            return_freed_memory()
        frames.append(frame)
    if not any(len(frame) for frame in frames):
        reason = "holds no bars (every file is empty or has a header only)"
        raise BarFileError(str(folder), "directory", None, reason)
    return_freed_memory()
    seen: dict[str, str] = {}
    for path, frame in zip(paths, frames, strict=True):
        if frame.symbol in seen:
            reason = f"symbol {frame.symbol} also comes from {seen[frame.symbol]}"
            raise BarFileError(path.name, "symbol", frame.symbol, reason)
        seen[frame.symbol] = path.name
    return sorted(frames, key=lambda f: f.symbol)


def load_bar_file(
    path: Path | str, *, provenance: Provenance = Provenance.FILE
) -> BarFrame:
    """Load one bar file; its name (without suffix) is the symbol.

    Raises:
        BarFileError: a bad name, an unknown suffix, or malformed content.
    """
    path = Path(path)
    if path.suffix not in _READERS:
        raise BarFileError(path.name, "file", path.suffix, "use .csv or .parquet")
    symbol = path.stem
    if not SYMBOL_RE.match(symbol):
        reason = f"file name {symbol!r} is not a valid symbol (e.g. AAPL, BRK.B)"
        raise BarFileError(path.name, "symbol", symbol, reason)
    read, line_of = _READERS[path.suffix]
    columns = read(path)
    try:
        return BarFrame(
            symbol=symbol,
            timestamps=columns[TIMESTAMP],
            **{name: columns[name] for name in NUMERIC},
            provenance=provenance,
        )
    except InvalidBarData as e:
        reason = f"{e.value!r} {e.reason}"
        raise BarFileError(
            path.name, e.field, e.value, reason, line=line_of(e.row)
        ) from e


def write_bar_files(
    directory: Path | str, frames: Sequence[BarFrame], fmt: BarFormat = "csv"
) -> list[Path]:
    """Write one file per frame in the format :func:`load_bar_files` reads back.

    CSV timestamps are written as ``YYYY-MM-DDTHH:MM:SS[.fffffffff]Z`` and floats in
    their shortest round-trip form, so load(write(frames)) reproduces the frames
    exactly (same :func:`data_fingerprint`). Parquet stores ``timestamp[ns, UTC]``.

    Returns:
        The written paths, in the order of ``frames``.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for frame in frames:
        path = folder / f"{frame.symbol}.{fmt}"
        if fmt == "csv":
            _write_csv(path, frame)
        elif fmt == "parquet":
            pq.write_table(_table(frame, pa.timestamp("ns", "UTC")), path)
        else:
            raise BarFileError(path.name, "fmt", fmt, "use 'csv' or 'parquet'")
        written.append(path)
    return written


def _table(frame: BarFrame, stamp_type: pa.DataType) -> pa.Table:
    stamps = pa.array(frame.timestamps, type=pa.int64()).cast(stamp_type)
    columns = {name: pa.array(getattr(frame, name)) for name in NUMERIC}
    return pa.table({TIMESTAMP: stamps, **columns})


def _write_csv(path: Path, frame: BarFrame) -> None:
    moments = frame.timestamps.view("datetime64[ns]")
    whole_seconds = not np.any(frame.timestamps % 1_000_000_000)
    text = np.datetime_as_string(moments, unit="s" if whole_seconds else "ns")
    stamps = pa.array(np.char.add(text, "Z"), type=pa.string())
    columns = {name: pa.array(getattr(frame, name)) for name in NUMERIC}
    table = pa.table({TIMESTAMP: stamps, **columns})
    with path.open("wb") as stream:
        stream.write((",".join(REQUIRED) + "\n").encode("ascii"))
        options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
        pa_csv.write_csv(table, stream, options)


def return_freed_memory() -> None:
    """Give the decoders' freed buffers back to the system once the files are read.

    Arrow's pool and the C heap keep what decoding freed (about a third of the
    data's size again); a long replay would carry it as resident memory all run.
    """
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl): nothing to trim
            return
