"""Turn arrow columns into validated numpy columns, naming the first bad record.

Shared by the CSV and Parquet readers. Every check is one vectorized pass; only when a
check fails do we spend time finding *which* record failed, so good files load at
arrow speed and bad files still get an error that points at a line.

A column already of the wanted type (float64 prices, nanosecond timestamps: what
tradecore and the lake write) is copied as stored. Any other is cast by
``pyarrow.compute``, imported then: its import builds a wrapper and docstring for
each of ~290 kernels, about 0.05 s of a replay's start-up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from tradecore.domain.errors import BarFileError

TIMESTAMP = "timestamp"
NUMERIC = ("open", "high", "low", "close", "volume")
REQUIRED = (TIMESTAMP, *NUMERIC)

#: Maps a 0-based record index to the number a person sees (CSV line, Parquet record).
LineOf = Callable[[int], int]
#: Zone names arrow may carry for UTC timestamps.
_UTC_ZONES = frozenset({"UTC", "utc", "Etc/UTC", "+00:00", "Z"})


def typed_timestamps_ns(file: str, column: pa.ChunkedArray) -> np.ndarray:
    """Convert an arrow timestamp column to int64 ns; it must carry a UTC zone
    (the lake writes UTC: anything else is a damaged or foreign file).

    Raises:
        BarFileError: the column is naive or in another zone.
    """
    zone = column.type.tz
    if zone is None:
        reason = "column is naive (no time zone); store UTC timestamps"
        raise BarFileError(file, TIMESTAMP, str(column.type), reason)
    if zone not in _UTC_ZONES:
        raise BarFileError(file, TIMESTAMP, zone, f"column zone {zone!r} is not UTC")
    return utc_ns(column)


def utc_ns(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Return a zoned timestamp column as int64 ns since the epoch (UTC).

    Arrow stores a zoned timestamp as its UTC instant, so a column already in
    nanoseconds is that number whatever its zone: only another unit needs the cast
    (which refuses a value beyond int64's nanosecond range).
    """
    if column.type.unit == "ns":
        return _int64_ns(column)
    import pyarrow.compute as pc

    return _int64_ns(pc.cast(column, pa.timestamp("ns", "UTC")))


def _int64_ns(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return _numpy_copy(column, pa.int64(), np.int64)


def _numpy_copy(
    column: pa.ChunkedArray | pa.Array, arrow_type: pa.DataType, dtype: type
) -> np.ndarray:
    """Cast a null-free column in arrow, then copy its data buffer into NumPy.

    Why not ``to_numpy()``: pyarrow converts through its pandas bridge, which imports
    pandas (0.3-0.9 s) on first use even for a plain float column. Casting without
    the safety check matches NumPy's ``astype`` (an int64 beyond 2**53 rounds to the
    nearest float64, as ``np.asarray(..., dtype=float64)`` did).
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if array.type != arrow_type:
        array = _cast_unchecked(array, arrow_type)
    if array.null_count:  # callers reject nulls first; keep arrow's own answer anyway
        return np.asarray(array.to_numpy(zero_copy_only=False), dtype=dtype)
    if len(array) == 0:
        return np.empty(0, dtype=dtype)
    data: np.ndarray = np.frombuffer(array.buffers()[1], dtype=dtype)
    return data[array.offset : array.offset + len(array)].copy()


def _cast_unchecked(array: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    """Cast without the safety check; a timestamp read as int64 is its stored count
    (what the cast returns), so it is only viewed as int64."""
    if pa.types.is_timestamp(array.type) and arrow_type == pa.int64():
        return array.view(arrow_type)
    return array.cast(arrow_type, safe=False)


def float_column(
    file: str,
    name: str,
    column: pa.ChunkedArray,
    line_of: LineOf,
    *,
    missing_as_nan: bool = False,
) -> np.ndarray:
    """Return a numeric arrow column as float64; nulls and non-numbers stop the load.

    ``missing_as_nan`` reads a missing value as NaN instead (for the data-quality
    gate, which quarantines the row).

    Raises:
        BarFileError: the column is not numeric, or a value is missing.
    """
    if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
        raise BarFileError(file, name, str(column.type), "column is not numeric")
    if missing_as_nan and column.null_count:
        import pyarrow.compute as pc

        column = pc.fill_null(column.cast(pa.float64()), float("nan"))
    reject_nulls(file, name, column, line_of)
    return _numpy_copy(column, pa.float64(), np.float64)


def reject_nulls(
    file: str, name: str, column: pa.ChunkedArray, line_of: LineOf
) -> None:
    """Stop at the first missing value of a column, naming its line.

    Raises:
        BarFileError: the column has a null.
    """
    if column.null_count:
        nulls = column.is_null().to_numpy(zero_copy_only=False)
        index = int(np.flatnonzero(nulls)[0])
        raise BarFileError(file, name, None, "value is missing", line=line_of(index))
