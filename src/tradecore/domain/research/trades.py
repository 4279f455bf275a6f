"""Trade statistics from fills: FIFO round trips, win rate, profit factor, exposure.

Conventions:

* **round trips** are matched first-in first-out per symbol, long and short alike:
  a fill that reduces a position closes the oldest open lots first; each closing
  fill makes one round trip (its quantity, the quantity-weighted entry price of
  the lots it closed, the time the oldest of them opened). A fill that crosses
  through zero closes the whole position (one round trip) and opens a new one in
  the other direction with the rest. Fees are shared pro rata by quantity: a lot
  carries its opening fill's fee share, a round trip the share of the closing
  fill's fee for the quantity it closed. Corporate actions (splits) are not fills
  and are not seen here;
* a round trip's **P&L** is ``direction x (exit - entry) x qty - fees`` in
  decimals (exact but for pro-rata fee shares, kept to the 28-digit decimal
  context); it **wins** if its P&L is > 0;
* **win rate** is wins / round trips (NaN without round trips); **profit factor**
  is gross profit / gross loss (the sums of winning P&L and of losing P&L, the
  latter as a positive number): ``+inf`` with profits and no losses, NaN with
  neither;
* **exposure** is the fraction of the equity curve's points at which the book held
  a position in any symbol, counting every fill stamped at or before the point
  (the "time in market" of bar-based backtesters).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from operator import add, lt, mul
from typing import Any, Protocol

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.frozen import trusted_builder

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = Decimal(0)


class SideLike(Protocol):
    """A fill's side as the statistics read it (``Side``: +1 buy, -1 sell).

    A protocol, so research stays independent of the orders room.
    """

    @property
    def sign(self) -> int: ...


class FillLike(Protocol):
    """What the trade statistics read of a fill (:class:`~tradecore.domain.Fill`)."""

    @property
    def symbol(self) -> str: ...

    @property
    def side(self) -> SideLike: ...

    @property
    def qty(self) -> Decimal: ...

    @property
    def price(self) -> Decimal: ...

    @property
    def fee(self) -> Decimal: ...

    @property
    def filled_at(self) -> datetime: ...


@attrs.frozen(kw_only=True, slots=True)
class RoundTrip:
    """A position (or part of one) opened and closed, FIFO-matched."""

    symbol: str
    #: +1 long (bought, then sold), -1 short (sold, then bought back).
    direction: int
    qty: Decimal
    entry_price: Decimal
    exit_price: Decimal
    opened_at: datetime
    closed_at: datetime
    fees: Decimal
    pnl: Decimal


#: :class:`RoundTrip` built without attrs' ``__init__`` (it has no validator to
#: run): a frozen class sets each of its nine fields through
#: ``object.__setattr__``, most of making a trip (a report matches every fill).
_round_trip = trusted_builder(RoundTrip)


@attrs.define(slots=True)
class _Lot:
    qty: Decimal
    price: Decimal
    fee: Decimal  # the fee share still carried by ``qty``
    at: datetime


def round_trips(fills: Iterable[FillLike]) -> Iterator[RoundTrip]:
    """Yield the FIFO round trips of ``fills`` (in time order), as they close.

    Raises:
        InvalidInput: the fills are not in time order.
    """
    books: dict[str, deque[_Lot]] = {}
    direction: dict[str, int] = {}
    last: datetime | None = None
    for fill in fills:
        if last is not None and fill.filled_at < last:
            raise InvalidInput(
                "filled_at", fill.filled_at, "fills must be in time order"
            )
        last = fill.filled_at
        symbol = fill.symbol
        lots = books.get(symbol)
        if lots is None:  # (setdefault would build a deque per fill)
            lots = books[symbol] = deque()
        sign = fill.side.sign
        remaining, fee_left = fill.qty, fill.fee
        if lots and direction[symbol] != sign:
            closed, cost, fees, opened = _ZERO, _ZERO, _ZERO, lots[0].at
            while lots and remaining > 0:
                lot = lots[0]
                take = min(lot.qty, remaining)
                lot_fee = lot.fee if take == lot.qty else lot.fee * take / lot.qty
                closed += take
                cost += take * lot.price
                fees += lot_fee
                remaining -= take
                lot.qty -= take
                lot.fee -= lot_fee
                if lot.qty == 0:
                    lots.popleft()
            exit_fee = fill.fee if remaining == 0 else fill.fee * closed / fill.qty
            fee_left = fill.fee - exit_fee
            entry = cost / closed
            side = direction[fill.symbol]
            yield _round_trip(
                symbol=fill.symbol,
                direction=side,
                qty=closed,
                entry_price=entry,
                exit_price=fill.price,
                opened_at=opened,
                closed_at=fill.filled_at,
                fees=fees + exit_fee,
                pnl=side * (fill.price * closed - cost) - fees - exit_fee,
            )
        if remaining > 0:
            lots.append(_Lot(remaining, fill.price, fee_left, fill.filled_at))
            direction[fill.symbol] = sign


@attrs.frozen(kw_only=True, slots=True)
class TradeStatistics:
    """Round-trip counts and ratios (see the module doc)."""

    round_trips: int
    wins: int
    win_rate: float
    profit_factor: float
    gross_profit: Decimal
    gross_loss: Decimal

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (for reports and JSON)."""
        return attrs.asdict(self)


def trade_statistics(trips: Iterable[RoundTrip]) -> TradeStatistics:
    """Summarize round trips (consumed once, so a generator is fine)."""
    tally = TradeTally()
    for trip in trips:
        tally.add(trip)
    return tally.statistics()


class TradeTally:
    """:func:`trade_statistics`, fed one round trip at a time (so a pass that
    makes the trips for something else can count them as they close)."""

    def __init__(self) -> None:
        """No trips yet."""
        self._count = self._wins = 0
        self._profit = self._loss = _ZERO

    def add(self, trip: RoundTrip) -> None:
        """Count the next round trip."""
        self._count += 1
        if trip.pnl > 0:
            self._wins += 1
            self._profit += trip.pnl
        else:
            self._loss -= trip.pnl

    def statistics(self) -> TradeStatistics:
        """The statistics of the trips counted so far."""
        count, wins, profit, loss = self._count, self._wins, self._profit, self._loss
        factor = math.inf if profit > 0 else math.nan
        if loss > 0:
            factor = float(profit / loss)
        return TradeStatistics(
            round_trips=count,
            wins=wins,
            win_rate=wins / count if count else math.nan,
            profit_factor=factor,
            gross_profit=profit,
            gross_loss=loss,
        )


_MICROSECOND = timedelta(microseconds=1)


def _ns(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND * 1_000


def exposure(timestamps: ArrayLike, fills: Iterable[FillLike]) -> float:
    """Return the fraction of ``timestamps`` (int64 ns) at which a position was open.

    NaN without timestamps.

    Raises:
        InvalidInput: the fills are not in time order.
    """
    if len(np.asarray(timestamps)) == 0:
        return math.nan  # (the fills are not read)
    track = ExposureTrack()
    for fill in fills:
        track.add(fill)
    return track.fraction(timestamps)


class ExposureTrack:
    """:func:`exposure`, fed one fill at a time (so one pass over a run's fills can
    also feed its round trips: :func:`fill_statistics`)."""

    def __init__(self) -> None:
        self._positions: dict[str, Decimal] = {}
        self._open_symbols = 0
        self._times: list[int] = []
        self._states: list[bool] = []
        self._last: datetime | None = None

    def add(self, fill: FillLike) -> None:
        """Count the next fill (in time order).

        Raises:
            InvalidInput: ``fill`` is older than the one before it.
        """
        last = self._last
        if last is not None and fill.filled_at < last:
            raise InvalidInput(
                "filled_at", fill.filled_at, "fills must be in time order"
            )
        self._last = fill.filled_at
        positions = self._positions
        before = positions.get(fill.symbol, _ZERO)
        after = before + fill.side.sign * fill.qty
        positions[fill.symbol] = after
        self._open_symbols += (after != 0) - (before != 0)
        self._times.append(_ns(fill.filled_at))
        self._states.append(self._open_symbols > 0)

    def add_columns(
        self,
        symbols: Sequence[str],
        sides: Sequence[SideLike],
        qtys: Sequence[Decimal],
        moments: Sequence[datetime],
    ) -> None:
        """Count the next fills (in time order), given as columns of their
        symbols, sides, quantities and times, as :meth:`add` of each would.

        Why: a call per fill (a ``Side.sign`` property, a time's subtraction, a
        dict's get and set) was most of counting a replay's fills. Here each
        symbol's positions are the running sums of its signed quantities
        (``accumulate``: exact decimals, added in the same order), each distinct
        time is converted once, and the open-symbol count is a cumulative sum of
        each fill's change to it. Equal sides have one sign.

        Raises:
            InvalidInput: a fill older than the one before it (those before it
                are counted, as :meth:`add` would have counted them).
        """
        if not moments:
            return
        late = _first_late(self._last, moments)
        if late is not None:
            self.add_columns(symbols[:late], sides[:late], qtys[:late], moments[:late])
            raise InvalidInput(
                "filled_at", moments[late], "fills must be in time order"
            )
        self._last = moments[-1]
        signed = np.empty(len(moments), dtype=object)  # no search for a shape
        signed[:] = list(map(mul, side_signs(sides).tolist(), qtys))
        change = np.zeros(len(moments), dtype=np.int64)
        positions = self._positions
        for symbol, at in symbol_indices(symbols).items():
            before = positions.get(symbol, _ZERO)
            held = list(accumulate(signed[at], add, initial=before))
            positions[symbol] = held[-1]
            is_open = np.fromiter(map(bool, held), dtype=np.int64, count=len(held))
            change[at] = np.diff(is_open)
        open_symbols = self._open_symbols + np.cumsum(change)
        self._open_symbols = int(open_symbols[-1])
        ns = {moment: _ns(moment) for moment in dict.fromkeys(moments)}
        self._times.extend(map(ns.__getitem__, moments))
        self._states.extend((open_symbols > 0).tolist())

    @property
    def count(self) -> int:
        """How many fills were counted."""
        return len(self._times)

    def fraction(self, timestamps: ArrayLike) -> float:
        """The fraction of ``timestamps`` at which the fills so far held a position
        (NaN without timestamps, 0.0 without fills)."""
        stamps = np.asarray(timestamps, dtype=np.int64)
        if len(stamps) == 0:
            return math.nan
        if not self._times:
            return 0.0
        times = np.asarray(self._times, dtype=np.int64)
        at = np.searchsorted(times, stamps, "right") - 1
        held = np.asarray(self._states, dtype=bool)[np.maximum(at, 0)] & (at >= 0)
        return float(held.mean())


def _first_late(last: datetime | None, moments: Sequence[datetime]) -> int | None:
    """The index of the first of ``moments`` older than the one before it (the
    first after ``last``, if any), or None when they are in time order."""
    before = [moments[0] if last is None else last, *moments[:-1]]
    if not any(map(lt, moments, before)):
        return None
    return next(
        i for i, (a, b) in enumerate(zip(moments, before, strict=True)) if a < b
    )


def side_signs(sides: Sequence[SideLike]) -> NDArray[np.int64]:
    """Each side's ``sign``, asked once of each distinct side (equal sides have
    one sign).

    Why: an enum's hash is a Python call, as is its ``sign`` property: equality
    over an object array compares them in C.
    """
    every = np.empty(len(sides), dtype=object)
    every[:] = sides
    signs = np.zeros(len(sides), dtype=np.int64)
    left = np.ones(len(sides), dtype=bool)
    while left.any():
        side = every[int(np.argmax(left))]
        same = (every == side) & left
        signs[same] = side.sign
        left &= ~same
    return signs


def symbol_indices(symbols: Sequence[str]) -> dict[str, NDArray[np.intp]]:
    """Each symbol's indices in ``symbols``, rising, by first appearance."""
    code = {symbol: i for i, symbol in enumerate(dict.fromkeys(symbols))}
    if len(code) == 1:
        return {symbols[0]: np.arange(len(symbols))}
    codes = np.fromiter(map(code.__getitem__, symbols), np.intp, len(symbols))
    return {symbol: np.flatnonzero(codes == i) for symbol, i in code.items()}


@attrs.frozen(kw_only=True, slots=True)
class FillStatistics:
    """What a run's summary reads from its fills, taken in one pass."""

    #: The sum of quantity times price (exact).
    traded_notional: Decimal
    #: :func:`exposure` of the fills over the run's timestamps.
    exposure: float
    #: :func:`trade_statistics` of the fills' :func:`round_trips`.
    trades: TradeStatistics


def fill_statistics(timestamps: ArrayLike, fills: Iterable[FillLike]) -> FillStatistics:
    """Traded notional, exposure and round-trip statistics of ``fills`` (in time
    order), reading them once.

    Why: a replay's fills are streamed from its store file; reading them once for
    each figure cost a read and a parse of every fill three times over.

    Raises:
        InvalidInput: the fills are not in time order.
    """
    tally = FillTally()

    def counted() -> Iterator[FillLike]:
        add = tally.add_fill
        for fill in fills:
            add(fill)
            yield fill

    add_trip = tally.add_trip
    for trip in round_trips(counted()):
        add_trip(trip)
    return tally.statistics(timestamps)


class FillTally:
    """:func:`fill_statistics`, fed each fill and each of their round trips as a
    pass made for something else meets them (the report's trade list makes the
    same round trips: one pass then serves both)."""

    def __init__(self) -> None:
        """No fills yet."""
        self._track = ExposureTrack()
        self._notional = _ZERO
        self._trips = TradeTally()

    def add_fill(self, fill: FillLike) -> None:
        """Count the next fill (in time order).

        Raises:
            InvalidInput: ``fill`` is older than the one before it.
        """
        self._track.add(fill)
        self._notional += fill.qty * fill.price

    def add_fills(self, fills: Sequence[FillLike]) -> None:
        """Count the next ``fills`` (in time order), as :meth:`add_fill` of each
        (:meth:`add_columns` of their columns)."""
        self.add_columns(
            [fill.symbol for fill in fills],
            [fill.side for fill in fills],
            [fill.qty for fill in fills],
            [fill.price for fill in fills],
            [fill.filled_at for fill in fills],
        )

    def add_columns(
        self,
        symbols: Sequence[str],
        sides: Sequence[SideLike],
        qtys: Sequence[Decimal],
        prices: Sequence[Decimal],
        moments: Sequence[datetime],
    ) -> None:
        """Count the next fills (in time order), given as columns, as
        :meth:`add_fill` of each would.

        Why: a call per fill was most of the tally; the notional is the same exact
        products summed in the same order (``sum`` adds them one by one).

        Raises:
            InvalidInput: a fill older than the one before it (those before it
                are counted, as :meth:`add_fill` would have counted them).
        """
        track = self._track
        before = track.count
        try:
            track.add_columns(symbols, sides, qtys, moments)
        except InvalidInput:
            counted = track.count - before
            self._add_notional(qtys[:counted], prices[:counted])
            raise
        self._add_notional(qtys, prices)

    def _add_notional(self, qtys: Sequence[Decimal], prices: Sequence[Decimal]) -> None:
        self._notional = sum(map(mul, qtys, prices), self._notional)

    def add_trip(self, trip: RoundTrip) -> None:
        """Count the next round trip of the fills."""
        self._trips.add(trip)

    def statistics(self, timestamps: ArrayLike) -> FillStatistics:
        """The statistics of the fills and trips so far, exposure at ``timestamps``."""
        return FillStatistics(
            traded_notional=self._notional,
            exposure=self._track.fraction(timestamps),
            trades=self._trips.statistics(),
        )
