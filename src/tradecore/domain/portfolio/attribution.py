"""Per-strategy P&L attribution of one account's book.

Why an exact decomposition: the attributions must add up to the account's P&L, or
nobody can trust them. With ``pos_i`` the shares held and ``m_i`` the last mark
(close), the account's marked equity changes only at two kinds of events:

* a **mark** (a new close ``p``): equity moves by ``pos_i * (p - m_i)``;
* a **fill** (``q`` shares at ``f``, fee ``c``): equity moves by
  ``-(q * (f - m_i) + c)`` -- the fill's *cost* against the last mark (its slippage
  from the decision price, plus the fee).

So ``equity_end - equity_start = sum(mark moves) - sum(fill costs)`` exactly,
whatever the order of events. Attribution splits each term among strategies:

* a mark move by the **holding split** of the symbol: each strategy's share of the
  allocation's target for that symbol (the allocator's per-strategy contributions,
  after caps), from the last allocation that held the symbol -- a position being
  unwound still belongs to the strategies that built it;
* a fill's cost **pro rata to the traded contribution**: each strategy's change of
  target shares between the two last allocations of the symbol (Brinson-style
  "who asked for the trade pays for it"); a fill no allocation change explains
  (a retry, a late fill) is split by the holding split.

Both splits sum to one per symbol, so the per-strategy totals sum to the account's
P&L up to float rounding. Events at one timestamp are taken fills first, then marks,
then allocations: a fill at ``t`` was decided on an earlier bar, and an allocation
decided on the bar stamped ``t`` governs only what comes after that bar's mark.

The three inputs usually arrive in time order already (a run's fills from its
store, its closes and allocations as they happened), and a long run has millions of
closes: they are merged as streams then, never held as events. An input out of time
order is sorted instead, with the same result.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar

import attrs

T = TypeVar("T")

#: Strategy key for P&L no allocation explains (a fill before any allocation).
UNATTRIBUTED = "_unattributed"


@attrs.frozen(slots=True)
class Mark:
    """A close of ``symbol`` stamped ``timestamp_ns``."""

    timestamp_ns: int
    symbol: str
    price: float


@attrs.frozen(slots=True)
class TradeFill:
    """A fill: signed ``qty`` (buy > 0) at ``price``, ``fee`` paid."""

    timestamp_ns: int
    symbol: str
    qty: float
    price: float
    fee: float


@attrs.frozen(slots=True)
class Split:
    """An allocation's target shares of ``symbol``, per strategy (they sum to the
    symbol's target)."""

    timestamp_ns: int
    symbol: str
    shares: tuple[tuple[str, float], ...]


@attrs.frozen(slots=True)
class PnlRow:
    """One strategy's P&L over the events stamped ``timestamp_ns``."""

    timestamp_ns: int
    strategy: str
    market: float
    costs: float

    @property
    def net(self) -> float:
        return self.market - self.costs


@attrs.frozen(slots=True)
class Attribution:
    """Per-strategy P&L: bar-by-bar ``rows`` and the ``totals`` (net of costs)."""

    rows: tuple[PnlRow, ...]
    market: tuple[tuple[str, float], ...]
    costs: tuple[tuple[str, float], ...]

    @property
    def totals(self) -> dict[str, float]:
        costs = dict(self.costs)
        return {s: m - costs.get(s, 0.0) for s, m in self.market}

    @property
    def total(self) -> float:
        return sum(self.totals.values())


class Rereadable(Iterable[T], Generic[T]):
    """An input :func:`attribute` can read more than once without holding it: each
    iteration asks ``source`` for a fresh iterator (a generator over compact
    columns, a stream from a store file)."""

    def __init__(self, source: Callable[[], Iterator[T]]) -> None:
        self._source = source

    def __iter__(self) -> Iterator[T]:
        return self._source()


def _fractions(shares: Mapping[str, float]) -> dict[str, float]:
    total = sum(shares.values())
    if total == 0.0:
        return {}
    return {s: x / total for s, x in shares.items() if x}


def _trade_fractions(
    before: Mapping[str, float], after: Mapping[str, float]
) -> dict[str, float]:
    moved = {s: abs(after.get(s, 0.0) - before.get(s, 0.0)) for s in {*before, *after}}
    total = sum(moved.values())
    if total == 0.0:
        return {}
    return {s: x / total for s, x in moved.items() if x}


@attrs.define
class _Book:
    """The sweep's state: positions, last marks, each symbol's splits."""

    position: dict[str, float] = attrs.field(factory=dict)
    mark: dict[str, float] = attrs.field(factory=dict)
    holding: dict[str, dict[str, float]] = attrs.field(factory=dict)
    target: dict[str, dict[str, float]] = attrs.field(factory=dict)
    trading: dict[str, dict[str, float]] = attrs.field(factory=dict)


def attribute(
    splits: Iterable[Split], marks: Iterable[Mark], fills: Iterable[TradeFill]
) -> Attribution:
    """Split the account's P&L among strategies (see the module docstring).

    Each input is read once if it is in time order, twice (then sorted) if not; a
    one-shot iterator is read into a list first, so it can be read again.
    """
    groups: tuple[Iterable[Split | Mark | TradeFill], ...] = tuple(
        list(items) if isinstance(items, Iterator) else items
        for items in (fills, marks, splits)
    )
    try:
        return _summed(_swept(_merged(groups)))
    except _OutOfOrder:
        return _summed(_swept(_sorted(groups)))


_Event = tuple[int, int, int, Split | Mark | TradeFill]


class _OutOfOrder(Exception):
    """An input's timestamps went backwards: it must be sorted, not merged."""


def _sorted(groups: Sequence[Iterable[Split | Mark | TradeFill]]) -> list[_Event]:
    """Every event in (time, kind, position) order: fills, marks, then splits."""
    events: list[_Event] = []
    for order, items in enumerate(groups):
        for index, item in enumerate(items):
            events.append((item.timestamp_ns, order, index, item))
    events.sort(key=lambda e: e[:3])
    return events


def _merged(groups: Sequence[Iterable[Split | Mark | TradeFill]]) -> Iterator[_Event]:
    """The order of :func:`_sorted`, merged from inputs already in time order."""
    return heapq.merge(*(_checked(order, items) for order, items in enumerate(groups)))


def _checked(order: int, items: Iterable[Split | Mark | TradeFill]) -> Iterator[_Event]:
    last = None
    for index, item in enumerate(items):
        at = item.timestamp_ns
        if last is not None and at < last:
            raise _OutOfOrder
        last = at
        yield (at, order, index, item)


def _swept(events: Iterable[_Event]) -> dict[tuple[int, str], list[float]]:
    book = _Book()
    per_bar: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for *_, event in events:
        if isinstance(event, Split):
            _apply_split(book, event)
        elif isinstance(event, Mark):
            _apply_mark(book, event, per_bar)
        else:
            _apply_fill(book, event, per_bar)
    return per_bar


def _apply_split(book: _Book, split: Split) -> None:
    after = dict(split.shares)
    before = book.target.get(split.symbol, {})
    book.trading[split.symbol] = _trade_fractions(before, after)
    book.target[split.symbol] = after
    holding = _fractions(after)
    if holding:
        book.holding[split.symbol] = holding


def _apply_mark(
    book: _Book, mark: Mark, per_bar: dict[tuple[int, str], list[float]]
) -> None:
    last = book.mark.get(mark.symbol)
    book.mark[mark.symbol] = mark.price
    held = book.position.get(mark.symbol, 0.0)
    if last is None or held == 0.0:
        return
    move = held * (mark.price - last)
    for strategy, share in _split_of(book.holding, mark.symbol).items():
        per_bar[(mark.timestamp_ns, strategy)][0] += move * share


def _apply_fill(
    book: _Book, fill: TradeFill, per_bar: dict[tuple[int, str], list[float]]
) -> None:
    mark = book.mark.setdefault(fill.symbol, fill.price)  # no close yet: its own
    cost = fill.qty * (fill.price - mark) + fill.fee
    book.position[fill.symbol] = book.position.get(fill.symbol, 0.0) + fill.qty
    shares = book.trading.get(fill.symbol) or _split_of(book.holding, fill.symbol)
    for strategy, share in shares.items():
        per_bar[(fill.timestamp_ns, strategy)][1] += cost * share


def _split_of(
    splits: Mapping[str, Mapping[str, float]], symbol: str
) -> dict[str, float]:
    return dict(splits.get(symbol) or {UNATTRIBUTED: 1.0})


def _summed(per_bar: Mapping[tuple[int, str], Sequence[float]]) -> Attribution:
    rows = tuple(
        PnlRow(ts, strategy, values[0], values[1])
        for (ts, strategy), values in sorted(per_bar.items())
    )
    market: dict[str, float] = defaultdict(float)
    costs: dict[str, float] = defaultdict(float)
    for row in rows:
        market[row.strategy] += row.market
        costs[row.strategy] += row.costs
    return Attribution(
        rows=rows,
        market=tuple(sorted(market.items())),
        costs=tuple(sorted(costs.items())),
    )
