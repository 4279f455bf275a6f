"""Arrow columns to numpy without ``pyarrow.compute`` where nothing needs casting.

Each conversion is held equal to the ``pyarrow.compute`` cast it replaces: the
values a replay reads must not depend on which path read them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tradecore.adapters.data._columns import (
    _int64_ns,
    float_column,
    typed_timestamps_ns,
    utc_ns,
)
from tradecore.adapters.data._stamps import read_stamps
from tradecore.domain.errors import BarFileError

#: Instants around the epoch, a leap day and the far end of the ns range.
NS = [-1, 0, 1, 1_709_164_800_123_456_789, 2**62]


def _chunked(values: Sequence[float], kind: pa.DataType) -> pa.ChunkedArray:
    """The values in two chunks and an empty one (Parquet row groups)."""
    cut = len(values) // 2
    return pa.chunked_array(
        [
            pa.array(values[:cut], kind),
            pa.array([], kind),
            pa.array(values[cut:], kind),
        ],
        type=kind,
    )


def _cast_ns(column: pa.ChunkedArray) -> np.ndarray:
    """What the readers returned before: cast in arrow, then to int64."""
    cast = pc.cast(column, pa.timestamp("ns", "UTC"))
    return np.asarray(cast.cast(pa.int64()).combine_chunks(), dtype=np.int64)


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", "+00:00", "America/New_York"])
def test_a_zoned_nanosecond_column_reads_as_the_cast_did(zone: str) -> None:
    column = _chunked(NS, pa.timestamp("ns", zone))
    got = utc_ns(column)
    assert got.dtype == np.int64
    assert got.tolist() == _cast_ns(column).tolist() == NS


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_a_coarser_unit_is_still_cast_to_nanoseconds(unit: str) -> None:
    column = _chunked([-3, 0, 7, 1_709_164_800], pa.timestamp(unit, "UTC"))
    assert utc_ns(column).tolist() == _cast_ns(column).tolist()


def test_a_value_beyond_the_nanosecond_range_is_still_refused() -> None:
    column = pa.chunked_array([pa.array([2**62], pa.timestamp("s", "UTC"))])
    with pytest.raises(pa.ArrowInvalid):
        utc_ns(column)


def test_the_lake_reader_checks_the_zone_then_reads_the_stored_instants() -> None:
    column = _chunked(NS, pa.timestamp("ns", "UTC"))
    assert typed_timestamps_ns("f", column).tolist() == NS
    with pytest.raises(BarFileError, match="not UTC"):
        typed_timestamps_ns("f", _chunked(NS, pa.timestamp("ns", "Europe/Paris")))


def test_a_bar_files_zoned_stamps_are_its_utc_instants() -> None:
    column = _chunked(NS, pa.timestamp("ns", "America/New_York"))
    stamps = read_stamps("f", column, lambda i: i + 1, tz=None, date_named=False)
    assert stamps.ns is not None
    assert stamps.ns.tolist() == NS


def test_int64_of_a_timestamp_is_its_stored_count_as_a_copy() -> None:
    array = pa.array(NS, pa.timestamp("ns", "UTC")).slice(1, 3)  # an offset buffer
    got = _int64_ns(array)
    assert got.tolist() == NS[1:4]
    assert got.flags.writeable
    assert got.flags.owndata


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (pa.float64(), [1.5, -0.0, 1e308, 3.0]),
        (pa.float32(), [1.5, -2.25, 3.0]),
        (pa.int64(), [1, 2**53 + 1, -7]),  # beyond 2**53 rounds, as NumPy's astype
        (pa.int32(), [1, -2, 3]),
    ],
)
def test_a_numeric_column_reads_as_float64_as_the_cast_did(
    kind: pa.DataType, values: list[float]
) -> None:
    column = _chunked(values, kind)
    got = float_column("f", "close", column, lambda i: i + 1)
    expected = pc.cast(column, pa.float64(), safe=False).combine_chunks()
    assert got.dtype == np.float64
    assert got.tobytes() == np.asarray(expected, dtype=np.float64).tobytes()


def test_a_missing_number_read_as_nan_still_fills_the_gap() -> None:
    column = pa.chunked_array([pa.array([1, None, 3], pa.int64())])
    got = float_column("f", "close", column, lambda i: i + 1, missing_as_nan=True)
    assert np.isnan(got[1])
    assert got[[0, 2]].tolist() == [1.0, 3.0]
