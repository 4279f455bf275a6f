"""What a strategy may see of the market: a read-only, point-in-time view.

The engine feeds a :class:`MarketFeed` each bar it admits (after the data-quality
gate), in time order; a strategy holds only the :class:`MarketView` over it, which
has no way to add, change or reach ahead of a bar:

- :meth:`MarketView.history` — the last ``n`` bars of a symbol as numpy columns
  (read-only views into a bounded ring buffer per symbol: no copy, O(1));
- :meth:`MarketView.latest` / :attr:`MarketView.cross_section` — the latest bar of
  every symbol that has one at the current timestamp;
- the portfolio (positions, equity, cash) and the calendar (session of now).

Point in time by construction: the feed holds only bars it was given, the engine
gives a bar only once it has closed, a symbol's bars must come in increasing time,
and :attr:`MarketView.now_ns` is the newest bar's start. Nothing in the view knows
the bar files.

Views returned by :meth:`MarketView.history` share the ring buffer: they are valid
until the symbol's next bar (copy with ``np.array(window.close)`` to keep one).
``tc.to_pandas(window)`` turns a window into a pandas DataFrame.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import from_ns, to_ns
from tradecore.domain.market.bars import Bar, Provenance
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.strategies.protocol import AccountView

#: Columns of a window, in the ring buffer's row order.
FIELDS = ("open", "high", "low", "close", "volume", "vwap", "trade_count")
_NAN = float("nan")
_new_object = object.__new__
_set_field = object.__setattr__


@attrs.frozen(kw_only=True, slots=True, eq=False)
class BarWindow:
    """The last bars of one symbol, oldest first, as read-only float64 columns.

    ``timestamps`` are int64 ns (bar starts, UTC). ``vwap`` and ``trade_count`` are
    NaN where the source does not have them.
    """

    symbol: str
    timestamps: NDArray[np.int64]
    open: NDArray[np.float64]
    high: NDArray[np.float64]
    low: NDArray[np.float64]
    close: NDArray[np.float64]
    volume: NDArray[np.float64]
    vwap: NDArray[np.float64]
    trade_count: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.timestamps)


def _read_only(array: NDArray[Any]) -> NDArray[Any]:
    array.flags.writeable = False
    return array


class _Ring:
    """A symbol's last ``capacity`` bars, written twice so any window is one slice.

    Row ``p`` is written at ``p`` and ``p + capacity``: the newest ``n`` rows are
    then always the contiguous slice ``[pos + capacity - n, pos + capacity)``.
    """

    __slots__ = ("capacity", "count", "last_ns", "pos", "stamps", "values")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.values = np.full((2 * capacity, len(FIELDS)), _NAN)
        self.stamps = np.zeros(2 * capacity, dtype=np.int64)
        self.pos = 0
        self.count = 0
        self.last_ns = -(2**63)

    def push(self, timestamp_ns: int, row: tuple[float, ...]) -> None:
        p, capacity = self.pos, self.capacity
        values, stamps = self.values, self.stamps
        values[p] = row
        values[p + capacity] = row
        stamps[p] = stamps[p + capacity] = timestamp_ns
        self.pos = 0 if p + 1 == capacity else p + 1
        if self.count < capacity:
            self.count += 1
        self.last_ns = timestamp_ns

    def window(self, symbol: str, n: int) -> BarWindow:
        n = min(n, self.count)
        end = self.pos + self.capacity
        start = end - n
        values = self.values
        return BarWindow(
            symbol=symbol,
            timestamps=_read_only(self.stamps[start:end]),
            **{name: _read_only(values[start:end, k]) for k, name in enumerate(FIELDS)},
        )


class MarketView:
    """A strategy's read-only window on the market now (module docstring)."""

    __slots__ = ("_feed",)

    def __init__(self, feed: MarketFeed) -> None:
        """A view over ``feed`` (the engine makes it; strategies only read it)."""
        self._feed = feed

    @property
    def now_ns(self) -> int:
        """Start of the newest bar seen (ns since the epoch, UTC); -1 before any."""
        return self._feed.now_ns

    @property
    def now(self) -> datetime:
        """:attr:`now_ns` as an aware UTC datetime."""
        return from_ns(self._feed.now_ns)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol with at least one bar so far, sorted."""
        return tuple(sorted(self._feed.rings))

    @property
    def capacity(self) -> int:
        """How many bars per symbol :meth:`history` can return at most."""
        return self._feed.capacity

    def history(self, symbol: str, n: int | None = None) -> BarWindow:
        """The symbol's last ``n`` bars (fewer early on; all kept if ``None``).

        Raises:
            InvalidInput: unknown symbol, or ``n`` above the view's capacity (the
                strategy's ``history`` class attribute sets it).
        """
        feed = self._feed
        ring = feed.rings.get(symbol)
        if ring is None:
            raise InvalidInput("symbol", symbol, f"no bar yet; known: {self.symbols}")
        if n is None:
            n = feed.capacity
        elif isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidInput("n", n, "must be an int >= 1")
        elif n > feed.capacity:
            raise InvalidInput(
                "n", n, f"above the view's capacity {feed.capacity} (raise `history`)"
            )
        return ring.window(symbol, n)

    def column(self, symbol: str, field: str, n: int | None = None) -> NDArray[Any]:
        """One column of :meth:`history` (``field`` is ``close``, ``timestamps``...)."""
        return getattr(self.history(symbol, n), field)  # type: ignore[no-any-return]

    def latest(self, symbol: str) -> Bar | None:
        """The symbol's bar at the current timestamp, or ``None`` if it has none."""
        return self._feed.cross_section.get(symbol)

    @property
    def cross_section(self) -> Mapping[str, Bar]:
        """Every symbol's bar at the current timestamp (so far in this timestamp's
        bars when read from ``on_bar``; all of them in ``on_bars``)."""
        return self._feed.section_view

    # --- portfolio ---------------------------------------------------------------

    @property
    def portfolio(self) -> AccountView:
        """Positions (working orders counted), equity and cash."""
        return self._feed.account

    def position(self, symbol: str) -> Decimal:
        """Signed shares held in ``symbol``, working orders counted."""
        return self._feed.account.position(symbol)

    def equity(self) -> float:
        """Equity marked at the last closes."""
        return self._feed.account.equity()

    def cash(self) -> float:
        """Cash now."""
        return self._feed.account.cash()

    # --- calendar ----------------------------------------------------------------

    @property
    def calendar(self) -> MarketCalendar | None:
        """The market's calendar (``None``: the engine runs without one)."""
        return self._feed.calendar

    def session(self) -> date:
        """The trading day the current bar belongs to (its UTC date without a
        calendar)."""
        now = self.now
        calendar = self._feed.calendar
        return now.date() if calendar is None else calendar.trading_day(now)


class MarketFeed:
    """The writing side of a :class:`MarketView`: the engine's, never a strategy's.

    ``stage`` hands over a closed bar's full values; ``commit`` (called by the
    engine once the data-quality gate admitted the bar) files it and returns it as
    a :class:`Bar`. A bar that is staged but never committed is never seen.
    """

    def __init__(
        self,
        account: AccountView,
        capacity: int = 256,
        calendar: MarketCalendar | None = None,
    ) -> None:
        """A feed keeping ``capacity`` bars per symbol.

        Raises:
            InvalidInput: ``capacity`` is not an int >= 1.
        """
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise InvalidInput("history", capacity, "must be an int >= 1")
        self.account = account
        self.capacity = capacity
        self.calendar = calendar
        self.rings: dict[str, _Ring] = {}
        self.now_ns = -1
        self._now = from_ns(0)
        self.cross_section: dict[str, Bar] = {}
        self.section_view: Mapping[str, Bar] = _ReadOnlyMap(self.cross_section)
        self._staged: dict[str, tuple[int, tuple[float, ...], Provenance]] = {}
        self.view = MarketView(self)

    def stage(
        self,
        symbol: str,
        timestamp_ns: int,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        provenance: Provenance = Provenance.FILE,
        vwap: float = _NAN,
        trade_count: float = _NAN,
    ) -> None:
        """Hold a closed bar's values until the engine admits it."""
        self._staged[symbol] = (
            timestamp_ns,
            (open, high, low, close, volume, vwap, trade_count),
            provenance,
        )

    def stage_bar(self, bar: Bar) -> None:
        """:meth:`stage` from a :class:`Bar` (the live loop's bars)."""
        self.stage(
            bar.symbol,
            to_ns(bar.timestamp),
            bar.open,
            bar.high,
            bar.low,
            bar.close,
            bar.volume,
            bar.provenance,
            _NAN if bar.vwap is None else bar.vwap,
            _NAN if bar.trade_count is None else float(bar.trade_count),
        )

    def commit(
        self, symbol: str, timestamp_ns: int, close: float, volume: float
    ) -> Bar:
        """File the admitted bar (the staged one, else a close-only bar) and return it.

        Raises:
            InvalidInput: the bar is not after the symbol's previous one.
        """
        staged = self._staged.pop(symbol, None)
        if staged is not None and staged[0] == timestamp_ns:
            _, row, provenance = staged
        else:  # a caller that staged nothing: the close is all there is
            row = (close, close, close, close, volume, _NAN, _NAN)
            provenance = Provenance.FILE
        ring = self.rings.get(symbol)
        if ring is None:
            ring = self.rings[symbol] = _Ring(self.capacity)
        elif timestamp_ns <= ring.last_ns:
            raise InvalidInput(
                "timestamp_ns", timestamp_ns, f"{symbol} bar not after {ring.last_ns}"
            )
        ring.push(timestamp_ns, row)
        if timestamp_ns > self.now_ns:
            self.now_ns = timestamp_ns
            self._now = from_ns(timestamp_ns)
            self.cross_section.clear()
        if timestamp_ns == self.now_ns:
            bar = _bar(symbol, self._now, row, provenance)
            self.cross_section[symbol] = bar
        else:  # a late bar of another symbol (live feeds): its own time
            bar = _bar(symbol, from_ns(timestamp_ns), row, provenance)
        return bar


class _ReadOnlyMap(Mapping[str, Bar]):
    """A live read-only window on a dict (strategies cannot edit the cross-section)."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Bar]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Bar:
        return self._data[key]

    def __iter__(self) -> Any:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _bar(
    symbol: str, timestamp: datetime, row: tuple[float, ...], provenance: Provenance
) -> Bar:
    """A :class:`Bar` from validated values, without re-running validators."""
    bar = _new_object(Bar)
    _set_field(bar, "symbol", symbol)
    _set_field(bar, "timestamp", timestamp)
    _set_field(bar, "open", row[0])
    _set_field(bar, "high", row[1])
    _set_field(bar, "low", row[2])
    _set_field(bar, "close", row[3])
    _set_field(bar, "volume", row[4])
    _set_field(bar, "provenance", provenance)
    vwap, trades = row[5], row[6]
    _set_field(bar, "vwap", None if vwap != vwap else vwap)
    _set_field(bar, "trade_count", None if trades != trades else int(trades))
    return bar
