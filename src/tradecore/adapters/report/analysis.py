"""The report's derived series and tables, from the equity curve, the bars and fills.

Everything here is arithmetic on what the replay produced, reusing the research
domain's definitions (FIFO round trips from :mod:`tradecore.domain.research.trades`,
daily returns and the Sharpe ratio from :mod:`tradecore.domain.research.metrics`) so
the report never disagrees with ``summary.json``. Only what the summary does not
carry is computed here:

* **benchmark**: buy-and-hold of the same universe, equal weight: each symbol's
  close (carried forward, its first close before it starts trading) over its first
  close, averaged, times the opening equity; rebalanced never.
* **MAE / MFE** (maximum adverse / favourable excursion, Sweeney, *Campaign
  Trading*, 1996): the worst and best price a round trip saw while open, from the
  bars' lows and highs between entry and exit, as a return on the entry price in the
  trip's direction.
* **drawdown periods**: peak to trough to recovery (or the end, if never recovered).
* **calendar returns**: month and year returns from the last equity of each UTC
  month (the first against the opening equity).
* **rolling Sharpe / volatility**: over a window of daily returns (UTC days),
  annualized with 252 sessions a year.
* **gross exposure**: the sum of absolute position values over equity at each point.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import repeat
from operator import attrgetter, floordiv, lt, sub
from typing import NamedTuple, Protocol, runtime_checkable

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.adapters.report.excursions import batch_excursions
from tradecore.adapters.report.stamp_texts import second_texts
from tradecore.adapters.report.tables import format_cell
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.orders.spec import Side
from tradecore.domain.research.metrics import (
    TRADING_DAYS_PER_YEAR,
    daily_returns,
    day_ends,
    sharpe_ratio,
)
from tradecore.domain.research.trades import (
    RoundTrip,
    round_trips,
    side_signs,
    symbol_indices,
)

Rows = Sequence[Mapping[str, object]]
FloatArray = NDArray[np.float64]
ROLLING_DAYS = 63  # about a quarter of sessions
_DAY_NS = 86_400 * 1_000_000_000


class FillView(NamedTuple):
    """A fill row read as the research domain's ``FillLike``."""

    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    fee: Decimal
    filled_at: datetime


def _moment(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_FILL_KEYS = ("symbol", "side", "qty", "price", "filled_at")


def _view(row: Mapping[str, object]) -> FillView | None:
    """A fill row as a view; None for rows missing a symbol, side, qty or price."""
    if not all(k in row for k in _FILL_KEYS):
        return None
    return FillView(
        symbol=str(row["symbol"]),
        side=Side(str(getattr(row["side"], "value", row["side"]))),
        qty=Decimal(str(row["qty"])),
        price=Decimal(str(row["price"])),
        fee=Decimal(str(row.get("fee") or 0)),
        filled_at=_moment(row["filled_at"]),
    )


@runtime_checkable
class ViewedFills(Protocol):
    """Fill rows that can give their own views (a replay's stored fills).

    The views must be the ones :func:`_view` makes of the rows, in the rows' order.
    """

    def fill_views(self) -> Iterable[FillView]:
        """Each fill row's view, in the rows' order."""
        ...


@runtime_checkable
class BatchedViewedFills(ViewedFills, Protocol):
    """:class:`ViewedFills` that also give their views a batch at a time."""

    def fill_view_batches(self) -> Iterable[list[FillView]]:
        """Each fill row's view, in the rows' order, a list of them at a time."""
        ...


def view_batches_in_order(
    fills: Iterable[Mapping[str, object]],
) -> Iterator[list[FillView]]:
    """The views :func:`views_in_order` gives, a list of them at a time.

    Why: the report keeps each fill's columns and tallies its statistics a batch
    at a time (``FillColumns.add_columns``, ``FillTally.add_columns``). Only
    :class:`BatchedViewedFills` (a replay's store, read a batch at a time
    anyway) give batches of more than one: other rows are streamed a view at a
    time, as :func:`views_in_order` streams them (reading no further ahead). A
    batch is checked whole before it is given: rows out of order raise before
    any of their batch is seen (the caller then starts again from sorted rows,
    so nothing seen before counts either way).

    Raises:
        FillsOutOfOrder: a fill earlier than the one before it (sort them instead).
    """
    if isinstance(fills, BatchedViewedFills):
        batches: Iterable[list[FillView]] = fills.fill_view_batches()
    else:
        batches = ([view] for view in _views(fills))
    last: list[datetime] = []
    for batch in batches:
        if not batch:
            continue
        moments = [view.filled_at for view in batch]
        before = last + moments[:-1] if last else moments[:1] + moments[:-1]
        if any(map(lt, moments, before)):
            late = zip(moments, before, strict=True)
            raise FillsOutOfOrder(next(m for m, b in late if m < b))
        last = moments[-1:]
        yield batch


def _views(fills: Iterable[Mapping[str, object]]) -> Iterator[FillView]:
    """The view of each fill row (skipping rows that are not fills), in order."""
    if isinstance(fills, ViewedFills):
        return iter(fills.fill_views())
    return (view for view in map(_view, fills) if view is not None)


def fill_views(fills: Iterable[Mapping[str, object]]) -> list[FillView]:
    """Fill rows (report rows: ISO or aware times, decimals) in time order.

    Rows missing a symbol, side, quantity or price are not fills and are skipped.
    """
    views = list(_views(fills))
    return sorted(views, key=lambda f: f.filled_at)  # stable: same-time order kept


class FillsOutOfOrder(Exception):
    """Streamed fill rows were not in time order (:func:`fill_views` sorts them)."""


def views_in_order(fills: Iterable[Mapping[str, object]]) -> Iterator[FillView]:
    """The views :func:`fill_views` gives, one at a time, for rows in time order.

    A replay's store hands its fills over in time order already: streaming them
    spares holding a view per fill. Rows at equal times keep their order, as the
    stable sort keeps it.

    Raises:
        FillsOutOfOrder: a fill earlier than the one before it (sort them instead).
    """
    last: datetime | None = None
    for view in _views(fills):
        if last is not None and view.filled_at < last:
            raise FillsOutOfOrder(view.filled_at)
        last = view.filled_at
        yield view


@attrs.frozen(kw_only=True)
class TripRow:
    """One round trip with its excursions, as the trade list and ``trades.csv``."""

    trip: RoundTrip
    #: Return on the entry price in the trip's direction, fees excluded.
    ret: float
    #: Worst and best excursion while open (fractions of entry; MAE <= 0 <= MFE).
    mae: float
    mfe: float

    @property
    def duration(self) -> timedelta:
        """How long the position was open."""
        return self.trip.closed_at - self.trip.opened_at

    def as_row(self) -> dict[str, object]:
        """The CSV row: exact decimals, ISO UTC times, round-trip floats."""
        return dict(zip(TRIP_COLUMNS, self._values(), strict=True))

    def cells(self) -> list[str]:
        """The CSV row's cells, spelled by ``format_cell``, in :data:`TRIP_COLUMNS`
        order (``trades.csv`` is written from these: no dict per trip)."""
        return [format_cell(value) for value in self._values()]

    def _values(self) -> tuple[object, ...]:
        t = self.trip
        return (
            t.symbol,
            "long" if t.direction > 0 else "short",
            t.qty,
            t.opened_at,
            t.entry_price,
            t.closed_at,
            t.exit_price,
            t.pnl,
            t.fees,
            self.ret,
            self.duration.total_seconds(),
            self.mae,
            self.mfe,
        )


def trip_cell_columns(rows: Sequence[TripRow]) -> list[list[str]]:
    """Each row's :meth:`TripRow.cells`, a column at a time (in
    :data:`TRIP_COLUMNS` order, each as long as ``rows``).

    Why: spelling a trip's thirteen cells with a call each was most of writing
    ``trades.csv``. Here a column of one exact type is spelled by the builtins'
    own loops (:func:`_spelled_column`); a test holds the columns to the rows'
    cells.
    """
    if not rows:
        return [[] for _ in TRIP_COLUMNS]
    values = zip(*map(TripRow._values, rows), strict=True)
    return [_spelled_column(column) for column in values]


def _spelled_column(column: tuple[object, ...]) -> list[str]:
    """``format_cell`` of each value of ``column``.

    A column whose values are all exact ``str``, ``int`` or ``Decimal`` is what
    ``str`` gives each (``format_cell``'s spelling of those types), all finite
    exact ``float`` what ``repr`` gives each; a column of ``datetime`` has each
    distinct value spelled once (a fill's time closes one trip and opens the
    next; equal datetimes spell alike: the UTC instant, or the naive fields).
    Any other column is spelled a value at a time.
    """
    kinds = set(map(type, column))
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind is str:
        return list(column)  # type: ignore[arg-type]
    if kind is Decimal or kind is int:
        return list(map(str, column))
    if kind is float and all(map(math.isfinite, column)):  # type: ignore[arg-type]
        return list(map(repr, column))
    if kind is datetime:
        return _moment_texts(column)  # type: ignore[arg-type]
    return list(map(format_cell, column))


def _moment_texts(column: tuple[datetime, ...]) -> list[str]:
    """``format_cell`` of each datetime of ``column``.

    Why: ``isoformat`` costs thousands of instructions a time. Times at UTC on a
    whole second from 1970 to 2262 (a replay's fills' times) are taken as
    int64 ns and spelled by :func:`second_texts` (numpy's text: the same
    ``YYYY-MM-DDTHH:MM:SS`` as ``isoformat`` at a zero offset and no
    microseconds), with ``format_cell``'s ``Z``. Any other column has each
    distinct value spelled by ``format_cell`` once (equal datetimes spell alike:
    the UTC instant, or the naive fields).
    """
    stamps = _utc_second_stamps(column)
    if stamps is not None:
        return [text + "Z" for text in second_texts(stamps)]
    spelled = {value: format_cell(value) for value in dict.fromkeys(column)}
    return list(map(spelled.__getitem__, column))


def _utc_second_stamps(column: tuple[datetime, ...]) -> NDArray[np.int64] | None:
    """``column`` as int64 ns since the epoch, or None unless every value's offset
    is a ``timezone`` of zero (UTC) and each is on a whole second from 1970 up to
    where int64 ns end."""
    if set(map(_ZONE_OF, column)) != _UTC_ONLY:
        return None
    since = map(sub, column, repeat(_EPOCH))
    micros = map(floordiv, since, repeat(_MICROSECOND))
    stamps = np.fromiter(micros, dtype=np.int64, count=len(column))
    if stamps.min() < 0 or stamps.max() >= _LAST_MICROSECOND:
        return None
    if (stamps % 1_000_000).any():
        return None
    out: NDArray[np.int64] = stamps * 1_000
    return out


_ZONE_OF = attrgetter("tzinfo")
_UTC_ONLY = {UTC}  # (a ``timezone`` equals it when its offset is zero)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: The first microsecond whose ns no longer fit in int64.
_LAST_MICROSECOND = (2**63 - 1) // 1_000 + 1


#: :class:`TripRow` built without attrs' frozen ``__init__`` (no validator to
#: run; a field set through ``object.__setattr__`` each): one per round trip.
_trip_row = trusted_builder(TripRow)


#: The columns of :meth:`TripRow.as_row`, in order.
TRIP_COLUMNS = (
    "symbol",
    "direction",
    "qty",
    "entry_time",
    "entry_price",
    "exit_time",
    "exit_price",
    "pnl",
    "fees",
    "return",
    "duration_s",
    "mae",
    "mfe",
)


#: Round trips between two releases of the bars' pages (see :func:`trip_rows`).
RELEASE_EVERY_TRIPS = 1_000

#: Tells a bar store that a frame's pages are done with for now (a hint).
Release = Callable[[BarFrame], None]


def trip_rows(
    fills: Iterable[FillView],
    bars: Sequence[BarFrame],
    release: Release | None = None,
) -> list[TripRow]:
    """The FIFO round trips of ``fills``, each with its return, MAE and MFE."""
    return list(iter_trip_rows(fills, bars, release))


#: Round trips whose excursions are taken together (array operations per batch
#: and symbol, not per trip).
TRIP_BATCH = 256


def iter_trip_rows(
    fills: Iterable[FillView],
    bars: Sequence[BarFrame],
    release: Release | None = None,
) -> Iterator[TripRow]:
    """Yield the FIFO round trips of ``fills`` as they close, with the excursions.

    Trips close in time order and each reads its bars' lows and highs, so over a run
    every page of every frame is read once. ``release`` (the replay's spilled bars)
    hears every frame each :data:`RELEASE_EVERY_TRIPS` trips: memory-mapped pages
    behind the trips then leave the resident set instead of all coming back. The
    excursions of :data:`TRIP_BATCH` trips are taken at a time
    (:func:`~tradecore.adapters.report.excursions.batch_excursions`: what
    :func:`_excursions` gives for each).

    Raises:
        InvalidInput: the fills are not in time order.
    """
    by_symbol = {frame.symbol: frame for frame in bars}
    batch: list[RoundTrip] = []
    for n, trip in enumerate(round_trips(fills), start=1):
        if release is not None and n % RELEASE_EVERY_TRIPS == 0:
            release_all(bars, release)
        batch.append(trip)
        if len(batch) == TRIP_BATCH:
            yield from _trip_rows_of(batch, by_symbol)
            batch = []
    yield from _trip_rows_of(batch, by_symbol)


def _trip_rows_of(
    trips: list[RoundTrip], by_symbol: Mapping[str, BarFrame]
) -> Iterator[TripRow]:
    """The rows of ``trips``, in order."""
    for trip, (mae, mfe) in zip(trips, batch_excursions(trips, by_symbol), strict=True):
        entry = float(trip.entry_price)
        ret = trip.direction * (float(trip.exit_price) / entry - 1.0)
        yield _trip_row(trip=trip, ret=ret, mae=mae, mfe=mfe)


def _excursions(
    trip: RoundTrip, frame: BarFrame | None, entry: float
) -> tuple[float, float]:
    """MAE and MFE from the bars open while the trip was (its fills' prices too).

    The lowest and highest of the fills' prices and the bars' lows and highs,
    taken as :func:`numpy.minimum` and ``maximum`` of the parts' extremes (the same
    float64 values and NaN handling as the extremes of the joined arrays, with
    fewer array operations per trip).
    """
    exit_price = float(trip.exit_price)
    low, high = np.minimum(entry, exit_price), np.maximum(entry, exit_price)
    if frame is not None and len(frame):
        stamps = frame.timestamps
        first = int(stamps.searchsorted(to_ns(trip.opened_at), "left"))
        last = int(stamps.searchsorted(to_ns(trip.closed_at), "right"))
        if first < last:
            low = np.minimum(low, frame.low[first:last].min())
            high = np.maximum(high, frame.high[first:last].max())
    if trip.direction > 0:
        return min(0.0, low / entry - 1.0), max(0.0, high / entry - 1.0)
    return min(0.0, 1.0 - high / entry), max(0.0, 1.0 - low / entry)


def symbol_pnl(trips: Sequence[TripRow]) -> dict[str, tuple[Decimal, int]]:
    """Realized P&L (closed round trips, net of fees) and trip count per symbol."""
    totals: dict[str, tuple[Decimal, int]] = {}
    for row in trips:
        pnl, n = totals.get(row.trip.symbol, (Decimal(0), 0))
        totals[row.trip.symbol] = (pnl + row.trip.pnl, n + 1)
    return dict(sorted(totals.items()))


def closes_at(frame: BarFrame, stamps: NDArray[np.int64]) -> FloatArray:
    """``frame``'s close as of each stamp (carried forward; its first close before).

    Stamps that are the frame's own (every symbol traded every bar: the equity
    curve's stamps are then each frame's), strictly rising, are each their own
    bar: the closes as they are, without a search per stamp.
    """
    if _same_rising_stamps(frame.timestamps, stamps):
        return np.array(frame.close, dtype=float)
    where = np.searchsorted(frame.timestamps, stamps, "right") - 1
    return np.asarray(frame.close[np.clip(where, 0, len(frame) - 1)], dtype=float)


def _same_rising_stamps(mine: NDArray[np.int64], stamps: NDArray[np.int64]) -> bool:
    """Whether ``stamps`` are ``mine``, strictly rising (each finds its own bar)."""
    return (
        len(mine) == len(stamps)
        and bool(np.array_equal(mine, stamps))
        and bool((np.diff(stamps) > 0).all())
    )


def release_all(bars: Sequence[BarFrame], release: Release | None) -> None:
    """Tell ``release`` (if any) that every frame's pages are done with for now."""
    if release is not None:
        for frame in bars:
            release(frame)


def benchmark(
    bars: Sequence[BarFrame],
    stamps: NDArray[np.int64],
    opening: float,
    release: Release | None = None,
) -> FloatArray | None:
    """Equal-weight buy-and-hold of ``bars``' symbols at ``stamps`` (None: no bars).

    ``release`` hears each frame once its closes are read.
    """
    frames = [f for f in bars if len(f)]
    if not frames or not len(stamps):
        return None
    growth = np.zeros(len(stamps))
    for frame in frames:
        growth += closes_at(frame, stamps) / float(frame.close[0])
        if release is not None:
            release(frame)
    curve: FloatArray = opening * growth / len(frames)
    return curve


def gross_exposure(
    fills: Sequence[FillView],
    bars: Sequence[BarFrame],
    stamps: NDArray[np.int64],
    equity: FloatArray,
    release: Release | None = None,
) -> FloatArray:
    """Sum of |position x close| over equity at each stamp (fills at or before it).

    ``release`` hears each symbol's frame once its closes are read.
    """
    return FillColumns.of(fills).exposure(bars, stamps, equity, release)


class FillColumns:
    """Each symbol's fill times, signed quantities and prices as flat arrays.

    What :meth:`exposure` needs, 24 bytes a fill instead of a view object.
    """

    def __init__(self) -> None:
        """No fills yet."""
        self._by_symbol: dict[str, tuple[array[int], array[float], array[float]]] = {}

    @classmethod
    def of(cls, fills: Iterable[FillView]) -> FillColumns:
        """The columns of ``fills`` (in time order)."""
        columns = cls()
        for fill in fills:
            columns.add(fill)
        return columns

    def __bool__(self) -> bool:
        return bool(self._by_symbol)

    def add(self, fill: FillView) -> None:
        """Append one fill (fills come in time order)."""
        found = self._by_symbol.get(fill.symbol)
        if found is None:
            found = self._by_symbol[fill.symbol] = (array("q"), array("d"), array("d"))
        times, signed, prices = found
        times.append(to_ns(fill.filled_at))
        signed.append(float(fill.qty) * fill.side.sign)
        prices.append(float(fill.price))

    def add_all(self, fills: Sequence[FillView]) -> None:
        """Append ``fills`` (in time order), as :meth:`add` of each would."""
        if fills:
            symbols, sides, qtys, prices, _, moments = zip(*fills, strict=True)
            self.add_columns(symbols, sides, qtys, prices, moments)

    def add_columns(
        self,
        symbols: Sequence[str],
        sides: Sequence[Side],
        qtys: Sequence[Decimal],
        prices: Sequence[Decimal],
        moments: Sequence[datetime],
    ) -> None:
        """Append fills (in time order) given as columns, as :meth:`add` of each.

        Why: a call per fill (a time's conversion, two ``float`` of a decimal, the
        ``Side.sign`` property) was most of keeping the columns. Each distinct
        time and quantity is converted once (a float of a decimal depends on its
        value alone; prices, nearly all distinct, are not looked up: a decimal's
        hash costs more than its float), each side's sign is asked once
        (``side_signs``), and each symbol's share of the batch is appended as one
        block.
        """
        n = len(moments)
        ns = {moment: to_ns(moment) for moment in dict.fromkeys(moments)}
        times = np.fromiter(map(ns.__getitem__, moments), np.int64, n)
        qty_of = {qty: float(qty) for qty in dict.fromkeys(qtys)}
        sizes = np.fromiter(map(qty_of.__getitem__, qtys), np.float64, n)
        signed = sizes * side_signs(sides)
        floats = np.fromiter(map(float, prices), np.float64, n)
        for symbol, at in symbol_indices(symbols).items():
            found = self._by_symbol.get(symbol)
            if found is None:
                found = self._by_symbol[symbol] = (array("q"), array("d"), array("d"))
            found[0].frombytes(times[at].tobytes())
            found[1].frombytes(signed[at].tobytes())
            found[2].frombytes(floats[at].tobytes())

    def passing(self, fills: Iterable[FillView]) -> Iterator[FillView]:
        """Yield ``fills`` unchanged, adding each to these columns on its way."""
        for fill in fills:
            self.add(fill)
            yield fill

    def exposure(
        self,
        bars: Sequence[BarFrame],
        stamps: NDArray[np.int64],
        equity: FloatArray,
        release: Release | None = None,
    ) -> FloatArray:
        """Sum of |position x close| over equity at each stamp (fills at or before it).

        A symbol without bars is valued at its last fill's price. ``release`` hears
        each symbol's frame once its closes are read.
        """
        by_symbol = {frame.symbol: frame for frame in bars if len(frame)}
        gross = np.zeros(len(stamps))
        for symbol in sorted(self._by_symbol):
            raw_times, signed, prices = self._by_symbol[symbol]
            times = np.frombuffer(raw_times, dtype=np.int64)
            held = np.cumsum(np.frombuffer(signed, dtype=np.float64))
            where = np.searchsorted(times, stamps, "right") - 1
            position = np.where(where >= 0, held[np.clip(where, 0, None)], 0.0)
            frame = by_symbol.get(symbol)
            if frame is None:
                last = np.frombuffer(prices, dtype=np.float64)
                price = np.where(where >= 0, last[np.clip(where, 0, None)], 0.0)
            else:
                price = closes_at(frame, stamps)
                if release is not None:
                    release(frame)
            gross += np.abs(position * price)
        out: FloatArray = np.divide(
            gross, equity, out=np.zeros_like(gross), where=equity > 0
        )
        return out


@attrs.frozen(kw_only=True)
class DrawdownPeriod:
    """One drawdown: from a peak, down to its trough, back to the peak (or not)."""

    peak: int
    trough: int
    #: Index at which equity regained the peak; None if it never did.
    recovery: int | None
    depth: float


def drawdown_periods(
    values: FloatArray, drawdown: FloatArray, top: int = 5
) -> list[DrawdownPeriod]:
    """The ``top`` deepest drawdown periods, deepest first."""
    periods: list[DrawdownPeriod] = []
    underwater = drawdown < 0
    i, n = 0, len(values)
    while i < n:
        if not underwater[i]:
            i += 1
            continue
        start = i
        while i < n and underwater[i]:
            i += 1
        trough = start + int(np.argmin(drawdown[start:i]))
        periods.append(
            DrawdownPeriod(
                peak=start - 1 if start else 0,
                trough=trough,
                recovery=i if i < n else None,
                depth=float(drawdown[trough]),
            )
        )
    return sorted(periods, key=lambda p: (p.depth, p.peak))[:top]


def longest_drawdown(stamps: NDArray[np.int64], drawdown: FloatArray) -> timedelta:
    """The longest time spent below a previous peak (to the end, if unrecovered)."""
    longest = 0
    for period in drawdown_periods(np.zeros(len(drawdown)), drawdown, len(drawdown)):
        end = len(stamps) - 1 if period.recovery is None else period.recovery
        longest = max(longest, int(stamps[end] - stamps[period.peak]))
    return timedelta(microseconds=longest // 1_000)


class CalendarReturns(NamedTuple):
    """Month returns as a (year x 12) grid (NaN where no data) and year returns."""

    years: list[int]
    months: FloatArray
    yearly: FloatArray


def calendar_returns(stamps: NDArray[np.int64], values: FloatArray) -> CalendarReturns:
    """Compound returns per UTC month and year, from each period's last equity."""
    if len(values) == 0 or not (values > 0).all():
        return CalendarReturns([], np.empty((0, 12)), np.empty(0))
    moments = stamps.view("datetime64[ns]")
    month_key = moments.astype("datetime64[M]").astype(np.int64)
    ends = np.append(np.flatnonzero(month_key[1:] != month_key[:-1]), len(values) - 1)
    closes = values[ends]
    previous = np.concatenate([values[:1], closes[:-1]])
    monthly = closes / previous - 1.0
    keys = month_key[ends]
    first_year = int(keys[0] // 12) + 1970
    years = list(range(first_year, int(keys[-1] // 12) + 1971))
    grid = np.full((len(years), 12), np.nan)
    grid[keys // 12 + 1970 - first_year, keys % 12] = monthly
    year_of = keys // 12
    year_ends = np.append(np.flatnonzero(year_of[1:] != year_of[:-1]), len(keys) - 1)
    year_close = closes[year_ends]
    yearly = year_close / np.concatenate([values[:1], year_close[:-1]]) - 1.0
    return CalendarReturns(years, grid, yearly)


class Rolling(NamedTuple):
    """Rolling annualized Sharpe and volatility of daily returns, at each day's end."""

    stamps: NDArray[np.int64]
    sharpe: FloatArray
    volatility: FloatArray
    window: int


def rolling_statistics(
    stamps: NDArray[np.int64], values: FloatArray, window: int = ROLLING_DAYS
) -> Rolling:
    """Rolling Sharpe (the domain's ``sharpe_ratio``) and volatility of UTC days."""
    if len(values) < 2 or not (values > 0).all():
        return Rolling(np.empty(0, np.int64), np.empty(0), np.empty(0), window)
    days = daily_returns(stamps, values)
    ends = stamps[day_ends(stamps)]
    window = max(2, min(window, len(days) // 2 or 2))
    sharpe = np.full(len(days), np.nan)
    vol = np.full(len(days), np.nan)
    root = math.sqrt(TRADING_DAYS_PER_YEAR)
    for i in range(window, len(days) + 1):
        chunk = days[i - window : i]
        sharpe[i - 1] = sharpe_ratio(chunk, TRADING_DAYS_PER_YEAR)
        vol[i - 1] = float(np.std(chunk, ddof=1)) * root
    return Rolling(ends, sharpe, vol, window)


def day_returns(stamps: NDArray[np.int64], values: FloatArray) -> FloatArray:
    """Daily (UTC day) returns: the distribution chart's data."""
    if len(values) == 0 or not (values > 0).all():
        return np.empty(0)
    return daily_returns(stamps, values)


def utc(stamp_ns: int) -> datetime:
    """An int64 ns stamp as an aware UTC datetime."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=stamp_ns // 1_000)
