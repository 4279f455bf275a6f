"""The report's round trips and fills, gathered in one pass without keeping them all.

Why: the page shows the first :data:`TRADE_ROWS` round trips, the last
:data:`MAX_MARKERS` of each charted symbol, the P&L per symbol and the exposure
curve; ``trades.csv`` holds every trip. Keeping a view object per fill and a row per
trip for that (about 1 KB each) made the report the peak of a long replay's memory.
Here the fills stream past once, in time order: each trip goes to a sink (the CSV)
as it closes, :class:`TradeList` keeps what the page shows, and
:class:`~tradecore.adapters.report.analysis.FillColumns` keeps the fills as three
flat numbers each for the exposure chart.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs
from numpy.typing import ArrayLike

from tradecore.adapters.report.analysis import (
    TRIP_BATCH,
    TRIP_COLUMNS,
    FillColumns,
    FillsOutOfOrder,
    FillView,
    Release,
    TripRow,
    fill_views,
    iter_trip_rows,
    trip_cell_columns,
    view_batches_in_order,
)
from tradecore.adapters.report.figures import MAX_MARKERS
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.research.trades import FillStatistics, FillTally

#: Round trips the page's table lists (``trades.csv`` has them all).
TRADE_ROWS = 200
#: A symbol's P&L and trip count before its first trip (one shared, immutable).
_NO_PNL = (Decimal(0), 0)


class RowSink(Protocol):
    """Where every round trip's row goes as it closes (the report's trades.csv)."""

    def add(self, row: Mapping[str, object]) -> None:
        """Take one row."""
        ...

    def restart(self) -> None:
        """Forget the rows taken so far: the trips are being computed again."""
        ...


@attrs.define(eq=False)
class TradeList:
    """What the report shows of the round trips, bounded however many there are.

    ``every`` holds all of them only when asked (a notebook's ``result.trades``).
    """

    marked: frozenset[str] = frozenset()
    head: list[TripRow] = attrs.field(factory=list)
    recent: dict[str, deque[TripRow]] = attrs.field(factory=dict)
    counts: dict[str, int] = attrs.field(factory=dict)
    pnl_totals: dict[str, tuple[Decimal, int]] = attrs.field(factory=dict)
    every: list[TripRow] | None = None

    @property
    def count(self) -> int:
        """Every round trip seen."""
        return sum(self.counts.values())

    def add(self, row: TripRow) -> None:
        """Count ``row`` and keep it where the page (or ``every``) needs it."""
        symbol = row.trip.symbol
        self.counts[symbol] = self.counts.get(symbol, 0) + 1
        pnl, n = self.pnl_totals.get(symbol, _NO_PNL)
        self.pnl_totals[symbol] = (pnl + row.trip.pnl, n + 1)
        if len(self.head) < TRADE_ROWS:
            self.head.append(row)
        if symbol in self.marked:
            kept = self.recent.get(symbol)
            if kept is None:  # (setdefault would build a deque per trip)
                kept = self.recent[symbol] = deque(maxlen=MAX_MARKERS)
            kept.append(row)
        if self.every is not None:
            self.every.append(row)

    def symbol_pnl(self) -> dict[str, tuple[Decimal, int]]:
        """Realized P&L and trip count per symbol, by symbol (as ``symbol_pnl``)."""
        return dict(sorted(self.pnl_totals.items()))

    def marked_trips(self, symbol: str) -> Sequence[TripRow]:
        """The last :data:`MAX_MARKERS` trips of a charted ``symbol``."""
        return self.recent.get(symbol, ())


@runtime_checkable
class CellSink(RowSink, Protocol):
    """A sink that also takes rows already spelled (``CsvRowSink``)."""

    def add_cells(self, columns: Sequence[str], cells: list[str]) -> None:
        """Take one row's cells, in ``columns`` order."""
        ...


@runtime_checkable
class ColumnSink(CellSink, Protocol):
    """A sink that also takes a batch of rows spelled a column at a time
    (``CsvRowSink``)."""

    def add_cell_columns(
        self, columns: Sequence[str], cells: Sequence[list[str]]
    ) -> None:
        """Take rows as their cells, a list per column of ``columns``."""
        ...


def collect_trades(
    fills: Iterable[Mapping[str, object]],
    bars: Sequence[BarFrame],
    release: Release | None = None,
    *,
    marked: frozenset[str] = frozenset(),
    sink: RowSink | None = None,
) -> tuple[TradeList, FillColumns]:
    """One pass over ``fills``: the round trips (each to ``sink``) and the columns.

    Rows in time order (a replay's store gives them so) stream past; otherwise they
    are read again, sorted, as :func:`fill_views` sorts them. Without a ``sink`` the
    list keeps every trip (``TradeList.every``).
    """
    trades, columns, _ = _collect_in_order(fills, bars, release, marked, sink, None)
    return trades, columns


def collect_trades_and_statistics(
    fills: Iterable[Mapping[str, object]],
    bars: Sequence[BarFrame],
    timestamps: ArrayLike,
    release: Release | None = None,
    *,
    marked: frozenset[str] = frozenset(),
    sink: RowSink | None = None,
) -> tuple[TradeList, FillColumns, FillStatistics | None]:
    """:func:`collect_trades`, with the summary's ``fill_statistics`` of the same
    fills taken in the same pass (exposure at ``timestamps``).

    Why: a replay read its fills and matched their round trips twice, once for the
    summary and once for the trade list. The figures are the ones
    :func:`~tradecore.domain.research.trades.fill_statistics` gives for the rows
    read as fills (a test holds them equal); only the gross profit and loss may be
    spelled with fewer trailing zeros (a view reads a zero fee as ``Decimal(0)``),
    which the summary does not show. ``None`` when the rows were not in time order:
    ``fill_statistics`` then says so as it always did.
    """
    tally = FillTally()
    trades, columns, tallied = _collect_in_order(
        fills, bars, release, marked, sink, tally
    )
    return trades, columns, tally.statistics(timestamps) if tallied else None


def _collect_in_order(
    fills: Iterable[Mapping[str, object]],
    bars: Sequence[BarFrame],
    release: Release | None,
    marked: frozenset[str],
    sink: RowSink | None,
    tally: FillTally | None,
) -> tuple[TradeList, FillColumns, bool]:
    """:func:`collect_trades`, feeding ``tally`` on the way; the flag says whether
    the rows streamed in time order (else ``tally`` missed some or saw them twice)."""
    try:
        batches = view_batches_in_order(fills)
        return _collect(batches, bars, release, marked, sink, tally)
    except FillsOutOfOrder:
        if sink is not None:
            sink.restart()
        trades, columns, _ = _collect(
            [fill_views(fills)], bars, release, marked, sink, None
        )
        return trades, columns, False


def _collect(
    batches: Iterable[list[FillView]],
    bars: Sequence[BarFrame],
    release: Release | None,
    marked: frozenset[str],
    sink: RowSink | None,
    tally: FillTally | None,
) -> tuple[TradeList, FillColumns, bool]:
    def empty() -> TradeList:
        return TradeList(marked=marked, every=[] if sink is None else None)

    trades, columns = empty(), FillColumns()
    stream = _passing(batches, columns, tally)
    written = _TripWriter(sink)
    add_trip = None if tally is None else tally.add_trip
    try:
        for row in iter_trip_rows(stream, bars, release):
            trades.add(row)
            if add_trip is not None:
                add_trip(row.trip)
            written.add(row)
        written.flush()
    except InvalidInput:  # fills out of order: the trade list cannot be matched
        for _ in stream:  # the exposure chart still counts every fill
            pass
        trades = empty()
        if sink is not None:
            sink.restart()
        return trades, columns, False
    return trades, columns, True


class _TripWriter:
    """Each round trip's row, to ``sink`` as :func:`_collect` has always sent it:
    a :class:`ColumnSink` takes them :data:`TRIP_BATCH` rows at a time, spelled a
    column at a time (:func:`trip_cell_columns`); a :class:`CellSink` each row's
    cells; any other sink each row's mapping.

    Why: a call per cell to spell each trip was most of writing ``trades.csv``.
    Rows not yet flushed are dropped with the writer when the trips are computed
    again (the sink restarts then).
    """

    def __init__(self, sink: RowSink | None) -> None:
        """Write to ``sink`` (None: nowhere)."""
        self._sink = sink
        self._by_columns = sink if isinstance(sink, ColumnSink) else None
        self._by_cells = sink if isinstance(sink, CellSink) else None
        self._pending: list[TripRow] = []

    def add(self, row: TripRow) -> None:
        """Write ``row`` (a column sink's, with its batch)."""
        if self._by_columns is not None:
            self._pending.append(row)
            if len(self._pending) == TRIP_BATCH:
                self.flush()
        elif self._by_cells is not None:
            self._by_cells.add_cells(TRIP_COLUMNS, row.cells())
        elif self._sink is not None:
            self._sink.add(row.as_row())

    def flush(self) -> None:
        """Write the rows still pending (a column sink's)."""
        if self._by_columns is not None and self._pending:
            cells = trip_cell_columns(self._pending)
            self._by_columns.add_cell_columns(TRIP_COLUMNS, cells)
            self._pending = []


def _passing(
    batches: Iterable[list[FillView]], columns: FillColumns, tally: FillTally | None
) -> Iterator[FillView]:
    """Yield each view of ``batches``, each batch first counted in ``tally`` (if
    any) and added to ``columns``.

    Why: a call per fill into each was most of the pass's own cost. The batches
    are in time order (:func:`view_batches_in_order` checked them), so the
    tally, which raises only for fills out of order, counts each batch whole.
    """
    for batch in batches:
        if len(batch) == 1:  # a streamed view: the per-fill calls cost less
            if tally is not None:
                tally.add_fill(batch[0])
            columns.add(batch[0])
            yield batch[0]
        elif batch:
            symbols, sides, qtys, prices, _, moments = zip(*batch, strict=True)
            if tally is not None:
                tally.add_columns(symbols, sides, qtys, prices, moments)
            columns.add_columns(symbols, sides, qtys, prices, moments)
            yield from batch
