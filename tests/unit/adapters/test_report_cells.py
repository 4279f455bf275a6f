"""The CSV cell spellings: the fast ones per exact type match the general function."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report import writer
from tradecore.adapters.report.analysis import TRIP_COLUMNS, TripRow, _excursions
from tradecore.adapters.report.figures import second_texts
from tradecore.adapters.report.tables import (
    CsvLines,
    CsvRowSink,
    _format_cell,
    format_cell,
)
from tradecore.adapters.sqlstore import export
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.research.trades import RoundTrip

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)

VALUES = [
    None,
    "text",
    Decimal("0.00"),
    Decimal("-1.5E+3"),
    7,
    True,
    0.1,
    -2.5e-300,
    math.nan,
    math.inf,
    -math.inf,
    np.float64(1.25),
    np.float64(math.nan),
    datetime(2024, 3, 1, 14, 30, 0, 5, tzinfo=UTC),
    datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2024, 3, 1, 14, 30),  # naive: spelled as is
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_every_cell_is_spelled_as_the_general_path_spells_it(value: object) -> None:
    assert format_cell(value) == _format_cell(value)


STORED_TIMES = [
    "2024-01-02 15:00:00.000000",  # the store's form
    "2024-01-02 15:00:00.000123",
    "2024-01-02 15:00:00.500000",
    "2024-01-02 15:00:00",  # other forms go through the datetime
    "2024-01-02T15:00:00.250000",
    "2024-01-02 15:00:00.00000Z",
    "2024-01-02",
]


@pytest.mark.parametrize("text", STORED_TIMES)
def test_stored_times_read_as_the_datetime_round_trip_reads_them(text: str) -> None:
    expected = datetime.fromisoformat(text).replace(tzinfo=UTC)
    for _ in range(2):  # the second read is the remembered one
        assert export.iso_utc(text) == expected.isoformat()
        moment = export.utc(text)
        assert moment == expected
        assert moment.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["2024-13-02 15:00:00.000000", "2024-01-02 25:00:00.000000", "2024-01-0x 15:00"],
)
def test_stored_times_that_do_not_parse_still_fail(text: str) -> None:
    with pytest.raises(ValueError, match=r"format|range|must be"):
        export.iso_utc(text)
    with pytest.raises(ValueError, match=r"format|range|must be"):
        export.utc(text)


def _reference_excursions(trip: RoundTrip, frame: BarFrame, entry: float) -> tuple:
    """The excursions as first written: extremes of the joined price arrays."""
    prices = [entry, float(trip.exit_price)]
    first = int(np.searchsorted(frame.timestamps, to_ns(trip.opened_at), "left"))
    last = int(np.searchsorted(frame.timestamps, to_ns(trip.closed_at), "right"))
    lows = np.concatenate([np.array(prices), frame.low[first:last]])
    highs = np.concatenate([np.array(prices), frame.high[first:last]])
    if trip.direction > 0:
        return min(0.0, lows.min() / entry - 1.0), max(0.0, highs.max() / entry - 1.0)
    return min(0.0, 1.0 - highs.max() / entry), max(0.0, 1.0 - lows.min() / entry)


def _trip(direction: int, start: int, end: int, entry: str, exit_: str) -> RoundTrip:
    return RoundTrip(
        symbol="AAA", direction=direction, qty=Decimal(1),
        entry_price=Decimal(entry), exit_price=Decimal(exit_),
        opened_at=T0 + start * MINUTE, closed_at=T0 + end * MINUTE,
        fees=Decimal(0), pnl=Decimal(0),
    )  # fmt: skip


@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize(
    ("start", "end"), [(0, 0), (2, 5), (-3, -1), (8, 12), (3, 3), (-2, 20)]
)
def test_excursions_are_the_joined_arrays_extremes(
    direction: int, start: int, end: int
) -> None:
    n = 10
    low = 100.0 + np.sin(np.arange(n))
    frame = BarFrame(symbol="AAA", timestamps=np.array(
        [to_ns(T0 + i * MINUTE) for i in range(n)], dtype=np.int64),
        open=low + 1, high=low + 2, low=low, close=low + 1, volume=np.ones(n))  # fmt: skip
    trip = _trip(direction, start, end, "100.5", "101.25")
    got = _excursions(trip, frame, 100.5)
    want = _reference_excursions(trip, frame, 100.5)
    assert got == want
    assert [type(v) for v in got] == [type(v) for v in want]


def test_trip_cells_are_the_rows_cells(tmp_path: Path) -> None:
    trips = [
        TripRow(trip=_trip(1, 0, 3, "10", "11.5"), ret=0.15, mae=-0.0, mfe=0.2),
        TripRow(
            trip=_trip(-1, 1, 2, "10", "9"),
            ret=math.nan,
            mae=np.float64(-0.25),
            mfe=math.inf,
        ),
    ]
    by_row, by_cells = tmp_path / "rows.csv", tmp_path / "cells.csv"
    with CsvRowSink(by_row) as sink:
        for row in trips:
            sink.add(row.as_row())
    with CsvRowSink(by_cells) as sink:
        for row in trips:
            sink.add_cells(TRIP_COLUMNS, row.cells())
    assert by_cells.read_bytes() == by_row.read_bytes()
    assert list(trips[0].as_row()) == list(TRIP_COLUMNS)


CSV_ROWS = [
    ["a", "b c", " lead", "trail "],
    ["1,5", "x"],  # a comma: quoted
    ['say "hi"', "y"],
    ["two\nlines", "z"],
    ["carriage\rreturn", "w"],
    [""],  # a lone empty field is written ""
    ["", ""],
    [],
    ["é", "\t", "semi;colon", "'single'"],
    ['{"a": 1, "b": [1, 2]}'],
    ["2024-01-02T15:00:00+00:00", "1e-05", "nan", "-inf"],
]


def test_csv_lines_are_what_the_csv_writer_writes() -> None:
    fast, slow = io.StringIO(newline=""), io.StringIO(newline="")
    CsvLines(fast).add_all(CSV_ROWS)
    csv.writer(slow, lineterminator="\n").writerows(CSV_ROWS)
    assert fast.getvalue() == slow.getvalue()


def test_equity_csv_is_what_the_csv_writer_writes(tmp_path: Path) -> None:
    stamps = np.array([0, 60, 120, 180], dtype=np.int64) * 1_000_000_000 + 1
    values = np.array([1.0, math.nan, math.inf, 1e-300])
    drawdown = np.array([0.0, -0.5, -1.0, -1e-17])
    writer._write_equity_csv(tmp_path / "e.csv", stamps, values, drawdown)
    text = np.datetime_as_string(stamps.view("datetime64[ns]"), unit="ns")
    expected = io.StringIO(newline="")
    rows = csv.writer(expected, lineterminator="\n")
    rows.writerow(["timestamp", "equity", "drawdown"])
    rows.writerows(
        (f"{t}Z", repr(v), repr(d))
        for t, v, d in zip(
            text.tolist(), values.tolist(), drawdown.tolist(), strict=True
        )
    )
    assert (tmp_path / "e.csv").read_text() == expected.getvalue()


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet='ab ,"\n\r\x00\té1{}:', max_size=6), max_size=5),
        max_size=4,
    )
)
def test_any_rows_are_written_as_the_csv_writer_writes_them(
    rows: list[list[str]],
) -> None:
    fast, slow = io.StringIO(newline=""), io.StringIO(newline="")
    CsvLines(fast).add_all(rows)
    csv.writer(slow, lineterminator="\n").writerows(rows)
    assert fast.getvalue() == slow.getvalue()


def _numpy_seconds(stamps: np.ndarray, sep: str) -> list[str]:
    text = np.datetime_as_string(stamps.view("datetime64[ns]"), unit="s")
    return [t.replace("T", sep) for t in text.tolist()]


@pytest.mark.parametrize("sep", ["T", " "])
@pytest.mark.parametrize(
    "stamps",
    [
        np.array([], dtype=np.int64),
        np.arange(0, 3 * 86_400, 59, dtype=np.int64) * 1_000_000_000,
        np.array([1_709_303_400_123_456_789, 1_709_303_400_999_999_999, 0]),
        np.array([np.iinfo(np.int64).max, np.iinfo(np.int64).max - 10**9, 5]),
        np.array([-1, 86_400 * 10**9]),  # before 1970: numpy's own spelling
        np.array([np.iinfo(np.int64).min, 0]),  # NaT
        np.random.default_rng(3).integers(0, 2**62, 500),
    ],
    ids=["empty", "minutes", "fractions", "last-int64", "pre-1970", "nat", "random"],
)
def test_second_texts_are_numpys(stamps: np.ndarray, sep: str) -> None:
    stamps = stamps.astype(np.int64)
    assert second_texts(stamps, sep) == _numpy_seconds(stamps, sep)
