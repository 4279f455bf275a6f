"""The report's round trips and fills in one bounded pass (``trade_list``).

A long replay's report must not hold a view per fill or a row per round trip: the
trips stream to a sink (trades.csv) as their fills are read, and only what the page
shows is kept. These tests pin that, and that the results match the whole-list path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tradecore.adapters.report import html_page, writer
from tradecore.adapters.report.analysis import (
    TRIP_BATCH,
    fill_views,
    gross_exposure,
    symbol_pnl,
    trip_rows,
)
from tradecore.adapters.report.content import build_content
from tradecore.adapters.report.tables import CsvRowSink, write_rows_csv
from tradecore.adapters.report.trade_list import (
    TRADE_ROWS,
    TradeList,
    collect_trades,
)
from tradecore.adapters.sqlstore import export
from tradecore.domain.market.bar_frame import BarFrame, to_ns

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
MARKERS = 500  # figures.MAX_MARKERS


def frame(symbol: str, n: int) -> BarFrame:
    stamps = np.array([to_ns(T0 + i * MINUTE) for i in range(n)], dtype=np.int64)
    close = 100.0 + np.sin(np.arange(n) / 7.0)
    return BarFrame(symbol=symbol, timestamps=stamps, open=close, high=close + 1,
                    low=close - 1, close=close, volume=np.ones(n))  # fmt: skip


def round_trip_fills(trips: int, symbols: tuple[str, ...]) -> list[dict[str, object]]:
    """``trips`` buy-then-sell pairs, a minute apart, cycling over ``symbols``."""
    rows: list[dict[str, object]] = []
    for i in range(trips):
        symbol = symbols[i % len(symbols)]
        for j, side in enumerate(("buy", "sell")):
            rows.append({
                "filled_at": (T0 + (2 * i + j) * MINUTE).isoformat(),
                "symbol": symbol, "side": side, "qty": Decimal(1 + i % 3),
                "price": Decimal(100 + (i * 7 + j * 3) % 11), "fee": Decimal("0.05"),
            })  # fmt: skip
    return rows


class ListSink:
    """A sink keeping its rows, and how many fills had been read at each."""

    def __init__(self, reads: list[int]) -> None:
        self.rows: list[Mapping[str, object]] = []
        self.read_at_row: list[int] = []
        self._reads = reads

    def add(self, row: Mapping[str, object]) -> None:
        self.rows.append(row)
        self.read_at_row.append(len(self._reads))

    def restart(self) -> None:
        self.rows.clear()


class CountedRows:
    """Re-iterable fill rows that record every row handed out."""

    def __init__(self, rows: list[dict[str, object]]) -> None:
        self._rows = rows
        self.reads: list[int] = []

    def __iter__(self) -> Iterator[dict[str, object]]:
        for n, row in enumerate(self._rows):
            self.reads.append(n)
            yield row


def test_round_trips_go_to_the_sink_while_the_fills_are_still_being_read() -> None:
    """Streaming, not materializing: when a trip reaches the sink, only the fills up
    to its exit and those of at most a batch of trips after it have been read (the
    excursions are taken a batch at a time; a whole-list pass would have read them
    all)."""
    trips = 3 * TRIP_BATCH
    rows = CountedRows(round_trip_fills(trips, ("AAA", "BBB")))
    sink = ListSink(rows.reads)
    trades, _ = collect_trades(rows, [frame("AAA", 2 * trips + 100)], sink=sink)
    assert len(sink.rows) == trades.count == trips
    # trip k closes on fill 2k+1; the next fill may be read before it is yielded
    ahead = 2 * TRIP_BATCH
    assert all(read <= 2 * k + 3 + ahead for k, read in enumerate(sink.read_at_row))
    assert sink.read_at_row[0] < 2 * trips  # not after reading every fill
    assert trades.every is None  # the sink has them; the list keeps none


def test_the_list_keeps_the_page_s_trips_only() -> None:
    """However many trips: the first TRADE_ROWS, the last MAX_MARKERS of each
    charted symbol and none of the others; counts and P&L over all of them."""
    fills = round_trip_fills(3 * (MARKERS + TRADE_ROWS), ("AAA", "BBB", "CCC"))
    every = trip_rows(fill_views(fills), [])
    trades, _ = collect_trades(fills, [], marked=frozenset({"AAA"}), sink=ListSink([]))
    assert trades.head == every[:TRADE_ROWS]
    assert (
        list(trades.marked_trips("AAA"))
        == [t for t in every if t.trip.symbol == "AAA"][-MARKERS:]
    )
    assert trades.marked_trips("BBB") == ()
    assert trades.counts == {"AAA": 700, "BBB": 700, "CCC": 700}
    assert trades.symbol_pnl() == symbol_pnl(every)


def test_without_a_sink_every_trip_is_kept_as_before() -> None:
    fills = round_trip_fills(40, ("AAA", "BBB"))
    bars = [frame("AAA", 100), frame("BBB", 100)]
    trades, columns = collect_trades(fills, bars)
    assert trades.every == trip_rows(fill_views(fills), bars)
    stamps = bars[0].timestamps
    equity = np.full(len(stamps), 1e5)
    assert np.array_equal(
        columns.exposure(bars, stamps, equity),
        gross_exposure(fill_views(fills), bars, stamps, equity),
    )


def test_fills_out_of_time_order_are_sorted_and_the_sink_starts_over() -> None:
    fills = round_trip_fills(30, ("AAA",))
    shuffled = fills[:20] + fills[40:] + fills[20:40]
    sink = ListSink([])
    trades, _ = collect_trades(shuffled, [], sink=sink)
    expected = [t.as_row() for t in trip_rows(fill_views(shuffled), [])]
    assert sink.rows == expected
    assert trades.count == len(expected)


def test_the_trip_sink_writes_the_csv_write_rows_csv_writes(tmp_path: Path) -> None:
    rows = [t.as_row() for t in trip_rows(fill_views(round_trip_fills(5, ("A",))), [])]
    write_rows_csv(tmp_path / "listed.csv", rows)
    with CsvRowSink(tmp_path / "streamed.csv") as sink:
        sink.add({"stale": 1})
        sink.restart()
        for row in rows:
            sink.add(row)
    listed = (tmp_path / "listed.csv").read_bytes()
    assert (tmp_path / "streamed.csv").read_bytes() == listed
    with CsvRowSink(tmp_path / "none.csv"):
        pass
    assert (tmp_path / "none.csv").read_bytes() == b""


def test_content_with_a_sink_shows_the_same_page_data() -> None:
    fills = round_trip_fills(3 * MARKERS, ("AAA", "BBB"))
    bars = [frame("AAA", 3000), frame("BBB", 3000)]
    values = np.linspace(1e5, 1.1e5, 3000)
    stamps = bars[0].timestamps
    kept = build_content({}, stamps, values, fills, bars, max_points=300)
    streamed = build_content({}, stamps, values, fills, bars, max_points=300,
                             trip_sink=ListSink([]))  # fmt: skip
    assert streamed.charts == kept.charts
    assert "last 500 of 750 trips marked" in str(streamed.charts["price-AAA"])
    assert streamed.trips == []
    assert len(kept.trips) == 3 * MARKERS
    assert streamed.trades.head == kept.trades.head


def test_the_equity_csv_is_the_same_written_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamps = to_ns(T0) + np.arange(50, dtype=np.int64) * 60_000_000_000
    values = np.linspace(1e5, 1.2e5, 50)
    drawdown = np.zeros(50)
    writer._write_equity_csv(tmp_path / "whole.csv", stamps, values, drawdown)
    monkeypatch.setattr(writer, "EQUITY_CHUNK", 7)
    writer._write_equity_csv(tmp_path / "chunks.csv", stamps, values, drawdown)
    whole = (tmp_path / "whole.csv").read_bytes()
    assert (tmp_path / "chunks.csv").read_bytes() == whole


def test_the_export_keeps_a_bounded_number_of_parsed_timestamps() -> None:
    """A run's worth of distinct bar times is not held through the report."""
    for minute in range(3 * export._TIMESTAMPS_KEPT):
        moment = datetime(2024, 1, 1) + minute * MINUTE
        assert export._utc(str(moment)) == moment.replace(tzinfo=UTC)
    assert len(export._TIMESTAMPS) <= export._TIMESTAMPS_KEPT


def test_trade_list_counts_every_trip_it_is_given() -> None:
    trips = trip_rows(fill_views(round_trip_fills(3, ("AAA",))), [])
    trades = TradeList()
    for row in trips:
        trades.add(row)
    assert (trades.count, trades.head, trades.every) == (3, trips, None)


def test_the_page_written_in_parts_is_the_rendered_page(tmp_path: Path) -> None:
    bars = [frame("AAA", 300)]
    page = html_page.PageData(
        title="t", summary={"fills": 20}, stamps=bars[0].timestamps,
        values=np.linspace(1e5, 1.1e5, 300), bars=bars,
        fills=round_trip_fills(10, ("AAA",)), decisions=[], outcomes=[],
        run_info={}, max_points=100,
    )  # fmt: skip
    html_page.write_page(tmp_path / "report.html", page)
    rendered = html_page.render_page(page).encode("utf-8")
    assert (tmp_path / "report.html").read_bytes() == rendered
