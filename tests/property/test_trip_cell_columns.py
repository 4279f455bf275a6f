"""trades.csv spelled a column at a time is the text spelled a row at a time.

``analysis.trip_cell_columns`` spells a batch of round trips' cells a column at
a time (the builtins' ``str``/``repr`` over a column of one exact type, times at
UTC on whole seconds as int64 ns through ``second_texts``, other times each
distinct one once) and ``trade_list._TripWriter`` sends a column sink the
batches. For any trips (decimals of any exponent, aware times in any zone and
naive ones, equal instants spelled from other zones, floats that are NaN,
infinite, -0.0 or numpy's; times of any year, before 1970 and after 2262),
the columns must be each row's ``cells()`` and the file the one
``CsvRowSink.add`` writes from each row's mapping.
"""

from __future__ import annotations

import math
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.analysis import (
    TripRow,
    _moment_texts,
    trip_cell_columns,
)
from tradecore.adapters.report.tables import CsvRowSink, format_cell
from tradecore.adapters.report.trade_list import _TripWriter
from tradecore.domain.research.trades import RoundTrip

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
_EARLIEST, _LATEST = datetime(1, 1, 2), datetime(9999, 12, 30)

_DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.sampled_from([Decimal("0E-8"), Decimal("-1.5E+3"), Decimal("100.00")]),
)
_ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(minutes=90)), None]
)


@st.composite
def _moments(draw: st.DrawFn) -> datetime:
    moment = T0 + timedelta(
        seconds=draw(st.integers(0, 5)), microseconds=draw(st.sampled_from([0, 5]))
    )
    if draw(st.booleans()):  # any year, second or microsecond, mostly at UTC
        # A day inside datetime's range at each end: the zones below move it by
        # up to five hours, and astimezone overflows past year 1 or 9999.
        moment = draw(st.datetimes(_EARLIEST, _LATEST, timezones=st.just(UTC)))
        if draw(st.booleans()):
            moment = moment.replace(microsecond=0)
    zone = draw(_ZONES)
    return moment.replace(tzinfo=None) if zone is None else moment.astimezone(zone)


_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-0.0, 0.1]).map(np.float64),
)


@st.composite
def _rows(draw: st.DrawFn) -> TripRow:
    opened = draw(_moments())
    closed = draw(_moments())
    if (opened.tzinfo is None) != (closed.tzinfo is None):  # no duration between
        closed = closed.replace(tzinfo=opened.tzinfo)
    trip = RoundTrip(
        symbol=draw(st.sampled_from(["AAA", "B,B", 'C"C'])),
        direction=draw(st.sampled_from([1, -1])),
        qty=draw(st.one_of(_DECIMALS, st.integers(1, 3))),
        entry_price=draw(_DECIMALS),
        exit_price=draw(_DECIMALS),
        opened_at=opened,
        closed_at=closed,
        fees=draw(_DECIMALS),
        pnl=draw(_DECIMALS),
    )
    return TripRow(trip=trip, ret=draw(_FLOATS), mae=draw(_FLOATS), mfe=draw(_FLOATS))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(_rows(), max_size=8))
@example(rows=[])
def test_trip_columns_are_the_rows_cells(rows: list[TripRow]) -> None:
    columns = trip_cell_columns(rows)
    assert [list(cells) for cells in zip(*columns, strict=True)] == [
        row.cells() for row in rows
    ]
    assert all(len(column) == len(rows) for column in columns)


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(_rows(), max_size=600))  # more than a batch, at times
def test_trades_csv_by_columns_is_the_file_by_rows(rows: list[TripRow]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        by_row, by_columns = Path(folder) / "rows.csv", Path(folder) / "cols.csv"
        with CsvRowSink(by_row) as sink:
            for row in rows:
                sink.add(row.as_row())
        with CsvRowSink(by_columns) as sink:
            writer = _TripWriter(sink)
            for row in rows:
                writer.add(row)
            writer.flush()
        assert by_columns.read_bytes() == by_row.read_bytes()


@settings(max_examples=200, deadline=None)
@given(
    moments=st.lists(
        st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(0), "Z")])),
        min_size=1,
        max_size=6,
    ),
    whole=st.booleans(),
)
@example(moments=[datetime(1970, 1, 1, tzinfo=UTC)], whole=True)
@example(moments=[datetime(2262, 4, 11, 23, 47, 16, tzinfo=UTC)], whole=True)
@example(moments=[datetime(2262, 4, 11, 23, 47, 17, tzinfo=UTC)], whole=True)
@example(moments=[datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)], whole=True)
def test_utc_times_are_spelled_as_each_cell(
    moments: list[datetime], whole: bool
) -> None:
    if whole:
        moments = [m.replace(microsecond=0) for m in moments]
    column = tuple(moments)
    assert _moment_texts(column) == [format_cell(m) for m in column]


def test_a_nan_and_an_infinity_are_spelled_empty() -> None:
    row = TripRow(
        trip=RoundTrip(
            symbol="AAA", direction=1, qty=Decimal(1), entry_price=Decimal(1),
            exit_price=Decimal(2), opened_at=T0, closed_at=T0, fees=Decimal(0),
            pnl=Decimal(1),
        ),
        ret=math.nan, mae=-math.inf, mfe=0.5,
    )  # fmt: skip
    assert trip_cell_columns([row])[9:12] == [[""], ["0.0"], [""]]
