"""Several strategies in one account: a portfolio is a strategy.

:class:`PortfolioStrategy` is a :class:`~tradecore.domain.strategies.api.BarStrategy`
holding N sub-strategies of either form. At each timestamp (``on_bars``) it

1. marks the closes and feeds every bar to every sub-strategy, each against its own
   :class:`~tradecore.domain.strategies.virtual_book.VirtualBook` (it holds what it
   last targeted; bar-form ones through their own
   :class:`~tradecore.domain.strategies.api.BarStrategyRunner`, as the engine would);
2. records each sub-strategy's return (its virtual equity) in the correlation
   monitor;
3. when a virtual book changed, the account drifted from what was sent (a rejected
   or expired order), a sleeve was halted, increases were held back for cash, or
   every ``rebalance_every`` bars: turns the books into sleeves (their share
   counts) and calls the allocator (:func:`~tradecore.domain.portfolio.allocate`)
   with point-in-time returns of the closes it has seen;
4. cuts each strategy's contribution to its :class:`SleeveLimits` and the
   increases to the free cash (:mod:`~tradecore.domain.strategies.portfolio_book`);
5. returns one :class:`Target` per symbol whose target moved (past the
   ``min_trade`` band, or to flat), with
   ``signal = "portfolio:<allocation id>"`` -- the id (a content hash of the
   allocation) is in every decision's inputs hash and client order id, and
   :attr:`PortfolioStrategy.allocations` maps it to the per-strategy split.

The engine then treats these targets like any strategy's: the pre-trade gate (with
the portfolio's own strategy id), sizing and the execution policy apply unchanged.
Nothing here reads a clock or draws a random number: equal bars give equal
allocations. docs/portfolio-strategies.md has the rules and the config.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal

import attrs
import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.market.bars import Bar
from tradecore.domain.portfolio import (
    CURRENT_BOOK,
    Allocation,
    AllocationRequest,
    MarketInputs,
    SignalKind,
    Sleeve,
    allocate,
)
from tradecore.domain.portfolio.attribution import (
    Attribution,
    Mark,
    Rereadable,
    Split,
    TradeFill,
    attribute,
)
from tradecore.domain.portfolio.correlation import CorrelationBreach, CorrelationMonitor
from tradecore.domain.strategies.api import (
    BarStrategy,
    BarStrategyRunner,
    Returned,
    as_targets,
)
from tradecore.domain.strategies.market_view import MarketView
from tradecore.domain.strategies.portfolio_book import (
    free_cash,
    split_targets,
    within_cash,
)
from tradecore.domain.strategies.portfolio_spec import (
    AllocationRecord,
    PortfolioSettings,
    SleeveSpec,
)
from tradecore.domain.strategies.protocol import Strategy, Target
from tradecore.domain.strategies.sleeve_limits import SleeveLimits
from tradecore.domain.strategies.virtual_book import VirtualBook


class _Sub:
    """A sub-strategy as the portfolio drives it: its spec, book and runner."""

    def __init__(self, spec: SleeveSpec, book: VirtualBook, view: MarketView) -> None:
        self.spec = spec
        self.book = book
        self.halted = spec.halted
        inner = spec.strategy
        self.runner: BarStrategyRunner | None = None
        self.simple: Strategy | None = None
        if isinstance(inner, BarStrategy):
            self.runner = BarStrategyRunner(inner, book, view.calendar)
        else:
            self.simple = inner

    def feed(self, timestamp_ns: int, bars: Sequence[Bar]) -> bool:
        """Hand the bars to the strategy; whether its book changed."""
        changed = False
        runner = self.runner
        for bar in bars:
            if runner is not None:
                runner.feed.stage_bar(bar)
                returned = runner.on_bar(
                    bar.symbol, timestamp_ns, bar.close, bar.volume, self.book
                )
            elif self.simple is not None:
                returned = self.simple.on_bar(
                    bar.symbol, timestamp_ns, bar.close, bar.volume, self.book
                )
            changed |= self._hold(returned)
        if runner is not None:
            changed |= self._hold(runner.on_timestamp(timestamp_ns))
        return changed

    def _hold(self, returned: Returned) -> bool:
        changed = False
        for target in as_targets(self.spec.strategy.strategy_id, returned):
            if not self.halted:
                changed |= self.book.apply(target)
        return changed


class PortfolioStrategy(BarStrategy):
    """N strategies, one account, through the allocator (module docstring)."""

    history = 2  # the portfolio keeps its own window of closes
    #: A hash of what the portfolio is made of (its config and the sub-strategies'
    #: artifacts), set by the loader: a run manifest records it as the artifact
    #: hash, so a replay binds the exact portfolio, not only the config's path.
    model_hash: str | None = None

    def __init__(
        self, sleeves: Sequence[SleeveSpec], settings: PortfolioSettings | None = None
    ) -> None:
        """Combine ``sleeves`` under ``settings``.

        Raises:
            InvalidInput: no sleeve, or two with one name.
        """
        if not sleeves:
            raise InvalidInput("strategies", (), "a portfolio needs a strategy")
        names = [s.name for s in sleeves]
        if len(set(names)) != len(names):
            raise InvalidInput("strategies", sorted(names), "duplicate names")
        self.settings = settings = settings or PortfolioSettings()
        self.strategy_id = settings.strategy_id
        self.sleeves = tuple(sorted(sleeves, key=lambda s: s.name))
        self.allocations: list[AllocationRecord] = []
        self._mark_ts = array("q")
        self._mark_symbol = array("L")
        self._mark_price = array("d")
        self._symbol_ids: dict[str, int] = {}
        self.monitor = CorrelationMonitor(
            names, settings.correlation_alert, settings.correlation_window
        )
        self._subs: dict[str, _Sub] = {}
        self._last: dict[str, float] = {}
        self._closes: deque[tuple[int, dict[str, float]]] = deque(
            maxlen=settings.estimation.window + 1
        )
        self._targets: dict[str, Decimal] = {}
        self._expected: dict[str, Decimal] = {}
        self._since = 0
        self._dirty = False

    # --- what the app reads ------------------------------------------------------

    @property
    def breaches(self) -> tuple[CorrelationBreach, ...]:
        """Every correlation breach so far (the app turns them into alerts)."""
        return tuple(self.monitor.breaches)

    def book(self, name: str) -> VirtualBook:
        """Sub-strategy ``name``'s virtual book (after the first bar)."""
        return self._subs[name].book

    def halt(self, name: str, halted: bool = True) -> None:
        """Halt (or resume) sleeve ``name``: its book goes flat and its targets are
        ignored until resumed; the next bar reallocates.

        Raises:
            InvalidInput: no sleeve of that name.
        """
        if name not in {s.name for s in self.sleeves}:
            raise InvalidInput("sleeve", name, "no strategy of that name")
        self.sleeves = tuple(
            attrs.evolve(s, halted=halted) if s.name == name else s
            for s in self.sleeves
        )
        sub = self._subs.get(name)  # None before the first bar: the spec decides
        if sub is not None:
            sub.halted = halted
            if halted:
                sub.book.flatten()
        self._dirty = True

    def resume(self, name: str) -> None:
        """Resume sleeve ``name`` (``halt(name, halted=False)``): its targets count
        again from its next change; the next bar reallocates.

        Raises:
            InvalidInput: no sleeve of that name.
        """
        self.halt(name, halted=False)

    @property
    def marks(self) -> list[Mark]:
        """Every close the portfolio saw, in order (for attribution)."""
        return list(self._marks())

    def _marks(self) -> Iterator[Mark]:
        """:attr:`marks` one at a time (a long run holds millions of closes)."""
        names = list(self._symbol_ids)
        for ts, k, price in zip(
            self._mark_ts, self._mark_symbol, self._mark_price, strict=True
        ):
            yield Mark(ts, names[k], price)

    def _mark(self, timestamp_ns: int, symbol: str, close: float) -> None:
        """Keep a close compactly (three machine numbers; a run keeps them all)."""
        self._mark_ts.append(timestamp_ns)
        self._mark_symbol.append(
            self._symbol_ids.setdefault(symbol, len(self._symbol_ids))
        )
        self._mark_price.append(close)

    def attribution(self, fills: Iterable[TradeFill]) -> Attribution:
        """Per-strategy P&L of the account, given its ``fills``
        (:mod:`tradecore.domain.portfolio.attribution`)."""
        splits = [
            Split(record.timestamp_ns, symbol, shares)
            for record in self.allocations
            for symbol, shares in record.splits
        ]
        return attribute(splits, Rereadable(self._marks), fills)

    # --- the strategy ------------------------------------------------------------

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> Returned:
        """Mark, feed the sub-strategies, reallocate when something changed."""
        ordered = [bars[s] for s in sorted(bars)]
        for bar in ordered:
            self._last[bar.symbol] = bar.close
            self._mark(timestamp_ns, bar.symbol, bar.close)
        self._closes.append((timestamp_ns, {b.symbol: b.close for b in ordered}))
        if not self._subs:
            self._open_books(view)
        changed = self._dirty or self._drifted(view)
        for sub in self._subs.values():
            changed |= sub.feed(timestamp_ns, ordered)
        self.monitor.observe(
            timestamp_ns,
            {name: sub.book.period_return() for name, sub in self._subs.items()},
        )
        self._since += 1
        every = self.settings.rebalance_every
        if not changed and not (every and self._since >= every and self._targets):
            return None
        self._dirty = False
        self._since = 0
        return self._rebalance(timestamp_ns, view)

    def _open_books(self, view: MarketView) -> None:
        equity = view.equity()
        total = sum(s.budget for s in self.sleeves)
        for spec in self.sleeves:
            book = VirtualBook(
                spec.strategy.strategy_id, equity * spec.budget / total, self._last
            )
            self._subs[spec.name] = _Sub(spec, book, view)

    def _rebalance(self, timestamp_ns: int, view: MarketView) -> Returned:
        equity = self._sizing_equity(view)
        if equity <= 0:
            return None
        allocation = allocate(self._request(view, equity))
        targets, splits = split_targets(
            allocation,
            equity,
            self._last,
            {s.name: s.limits for s in self.sleeves},
            self.settings.constraints.lot_size,
        )
        return self._emit(timestamp_ns, allocation, targets, splits, view)

    def _sizing_equity(self, view: MarketView) -> float:
        """The equity the book is sized on: the account's, or (``sizing =
        "paper"``) the sum of the virtual books' -- a function of the bars alone,
        so a live run and a replay size alike (module docstring)."""
        if self.settings.sizing == "paper":
            return sum(sub.book.equity() for sub in self._subs.values())
        return view.equity()

    def _request(self, view: MarketView, equity: float) -> AllocationRequest:
        symbols = tuple(sorted(self._last))
        prices = {s: Decimal(repr(p)) for s, p in self._last.items()}
        current = {s: q for s, q in view.portfolio.positions().items() if s in prices}
        streams = self.monitor.history()
        market = MarketInputs(
            symbols=symbols,  # type: ignore[arg-type]
            returns=self._returns(symbols),
            prices=prices,
            equity=Decimal(repr(equity)),
            current=current,
            strategy_returns=streams if len(next(iter(streams.values()))) >= 3 else {},
        )
        return AllocationRequest(
            sleeves=[self._sleeve(sub) for sub in self._subs.values()],  # type: ignore[misc]
            market=market,
            method=self.settings.method,
            constraints=self.settings.constraints,
            estimation=self.settings.estimation,
        )

    def _sleeve(self, sub: _Sub) -> Sleeve:
        held = {} if sub.halted else sub.book.positions()
        if not sub.spec.limits.allow_short:
            held = {s: q for s, q in held.items() if q > 0}
        return Sleeve(sub.spec.name, sub.spec.budget, SignalKind.SHARES, held)

    def _returns(self, symbols: tuple[str, ...]) -> np.ndarray:
        rows = list(self._closes)
        out = np.full((max(len(rows) - 1, 0), len(symbols)), np.nan)
        for t in range(1, len(rows)):
            before, now = rows[t - 1][1], rows[t][1]
            for k, symbol in enumerate(symbols):
                if symbol in before and symbol in now:
                    out[t - 1, k] = now[symbol] / before[symbol] - 1.0
        return out

    def _emit(
        self,
        timestamp_ns: int,
        allocation: Allocation,
        targets: dict[str, Decimal],
        splits: dict[str, dict[str, float]],
        view: MarketView,
    ) -> Returned:
        symbols = sorted({*targets, *self._targets})
        book = {s: targets.get(s, Decimal(0)) for s in symbols}
        shares = {s: splits.get(s, {}) for s in symbols}
        identity = sha256_hex(
            [
                str(timestamp_ns),
                [[s, str(q)] for s, q in book.items()],
                [
                    [s, sorted((k, repr(x)) for k, x in p.items())]
                    for s, p in shares.items()
                ],
            ]
        )[:16]
        positions = view.portfolio.positions()
        steps, cut = within_cash(
            book,
            {s: view.position(s) for s in book},
            self._last,
            free_cash(view.cash(), positions, self._last),
            self.settings.constraints.lot_size,
        )
        self._dirty |= cut  # the rest follows once the reductions filled
        self.allocations.append(
            AllocationRecord(
                allocation_id=identity,
                timestamp_ns=timestamp_ns,
                budgets=allocation.budgets,
                targets=tuple(book.items()),
                sent=tuple(steps.items()),
                splits=tuple((s, tuple(sorted(p.items()))) for s, p in shares.items()),
                weights=allocation.contributions,
                warnings=allocation.warnings,
            )
        )
        self._targets = {s: q for s, q in book.items() if q}
        signal = f"portfolio:{identity}"
        band = self.settings.min_trade * self._sizing_equity(view)
        sent: list[Target] = []
        self._expected = {}
        for symbol, qty in steps.items():
            held = view.position(symbol)
            moved = abs(float(qty - held)) * self._last[symbol]
            if held != qty and (qty == 0 or moved >= band):
                sent.append(Target(symbol, qty, signal))
                held = qty
            self._expected[symbol] = held
        return sent

    def _drifted(self, view: MarketView) -> bool:
        """Whether the account no longer holds (or works toward) what was sent: an
        order was rejected, canceled or expired -- reallocate to send it again."""
        return any(view.position(s) != q for s, q in self._expected.items())


__all__ = [
    "CURRENT_BOOK",
    "AllocationRecord",
    "PortfolioSettings",
    "PortfolioStrategy",
    "SleeveLimits",
    "SleeveSpec",
]
