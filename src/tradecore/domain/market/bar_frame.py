"""Columnar bars per symbol, validated in bulk, and a global timeline across symbols.

The replay hot path never builds one :class:`~tradecore.domain.market.bars.Bar` object per
row: it keeps each symbol's bars as read-only numpy columns, validates a whole column
with one vectorized expression, and walks a pre-computed global time order. A
:class:`Bar` is built on demand (``frame.bar(i)``) where a value object is wanted.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidBarData, InvalidInput
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.market.bars import Bar, Provenance

PRICE_FIELDS = ("open", "high", "low", "close")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FINGERPRINT_TAG = b"tradecore.bars.v1"

Int64Array = NDArray[np.int64]
Float64Array = NDArray[np.float64]


def _is_frozen(array: NDArray[Any]) -> bool:
    # Read-only all the way down the base chain: nobody holds a writable alias.
    base: object = array
    while isinstance(base, np.ndarray):
        if base.flags.writeable:
            return False
        base = base.base
    return True


def _frozen(array: ArrayLike, dtype: type[np.generic]) -> NDArray[Any]:
    """Return a 1-D read-only ``dtype`` array; copy only if someone could write it."""
    result = np.asarray(array)
    if result.dtype.kind == "M":  # datetime64 of any unit -> int64 ns
        result = result.astype("datetime64[ns]").view(np.int64)
    if result.dtype != dtype or not result.flags.c_contiguous or not _is_frozen(result):
        result = np.array(result, dtype=dtype, copy=True)
        result.setflags(write=False)
    if result.ndim != 1:
        raise InvalidInput("shape", result.shape, "bar columns must be 1-dimensional")
    return result


def to_ns(moment: datetime) -> int:
    """Convert an aware UTC datetime to integer nanoseconds since the epoch."""
    if moment.utcoffset() is None:
        raise InvalidInput("timestamp", moment, "naive timestamp; use UTC")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + (
        delta.microseconds * 1_000
    )


_new_object = object.__new__
_set_field = object.__setattr__
#: Bars from a frame's validated rows (:meth:`BarFrame.bar`).
_bar = trusted_builder(Bar)


@functools.lru_cache(maxsize=4096)
def from_ns(nanoseconds: int) -> datetime:
    """Convert integer nanoseconds since the epoch to an aware UTC datetime (µs).

    Cached: a replay converts each bar timestamp several times (the clock's step,
    the bar's end before it, every bar built at it), and the datetime is immutable.
    """
    return _EPOCH + timedelta(microseconds=nanoseconds // 1_000)


def _int64_column(array: ArrayLike) -> Int64Array:
    return _frozen(array, np.int64)


def _float64_column(array: ArrayLike) -> Float64Array:
    return _frozen(array, np.float64)


def _first_bad(bad: NDArray[np.bool_]) -> int | None:
    if not bad.any():
        return None
    return int(bad.argmax())


def validate_bar_arrays(
    timestamps: Int64Array,
    open: Float64Array,
    high: Float64Array,
    low: Float64Array,
    close: Float64Array,
    volume: Float64Array,
) -> None:
    """Check every bar invariant over whole columns at once.

    One vectorized pass per rule instead of one object per bar keeps validating a
    million bars in the milliseconds. The earliest offending row is reported (ties:
    the first rule), so a loader can point at the first line to fix.

    Raises:
        InvalidInput: the columns differ in length.
        InvalidBarData: a rule fails; ``row`` is the earliest failing row index.
    """
    columns = {"open": open, "high": high, "low": low, "close": close, "volume": volume}
    for name, column in columns.items():
        if len(column) != len(timestamps):
            raise InvalidInput(name, len(column), f"length != {len(timestamps)} rows")
    failures = [
        *_range_failures(columns),
        *_envelope_failures(open, high, low, close),
        *_order_failures(timestamps),
    ]
    if failures:
        row, _, name, value, reason = min(failures)
        raise InvalidBarData(name, value, reason, row=row)


# (row, rule rank, field, value, reason): min() picks the earliest row, then rule.
_Failure = tuple[int, int, str, float | int, str]


def _range_failures(columns: dict[str, Float64Array]) -> Iterator[_Failure]:
    for rank, (name, column) in enumerate(columns.items()):
        if name == "volume":
            ok, reason = column >= 0.0, "must be >= 0 and finite"
        else:
            ok, reason = column > 0.0, "must be > 0 and finite"
        row = _first_bad(~(ok & (column < np.inf)))  # NaN fails both comparisons
        if row is not None:
            yield row, rank, name, float(column[row]), reason


def _envelope_failures(
    open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array
) -> Iterator[_Failure]:
    top = np.maximum(open, close)
    row = _first_bad(high < top)
    if row is not None:
        reason = f"is below max(open, close) = {float(top[row])!r}"
        yield row, 5, "high", float(high[row]), reason
    bottom = np.minimum(open, close)
    row = _first_bad(low > bottom)
    if row is not None:
        reason = f"is above min(open, close) = {float(bottom[row])!r}"
        yield row, 6, "low", float(low[row]), reason


def _order_failures(timestamps: Int64Array) -> Iterator[_Failure]:
    row = _first_bad(np.diff(timestamps) <= 0)
    if row is not None:
        previous = int(timestamps[row])
        reason = f"is not after the previous timestamp {previous}"
        yield row + 1, 7, "timestamp", int(timestamps[row + 1]), reason


@attrs.frozen(kw_only=True, slots=True, eq=False)
class BarFrame:
    """All bars of one symbol as read-only numpy columns, validated on construction.

    ``timestamps`` are int64 nanoseconds since the epoch (UTC), strictly increasing;
    each is a bar's start. Prices and volume are float64. Arrays handed in are copied
    unless already read-only all the way down, so a frame can never change under a
    replay that is reading it. Frames compare by identity; compare contents with
    :func:`data_fingerprint`.
    """

    symbol: str = attrs.field(validator=v.symbol)
    timestamps: Int64Array = attrs.field(converter=_int64_column)
    open: Float64Array = attrs.field(converter=_float64_column)
    high: Float64Array = attrs.field(converter=_float64_column)
    low: Float64Array = attrs.field(converter=_float64_column)
    close: Float64Array = attrs.field(converter=_float64_column)
    volume: Float64Array = attrs.field(converter=_float64_column)
    provenance: Provenance = attrs.field(
        default=Provenance.FILE, validator=v.instance_of(Provenance)
    )

    def __attrs_post_init__(self) -> None:
        validate_bar_arrays(
            self.timestamps, self.open, self.high, self.low, self.close, self.volume
        )

    @classmethod
    def from_bars(cls, symbol: str, bars: Sequence[Bar]) -> BarFrame:
        """Build a frame from bar objects (tests, small data sets, live feeds).

        Raises:
            InvalidInput: a bar belongs to another symbol.
        """
        for bar in bars:
            if bar.symbol != symbol:
                raise InvalidInput("symbol", bar.symbol, f"expected {symbol}")
        provenance = bars[0].provenance if bars else Provenance.FILE
        return cls(
            symbol=symbol,
            timestamps=np.array([to_ns(b.timestamp) for b in bars], dtype=np.int64),
            **{f: np.array([getattr(b, f) for b in bars]) for f in _VALUE_FIELDS},
            provenance=provenance,
        )

    def __len__(self) -> int:
        return len(self.timestamps)

    def rehomed(
        self, timestamps: Int64Array, values: Sequence[Float64Array]
    ) -> BarFrame:
        """The same bars over other storage: read-only arrays holding these values.

        For a storage adapter that moves validated columns elsewhere (a memory map
        of them): validating again would read every page of the new storage, so
        only the shapes are checked; the values must be this frame's. ``values``
        are open, high, low, close and volume.
        """
        if len(values) != len(_VALUE_FIELDS):
            raise InvalidInput("values", len(values), f"need {len(_VALUE_FIELDS)}")
        for column in (timestamps, *values):
            if column.shape != self.timestamps.shape or column.flags.writeable:
                raise InvalidInput("column", column.shape, "not a read-only copy")
        frame = _new_object(BarFrame)
        _set_field(frame, "symbol", self.symbol)
        _set_field(frame, "timestamps", timestamps)
        for name, column in zip(_VALUE_FIELDS, values, strict=True):
            _set_field(frame, name, column)
        _set_field(frame, "provenance", self.provenance)
        return frame

    def bar(self, index: int) -> Bar:
        """Return row ``index`` as a :class:`Bar` value object.

        The frame validated every row when it was built, so the bar is assembled
        without running :class:`Bar`'s validators again (a replay builds one for
        every bar a working order is matched against): a trusted builder, fed
        by ``ndarray.item``, which reads a cell straight into a Python ``int`` or
        ``float`` (the value ``float(column[index])`` gives, without the numpy
        scalar in between).
        """
        return _bar(
            symbol=self.symbol,
            timestamp=from_ns(self.timestamps.item(index)),
            open=self.open.item(index),
            high=self.high.item(index),
            low=self.low.item(index),
            close=self.close.item(index),
            volume=self.volume.item(index),
            provenance=self.provenance,
        )

    def __iter__(self) -> Iterator[Bar]:
        return (self.bar(i) for i in range(len(self)))

    def row_at(self, timestamp_ns: int) -> int | None:
        """The row of the latest bar starting at or before ``timestamp_ns``; ``None``
        before the first bar.

        A binary search of the timestamps (a replay asks only when an order needs a
        symbol's current bar, instead of noting every symbol's row at every
        timestamp).
        """
        # The array's own method: np.searchsorted's Python wrapper costs twice as much.
        row: int = self.timestamps.searchsorted(timestamp_ns, "right").item() - 1
        return row if row >= 0 else None

    def between(self, start: datetime | int, end: datetime | int) -> BarFrame:
        """Return the bars with ``start <= timestamp < end`` (a view, no copy).

        Bounds are aware datetimes or int nanoseconds; binary search on the sorted
        timestamps makes this O(log n).
        """
        lo_ns = start if isinstance(start, int) else to_ns(start)
        hi_ns = end if isinstance(end, int) else to_ns(end)
        if lo_ns > hi_ns:
            raise InvalidInput("start", start, f"is after end {end}")
        lo, hi = np.searchsorted(self.timestamps, [lo_ns, hi_ns], side="left")
        return self.rows(int(lo), int(hi))

    def rows(self, start: int, stop: int) -> BarFrame:
        """Return rows ``start:stop`` as a frame sharing this frame's memory."""
        return attrs.evolve(
            self,
            timestamps=self.timestamps[start:stop],
            **{f: getattr(self, f)[start:stop] for f in _VALUE_FIELDS},
        )


_VALUE_FIELDS = (*PRICE_FIELDS, "volume")


@attrs.frozen(slots=True, eq=False)
class Timeline:
    """A global time order over several frames: row ``k`` of the replay is
    ``frames[frame_index[k]]`` at row ``row_index[k]``, time ``timestamps[k]``."""

    symbols: tuple[str, ...]
    timestamps: Int64Array
    frame_index: NDArray[np.int32]
    row_index: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.timestamps)


def merge_timeline(frames: Sequence[BarFrame]) -> Timeline:
    """Order all bars of all frames by time; ties go by symbol (stable, deterministic).

    Frames are concatenated in symbol order and sorted with a *stable* argsort on the
    timestamps, so equal timestamps keep symbol order. Each frame is already sorted,
    so the merge sort only merges runs: O(n log k) for k symbols, no Python loop per
    bar.

    Args:
        frames: one frame per symbol, in any order; ``frame_index`` refers to it.

    Raises:
        InvalidInput: two frames have the same symbol.
    """
    by_symbol = sorted(range(len(frames)), key=lambda i: frames[i].symbol)
    symbols = tuple(frames[i].symbol for i in by_symbol)
    if len(set(symbols)) != len(symbols):
        raise InvalidInput("symbol", symbols, "each symbol may appear once")
    lengths = [len(frames[i]) for i in by_symbol]
    stamps = np.concatenate(
        [np.empty(0, np.int64), *(frames[i].timestamps for i in by_symbol)]
    )
    which = np.repeat(np.array(by_symbol, dtype=np.int32), lengths)
    starts = np.repeat(np.cumsum([0, *lengths])[:-1], lengths)
    rows = np.arange(len(stamps), dtype=np.int64) - starts
    order = np.argsort(stamps, kind="stable")
    result = Timeline(symbols, stamps[order], which[order], rows[order])
    for column in (result.timestamps, result.frame_index, result.row_index):
        column.setflags(write=False)
    return result


#: Rows per chunk of :func:`timeline_chunks` (about 1.4 MiB of index per chunk).
CHUNK_ROWS = 65_536


def timeline_chunks(
    frames: Sequence[BarFrame], chunk_rows: int = CHUNK_ROWS
) -> Iterator[Timeline]:
    """:func:`merge_timeline`'s order, a chunk of at most ``chunk_rows`` rows at a time.

    Why: the whole timeline costs 20 bytes per bar held for the run (56 while it is
    sorted); a replay of ten million bars needs only the chunk it is in. A chunk
    ends after a whole timestamp (every frame's rows at the cut time are in it), so
    the chunks joined are exactly ``merge_timeline(frames)``.

    Raises:
        InvalidInput: two frames have the same symbol, or ``chunk_rows`` < the
            number of frames (a chunk must hold one timestamp of every frame).
    """
    by_symbol = sorted(range(len(frames)), key=lambda i: frames[i].symbol)
    symbols = tuple(frames[i].symbol for i in by_symbol)
    if len(set(symbols)) != len(symbols):
        raise InvalidInput("symbol", symbols, "each symbol may appear once")
    if chunk_rows < max(1, len(frames)):
        raise InvalidInput("chunk_rows", chunk_rows, f"below {len(frames)} frames")
    step = chunk_rows // max(1, len(frames))
    cursors = [0] * len(frames)
    while True:
        live = [i for i in by_symbol if cursors[i] < len(frames[i])]
        if not live:
            return
        # Cut at the earliest time any live frame reaches ``step`` rows ahead: each
        # frame then gives at most ``step`` rows, and every row at the cut is in.
        cut = min(
            int(frames[i].timestamps[min(cursors[i] + step, len(frames[i])) - 1])
            for i in live
        )
        yield _merge_window(frames, live, cursors, cut, symbols)


def _merge_window(
    frames: Sequence[BarFrame],
    live: list[int],
    cursors: list[int],
    cut: int,
    symbols: tuple[str, ...],
) -> Timeline:
    """Merge each live frame's rows from its cursor up to ``cut`` (inclusive)."""
    parts, which, rows = [], [], []
    for i in live:
        start = cursors[i]
        stop = start + int(
            np.searchsorted(frames[i].timestamps[start:], cut, side="right")
        )
        parts.append(frames[i].timestamps[start:stop])
        which.append(np.full(stop - start, i, dtype=np.int32))
        rows.append(np.arange(start, stop, dtype=np.int64))
        cursors[i] = stop
    stamps = np.concatenate(parts)
    order = np.argsort(stamps, kind="stable")
    return Timeline(
        symbols,
        stamps[order],
        np.concatenate(which)[order],
        np.concatenate(rows)[order],
    )


def data_fingerprint(
    frames: Sequence[BarFrame], after_each: Callable[[BarFrame], None] | None = None
) -> str:
    """Return a sha256 hex digest of the bars' content, independent of frame order.

    The digest covers a version tag, each symbol, its provenance and row count, and
    the raw little-endian bytes of every column (``-0.0`` folded into ``0.0``), so it
    is identical across processes, PYTHONHASHSEED values and machines of either byte
    order, and changes if any value, symbol or row does. ``after_each`` is called
    with each frame once it is hashed (memory-mapped bars release its pages).
    """
    digest = hashlib.sha256(_FINGERPRINT_TAG)
    for frame in sorted(frames, key=lambda f: f.symbol):
        header = f"|{frame.symbol}|{frame.provenance.value}|{len(frame)}|"
        digest.update(header.encode("ascii"))
        digest.update(frame.timestamps.astype("<i8", copy=False).tobytes())
        for name in _VALUE_FIELDS:
            column = getattr(frame, name) + 0.0  # -0.0 + 0.0 == +0.0
            digest.update(column.astype("<f8", copy=False).tobytes())
        if after_each is not None:
            after_each(frame)
    return digest.hexdigest()
