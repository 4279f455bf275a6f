"""Load and write bar files: tradecore's ``SYMBOL.csv`` / ``SYMBOL.parquet``, and the
shapes researchers have (yfinance, Alpaca's ``bars.df``, long multi-symbol files).

Files are read column-wise with pyarrow and validated in bulk by :class:`BarFrame`;
no per-row Python runs unless a file is bad, and then the error names the file, the
line (CSV) or record (Parquet), and the field, e.g.
``AAPL.csv line 17, field 'high': 'abc' is not a number``. With a data-quality gate
(:class:`BarFileOptions`' ``quality``) suspect rows go to a quarantine instead.

tradecore's format: a header row with at least ``timestamp,open,high,low,close,volume``
(extra columns are ignored); ``timestamp`` is the bar's start in ISO-8601 with an
offset (``Z``, ``+00:00``, any other offset is converted to UTC). The other shapes
and timestamp forms: :mod:`._shapes` and :mod:`._stamps`.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from tradecore.adapters.data._columns import NUMERIC, REQUIRED, TIMESTAMP
from tradecore.adapters.data._csv import read_csv_table
from tradecore.adapters.data._parquet import parquet_record, read_parquet_table
from tradecore.adapters.data._shapes import SYMBOL
from tradecore.adapters.data._table import BarFileOptions, Source, frames_from_table
from tradecore.adapters.data.corporate_actions_file import CORPORATE_ACTIONS_FILE
from tradecore.adapters.data.quarantine import Quarantine
from tradecore.domain.errors import BarFileError, BarQualityError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bar_quality import QualityRules, screen_frame
from tradecore.domain.market.bars import Provenance
from tradecore.domain.validation import SYMBOL_RE

BarFormat = Literal["csv", "parquet"]
_SUFFIXES = (".csv", ".parquet")
#: How many problems ``strict`` lists before "... and N more".
STRICT_LINES = 20


@attrs.frozen(eq=False)
class LoadedBars:
    """What a load produced: one frame per symbol, and the rows the gate set aside."""

    frames: list[BarFrame]
    quarantine: Quarantine
    #: The shape of each file read (``tradecore``, ``yfinance``, ``alpaca``, ``long``).
    shapes: dict[str, str]


def load_bars(
    data: Path | str,
    options: BarFileOptions | None = None,
    *,
    provenance: Provenance = Provenance.FILE,
    each: Callable[[BarFrame], BarFrame] | None = None,
    strict: bool = False,
) -> LoadedBars:
    """Load a bar file, or every ``*.csv`` / ``*.parquet`` in a folder, by symbol.

    Each file's shape is detected from its header (see :mod:`._shapes`):
    tradecore's own ``SYMBOL.csv`` (the file name is the symbol), yfinance's,
    Alpaca's ``bars.df.to_csv()`` or any long file with a ``symbol`` column (many
    symbols, any file name). ``options`` maps columns, gives the zone of naive
    timestamps, the calendar of date-only rows and the data-quality gate. ``each``
    is applied to every frame as soon as its file is read.

    With a gate, suspect rows go to the returned quarantine; ``strict`` turns any
    quarantined row into an error listing the first :data:`STRICT_LINES`.

    Raises:
        BarFileError: a missing folder, no bar files or no bars, a file name that
            is not a symbol, a symbol from two files, or a malformed file (naming
            file, line and field).
        BarQualityError: ``strict`` and the gate quarantined rows.
    """
    options = options or BarFileOptions()
    target = Path(data)
    if target.is_file():
        paths = [target]
    elif target.is_dir():
        paths = sorted(
            p
            for p in target.iterdir()
            if p.suffix in _SUFFIXES
            and p.is_file()
            and p.name != CORPORATE_ACTIONS_FILE
        )
        if not paths:
            reason = "holds no SYMBOL.csv or SYMBOL.parquet files"
            raise BarFileError(str(target), "directory", None, reason)
    else:
        raise BarFileError(str(target), "directory", None, "is not a directory")
    quarantine = Quarantine()
    frames: list[BarFrame] = []
    shapes: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in paths:
        loaded, shapes[path.name] = _read_file(path, options, provenance, quarantine)
        for frame in loaded:
            if frame.symbol in seen:
                reason = f"symbol {frame.symbol} also comes from {seen[frame.symbol]}"
                raise BarFileError(path.name, "symbol", frame.symbol, reason)
            seen[frame.symbol] = path.name
            frames.append(each(frame) if each is not None else frame)
        if each is not None:
            return_freed_memory()
    if not any(len(frame) for frame in frames):
        reason = "holds no bars (every file is empty or has a header only)"
        raise BarFileError(str(target), "directory", None, reason)
    return_freed_memory()
    if strict and quarantine.quarantined:
        raise BarQualityError(quarantine.problems(STRICT_LINES), quarantine.quarantined)
    return LoadedBars(sorted(frames, key=lambda f: f.symbol), quarantine, shapes)


def gate_frames(
    frames: Sequence[BarFrame],
    quality: QualityRules,
    *,
    source: str,
    strict: bool = False,
) -> LoadedBars:
    """Screen frames read elsewhere (a lake's series) with the bulk quality rules.

    The same gate files pass at load: suspect rows go to the returned quarantine
    (record numbers within each series), quarantined rows leave the frames, and
    ``strict`` turns any quarantined row into :class:`BarQualityError`.
    """
    quarantine = Quarantine()
    kept: list[BarFrame] = []
    for frame in frames:
        screening = screen_frame(frame, quality)
        columns = (frame.open, frame.high, frame.low, frame.close, frame.volume)
        records = np.arange(1, len(frame) + 1)
        quarantine.add(
            frame.symbol, source, "record", records, frame.timestamps, columns,
            screening,
        )  # fmt: skip
        if not screening.keep.all():
            keep = screening.keep
            frame = BarFrame(
                symbol=frame.symbol,
                timestamps=frame.timestamps[keep],
                open=frame.open[keep],
                high=frame.high[keep],
                low=frame.low[keep],
                close=frame.close[keep],
                volume=frame.volume[keep],
                provenance=frame.provenance,
            )
        kept.append(frame)
    if strict and quarantine.quarantined:
        raise BarQualityError(quarantine.problems(STRICT_LINES), quarantine.quarantined)
    return LoadedBars(kept, quarantine, {})


def load_bar_files(
    directory: Path | str,
    *,
    provenance: Provenance = Provenance.FILE,
    each: Callable[[BarFrame], BarFrame] | None = None,
    options: BarFileOptions | None = None,
) -> list[BarFrame]:
    """Load every bar file in ``directory`` (:func:`load_bars`' frames).

    Without ``options`` (or without a gate in them) the first bad row stops the
    load, naming file, line and field.

    Raises:
        BarFileError: as :func:`load_bars`.
    """
    return load_bars(directory, options, provenance=provenance, each=each).frames


def load_bar_file(
    path: Path | str, *, provenance: Provenance = Provenance.FILE
) -> BarFrame:
    """Load one bar file holding one symbol; its name (without suffix) is the symbol.

    Raises:
        BarFileError: a bad name, an unknown suffix, several symbols, or malformed
            content.
    """
    path = Path(path)
    if path.suffix not in _SUFFIXES:
        raise BarFileError(path.name, "file", path.suffix, "use .csv or .parquet")
    frames, _ = _read_file(path, BarFileOptions(), provenance, Quarantine())
    if len(frames) != 1:
        reason = f"holds {len(frames)} symbols; use load_bars"
        raise BarFileError(path.name, "symbol", None, reason)
    return frames[0]


def _read_file(
    path: Path, options: BarFileOptions, provenance: Provenance, quarantine: Quarantine
) -> tuple[list[BarFrame], str]:
    if path.suffix == ".csv":
        csv_bars = read_csv_table(
            path,
            options.columns,
            missing_as_null=options.quality is not None,
            shape=options.shape,
        )
        table, shape, source = (
            csv_bars.table,
            csv_bars.shape,
            Source(path.name, csv_bars.line_of),
        )
        ticker = csv_bars.ticker
    else:
        table, shape = read_parquet_table(path, options.columns, options.shape)
        source, ticker = Source(path.name, parquet_record), None
    symbol = None if SYMBOL in shape.columns else _file_symbol(path, ticker)
    frames = frames_from_table(
        table,
        source,
        symbol,
        options,
        date_named=shape.date_named,
        provenance=provenance,
        quarantine=quarantine,
    )
    return frames, shape.name


def _file_symbol(path: Path, ticker: str | None) -> str:
    symbol = path.stem
    if SYMBOL_RE.match(symbol):
        return symbol
    if ticker is not None and SYMBOL_RE.match(ticker):
        return ticker
    reason = f"file name {symbol!r} is not a valid symbol (e.g. AAPL, BRK.B)"
    raise BarFileError(path.name, "symbol", symbol, reason)


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
