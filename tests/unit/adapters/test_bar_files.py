"""Bar file loading: round trips, and errors that name file, line and field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradecore.adapters.data import load_bar_file, load_bar_files, write_bar_files
from tradecore.domain.errors import BarFileError
from tradecore.domain.market.bar_frame import data_fingerprint, from_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.datagen import Shape, generate_bars

HEADER = "timestamp,open,high,low,close,volume"
GOOD_ROWS = [
    "2024-03-01T14:30:00Z,100.0,101.0,99.5,100.5,1200",
    "2024-03-01T14:31:00Z,100.5,101.5,100.0,101.0,900",
    "2024-03-01T14:32:00+00:00,101.0,101.2,100.1,100.2,1500",
]


def write_csv(folder: Path, name: str, *lines: str) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_error(path: Path) -> BarFileError:
    with pytest.raises(BarFileError) as caught:
        load_bar_file(path)
    return caught.value


def test_loads_a_csv_file_with_z_and_plus_zero_offsets(tmp_path: Path) -> None:
    frame = load_bar_file(write_csv(tmp_path, "AAPL.csv", HEADER, *GOOD_ROWS))
    assert frame.symbol == "AAPL"
    assert list(frame.close) == [100.5, 101.0, 100.2]
    assert from_ns(int(frame.timestamps[2])) == datetime(2024, 3, 1, 14, 32, tzinfo=UTC)
    assert frame.provenance is Provenance.FILE


def test_ignores_extra_columns_and_column_order(tmp_path: Path) -> None:
    lines = ["vwap,volume,close,low,high,open,timestamp"]
    lines += ["1.0,1200,100.5,99.5,101.0,100.0,2024-03-01T14:30:00Z"]
    frame = load_bar_file(write_csv(tmp_path, "BRK.B.csv", *lines))
    assert (frame.symbol, frame.open[0], frame.volume[0]) == ("BRK.B", 100.0, 1200.0)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_then_load_reproduces_the_frames_exactly(
    tmp_path: Path, fmt: str
) -> None:
    frames = generate_bars(
        ["MSFT", "AAPL"],
        500,
        start=datetime(2024, 1, 2, tzinfo=UTC),
        seed=3,
        shape=Shape.ONE_FACTOR,
    )
    write_bar_files(tmp_path, frames, fmt=fmt)  # type: ignore[arg-type]
    loaded = load_bar_files(tmp_path, provenance=Provenance.SIMULATED)
    assert [f.symbol for f in loaded] == ["AAPL", "MSFT"]
    assert data_fingerprint(loaded) == data_fingerprint(frames)


def test_csv_timestamps_keep_sub_second_precision(tmp_path: Path) -> None:
    rows = ["2024-03-01T14:30:00.000000250Z,1,1,1,1,0"]
    write_csv(tmp_path, "X.csv", HEADER, *rows)
    frame = load_bar_file(tmp_path / "X.csv")
    write_bar_files(tmp_path / "out", [frame])
    assert load_bar_file(tmp_path / "out" / "X.csv").timestamps[0] % 1000 == 250


def test_non_numeric_value_names_file_line_and_field(tmp_path: Path) -> None:
    bad = "2024-03-01T14:33:00Z,100.2,abc,100.0,100.1,10"
    error = load_error(write_csv(tmp_path, "AAPL.csv", HEADER, *GOOD_ROWS, bad))
    assert str(error) == "AAPL.csv line 5, field 'high': 'abc' is not a number"
    assert (error.file, error.line, error.field, error.value) == (
        "AAPL.csv",
        5,
        "high",
        "abc",
    )


def test_empty_value_is_not_a_number(tmp_path: Path) -> None:
    bad = "2024-03-01T14:33:00Z,100.2,101,100.0,,10"
    error = load_error(write_csv(tmp_path, "AAPL.csv", HEADER, bad))
    assert (error.line, error.field) == (2, "close")
    assert "'' is not a number" in str(error)


@pytest.mark.parametrize(
    "bad",
    [
        "2024-03-01T14:33:00Z,100.2,101,100.0,100.1",
        "2024-03-01T14:33:00Z,1,1,1,1,1,1",
        "",
    ],
)
def test_wrong_column_count_names_the_line(tmp_path: Path, bad: str) -> None:
    error = load_error(write_csv(tmp_path, "AAPL.csv", HEADER, GOOD_ROWS[0], bad))
    assert (error.line, error.field) == (3, "row")
    assert "expected 6 fields" in str(error)


def test_naive_timestamp_names_the_line(tmp_path: Path) -> None:
    bad = "2024-03-01T14:33:00,100.2,101,100.0,100.1,10"
    error = load_error(write_csv(tmp_path, "AAPL.csv", HEADER, *GOOD_ROWS, bad))
    assert str(error) == (
        "AAPL.csv line 5, field 'timestamp': "
        "'2024-03-01T14:33:00' has no offset; use Z or +00:00"
    )


@pytest.mark.parametrize(
    ("stamp", "utc"),
    [
        ("2024-03-01T09:33:00-05:00", datetime(2024, 3, 1, 14, 33, tzinfo=UTC)),
        ("2024-03-01T15:33+0100", datetime(2024, 3, 1, 14, 33, tzinfo=UTC)),
    ],
)
def test_any_offset_is_converted_to_utc(
    tmp_path: Path, stamp: str, utc: datetime
) -> None:
    row = f"{stamp},100.2,101,100.0,100.1,10"
    frame = load_bar_file(write_csv(tmp_path, "AAPL.csv", HEADER, GOOD_ROWS[0], row))
    assert from_ns(int(frame.timestamps[1])) == utc


def test_unparseable_timestamp_names_the_line(tmp_path: Path) -> None:
    bad = "2024-13-45T14:33:00Z,100.2,101,100.0,100.1,10"
    error = load_error(write_csv(tmp_path, "AAPL.csv", HEADER, *GOOD_ROWS, bad, bad))
    assert (error.line, error.field) == (5, "timestamp")
    assert "is not an ISO-8601 timestamp" in str(error)


def test_bar_invariant_failure_names_the_file_line(tmp_path: Path) -> None:
    bad = "2024-03-01T14:33:00Z,100.2,100.1,100.0,100.15,10"
    error = load_error(write_csv(tmp_path, "AAPL.csv", HEADER, *GOOD_ROWS, bad))
    assert str(error).startswith("AAPL.csv line 5, field 'high': 100.1 is below max")


def test_out_of_order_timestamps_name_the_later_line(tmp_path: Path) -> None:
    rows = [GOOD_ROWS[1], GOOD_ROWS[0]]
    error = load_error(write_csv(tmp_path, "AAPL.csv", HEADER, *rows))
    assert (error.line, error.field) == (3, "timestamp")


def test_missing_column_names_missing_and_found(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "AAPL.csv", "timestamp,open,high,close", "x,1,1,1")
    assert str(load_error(path)) == (
        "AAPL.csv, field 'low': missing column(s) low, volume; "
        "found timestamp, open, high, close"
    )


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "AAPL.csv").write_bytes(b"")
    assert "file is empty" in str(load_error(tmp_path / "AAPL.csv"))


@pytest.mark.parametrize("name", ["aapl.csv", "MY FILE.csv", "1ABC.parquet"])
def test_file_name_must_be_a_symbol(tmp_path: Path, name: str) -> None:
    path = write_csv(tmp_path, name, HEADER, *GOOD_ROWS)
    if name.endswith(".parquet"):
        write_bar_files(
            tmp_path / "ok",
            [load_bar_file(write_csv(tmp_path, "X.csv", HEADER, *GOOD_ROWS))],
            fmt="parquet",
        )
        (tmp_path / "ok" / "X.parquet").replace(path)
    error = load_error(path)
    assert (error.file, error.field) == (name, "symbol")
    assert "is not a valid symbol" in str(error)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not bars")
    with pytest.raises(BarFileError, match=r"holds no SYMBOL\.csv or SYMBOL\.parquet"):
        load_bar_files(tmp_path)


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BarFileError, match="is not a directory"):
        load_bar_files(tmp_path / "nowhere")


def test_one_symbol_from_two_files_is_an_error(tmp_path: Path) -> None:
    write_csv(tmp_path, "AAPL.csv", HEADER, *GOOD_ROWS)
    write_bar_files(tmp_path, [load_bar_file(tmp_path / "AAPL.csv")], fmt="parquet")
    with pytest.raises(BarFileError, match=r"AAPL\.parquet.*also comes from AAPL\.csv"):
        load_bar_files(tmp_path)


def parquet(path: Path, **columns: pa.Array) -> Path:
    base = {
        "timestamp": pa.array([0, 60_000_000_000], pa.timestamp("ns", "UTC")),
        "open": pa.array([1.0, 1.0]),
        "high": pa.array([2.0, 2.0]),
        "low": pa.array([0.5, 0.5]),
        "close": pa.array([1.5, 1.5]),
        "volume": pa.array([10, 20]),
    }
    pq.write_table(pa.table({**base, **columns}), path)
    return path


def test_parquet_accepts_iso_strings_and_integer_volumes(tmp_path: Path) -> None:
    stamps = pa.array(["2024-03-01T14:30:00Z", "2024-03-01T14:31:00+00:00"])
    frame = load_bar_file(parquet(tmp_path / "SPY.parquet", timestamp=stamps))
    assert list(frame.volume) == [10.0, 20.0]
    assert from_ns(int(frame.timestamps[1])) == datetime(2024, 3, 1, 14, 31, tzinfo=UTC)


def test_parquet_null_names_the_record_and_field(tmp_path: Path) -> None:
    path = parquet(tmp_path / "SPY.parquet", close=pa.array([1.5, None]))
    assert (
        str(load_error(path)) == "SPY.parquet line 2, field 'close': value is missing"
    )


def test_parquet_naive_timestamp_column_needs_a_zone(tmp_path: Path) -> None:
    stamps = pa.array([0, 60_000_000_000], pa.int64()).cast(pa.timestamp("ns"))
    error = load_error(parquet(tmp_path / "SPY.parquet", timestamp=stamps))
    assert error.field == "timestamp"
    assert "is naive" in str(error)


def test_parquet_timestamp_column_in_another_zone_is_converted(tmp_path: Path) -> None:
    stamps = pa.array([0, 60_000_000_000], pa.int64()).cast(
        pa.timestamp("ns", "Europe/Paris")
    )
    frame = load_bar_file(parquet(tmp_path / "SPY.parquet", timestamp=stamps))
    assert [int(t) for t in frame.timestamps] == [0, 60_000_000_000]


def test_parquet_naive_string_timestamp_names_the_record(tmp_path: Path) -> None:
    stamps = pa.array(["2024-03-01T14:30:00Z", "2024-03-01T14:31:00"])
    error = load_error(parquet(tmp_path / "SPY.parquet", timestamp=stamps))
    assert (error.line, error.field) == (2, "timestamp")


def test_parquet_non_numeric_column_is_named(tmp_path: Path) -> None:
    error = load_error(parquet(tmp_path / "SPY.parquet", high=pa.array(["2", "2"])))
    assert (error.field, error.value) == ("high", "string")


def test_parquet_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "SPY.parquet"
    pq.write_table(
        pa.table({"timestamp": pa.array([1]), "open": pa.array([1.0])}), path
    )
    assert "missing column(s) high, low, close, volume; found timestamp, open" in str(
        load_error(path)
    )


def test_parquet_with_a_repeated_bar_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "SPY.parquet"
    names = ["timestamp", "open", "high", "low", "close", "close", "volume"]
    stamps = pa.array([0], pa.int64()).cast(pa.timestamp("ns", "UTC"))
    values = [stamps, *[pa.array([1.0])] * 5, pa.array([1])]
    pq.write_table(pa.table(values, names=names), path)
    error = load_error(path)
    assert error.field == "close"
    assert "appears 2 times" in str(error)


@pytest.mark.parametrize(
    ("unit", "per_second"), [("s", 1), ("ms", 10**3), ("us", 10**6), ("ns", 10**9)]
)
def test_parquet_timestamp_units_all_read_as_nanoseconds(
    tmp_path: Path, unit: str, per_second: int
) -> None:
    seconds = [1_709_303_400, 1_709_303_460]
    stamps = pa.array([s * per_second for s in seconds], pa.int64())
    path = parquet(
        tmp_path / "SPY.parquet", timestamp=stamps.cast(pa.timestamp(unit, "UTC"))
    )
    assert [int(t) for t in load_bar_file(path).timestamps] == [
        s * 10**9 for s in seconds
    ]


def test_parquet_written_by_pandas_with_a_timestamp_index_loads(tmp_path: Path) -> None:
    """Files from pandas carry an index column and pandas metadata; both are ignored."""
    path = tmp_path / "SPY.parquet"
    table = pa.table(
        {
            "open": [1.0],
            "high": [2.0],
            "low": [0.5],
            "close": [1.5],
            "volume": [10.0],
            "timestamp": pa.array([60_000_000], pa.int64()).cast(
                pa.timestamp("us", "UTC")
            ),
        }
    )
    pandas_meta = b'{"index_columns": ["timestamp"], "columns": []}'
    pq.write_table(table.replace_schema_metadata({b"pandas": pandas_meta}), path)
    assert [int(t) for t in load_bar_file(path).timestamps] == [60_000_000_000]


def test_unreadable_parquet_is_a_bar_file_error(tmp_path: Path) -> None:
    (tmp_path / "SPY.parquet").write_bytes(b"not parquet at all")
    assert "unreadable Parquet" in str(load_error(tmp_path / "SPY.parquet"))


def test_a_header_only_file_is_a_symbol_without_bars(tmp_path: Path) -> None:
    frame = load_bar_file(write_csv(tmp_path, "AAPL.csv", HEADER))
    assert (frame.symbol, len(frame)) == ("AAPL", 0)
