"""Several strategies in one account: a portfolio is a strategy.

:class:`PortfolioStrategy` is a :class:`~tradecore.domain.strategies.api.BarStrategy`
holding N sub-strategies of either form. At each timestamp (``on_bars``) it

1. marks the closes and feeds every bar to every sub-strategy, each against its own
   :class:`~tradecore.domain.strategies.virtual_book.VirtualBook` (it holds what it
   last targeted; bar-form ones through their own
   :class:`~tradecore.domain.strategies.api.BarStrategyRunner`, as the engine would);
2. records each sub-strategy's return (its virtual equity) in the correlation
   monitor;
3. when a virtual book changed (or every ``rebalance_every`` bars), turns the books
   into sleeves (their share counts) and calls the allocator
   (:func:`~tradecore.domain.portfolio.allocate`) with point-in-time returns of the
   closes it has seen;
4. cuts each strategy's contribution to its :class:`SleeveLimits`;
5. returns one :class:`Target` per symbol whose target changed, with
   ``signal = "portfolio:<allocation id>"`` -- the id (a content hash of the
   allocation) is in every decision's inputs hash and client order id, and
   :attr:`PortfolioStrategy.allocations` maps it to the per-strategy split.

The engine then treats these targets like any strategy's: the pre-trade gate (with
the portfolio's own strategy id), sizing and the execution policy apply unchanged.
Nothing here reads a clock or draws a random number: equal bars give equal
allocations. docs/portfolio-strategies.md has the rules and the config.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, Decimal

import attrs
import numpy as np

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.market.bars import Bar
from tradecore.domain.portfolio import (
    CURRENT_BOOK,
    Allocation,
    AllocationRequest,
    Constraints,
    EstimationConfig,
    MarketInputs,
    Method,
    SignalKind,
    Sleeve,
    allocate,
)
from tradecore.domain.portfolio.attribution import (
    Attribution,
    Mark,
    Split,
    TradeFill,
    attribute,
)
from tradecore.domain.portfolio.correlation import CorrelationBreach, CorrelationMonitor
from tradecore.domain.strategies.api import (
    AnyStrategy,
    BarStrategy,
    BarStrategyRunner,
    Returned,
    as_targets,
)
from tradecore.domain.strategies.market_view import MarketView
from tradecore.domain.strategies.protocol import Strategy, Target
from tradecore.domain.strategies.sleeve_limits import SleeveLimits
from tradecore.domain.strategies.virtual_book import VirtualBook


@attrs.frozen(kw_only=True, slots=True)
class SleeveSpec:
    """One sub-strategy: its ``name`` (unique in the portfolio), the built
    ``strategy``, its relative ``budget``, whether it is ``halted`` and its limits."""

    name: str = attrs.field(validator=v.non_empty_str)
    strategy: AnyStrategy = attrs.field(eq=False)
    budget: float = attrs.field(default=1.0)
    halted: bool = attrs.field(default=False, validator=v.instance_of(bool))
    limits: SleeveLimits = attrs.field(factory=SleeveLimits)

    def __attrs_post_init__(self) -> None:
        budget = self.budget
        if isinstance(budget, bool) or not isinstance(budget, int | float):
            raise InvalidInput(f"{self.name}.budget", budget, "must be a number > 0")
        if not 0 < budget < float("inf"):
            raise InvalidInput(f"{self.name}.budget", budget, "must be a number > 0")


@attrs.frozen(kw_only=True, slots=True)
class PortfolioSettings:
    """How the sleeves are combined (the allocator's method and limits), the
    correlation monitor's alert level and window, the rebalance cadence (``0``:
    only when a sub-strategy changed its book) and the no-trade band."""

    strategy_id: str = attrs.field(default="portfolio", validator=v.non_empty_str)
    method: Method = attrs.field(
        default=Method.EQUAL_WEIGHT, validator=v.instance_of(Method)
    )
    constraints: Constraints = attrs.field(factory=Constraints)
    estimation: EstimationConfig = attrs.field(factory=EstimationConfig)
    correlation_alert: float | None = None
    correlation_window: int = 20
    rebalance_every: int = attrs.field(default=0)
    #: No-trade band: a symbol's trade smaller than this fraction of equity is not
    #: sent (a trade to flat always is); keeps equity drift from churning the book.
    min_trade: float = attrs.field(default=0.0)

    def __attrs_post_init__(self) -> None:
        every = self.rebalance_every
        if isinstance(every, bool) or not isinstance(every, int) or every < 0:
            raise InvalidInput("rebalance_every", every, "must be an int >= 0")
        band = self.min_trade
        if isinstance(band, bool) or not isinstance(band, int | float):
            raise InvalidInput("min_trade", band, "must be a number in [0, 1)")
        if not 0 <= band < 1:
            raise InvalidInput("min_trade", band, "must be a number in [0, 1)")


@attrs.frozen(kw_only=True, slots=True)
class AllocationRecord:
    """One allocation the portfolio traded toward: its id, when, the budgets after
    the correlation cap, the target shares (and the step sent toward them now),
    each symbol's split of them among the strategies (after their limits), the
    allocator's per-strategy weights and its warnings."""

    allocation_id: str
    timestamp_ns: int
    budgets: tuple[tuple[str, float], ...]
    targets: tuple[tuple[str, Decimal], ...]
    #: What was sent toward ``targets`` now (increases cut to the cash on hand).
    sent: tuple[tuple[str, Decimal], ...]
    splits: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    weights: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    warnings: tuple[str, ...]


#: The share of the account's cash a rebalance's increases may use at once.
CASH_USABLE = 0.95


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
        self.marks: list[Mark] = []
        self.monitor = CorrelationMonitor(
            names, settings.correlation_alert, settings.correlation_window
        )
        self._subs: dict[str, _Sub] = {}
        self._last: dict[str, float] = {}
        self._closes: deque[tuple[int, dict[str, float]]] = deque(
            maxlen=settings.estimation.window + 1
        )
        self._targets: dict[str, Decimal] = {}
        self._splits: dict[str, dict[str, float]] = {}
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
        sub = self._subs.get(name)
        if sub is None:  # before the first bar: the spec decides
            self.sleeves = tuple(
                attrs.evolve(s, halted=halted) if s.name == name else s
                for s in self.sleeves
            )
        else:
            sub.halted = halted
            if halted:
                sub.book.flatten()
        self._dirty = True

    def attribution(self, fills: Iterable[TradeFill]) -> Attribution:
        """Per-strategy P&L of the account, given its ``fills``
        (:mod:`tradecore.domain.portfolio.attribution`)."""
        splits = [
            Split(record.timestamp_ns, symbol, shares)
            for record in self.allocations
            for symbol, shares in record.splits
        ]
        return attribute(splits, self.marks, fills)

    # --- the strategy ------------------------------------------------------------

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> Returned:
        """Mark, feed the sub-strategies, reallocate when something changed."""
        ordered = [bars[s] for s in sorted(bars)]
        for bar in ordered:
            self._last[bar.symbol] = bar.close
            self.marks.append(Mark(timestamp_ns, bar.symbol, bar.close))
        self._closes.append((timestamp_ns, {b.symbol: b.close for b in ordered}))
        if not self._subs:
            self._open_books(view)
        changed = self._dirty
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
        equity = view.equity()
        if equity <= 0:
            return None
        allocation = allocate(self._request(view, equity))
        targets, splits = self._capped(allocation, equity)
        return self._emit(timestamp_ns, allocation, targets, splits, view)

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

    def _capped(
        self, allocation: Allocation, equity: float
    ) -> tuple[dict[str, Decimal], dict[str, dict[str, float]]]:
        """Target shares and their per-strategy split, each strategy's contribution
        cut to its limits (caps only shrink a symbol's target, toward zero)."""
        lot = Decimal(self.settings.constraints.lot_size)
        limits = {s.name: s.limits for s in self.sleeves}
        raw: dict[str, dict[str, float]] = {}
        for symbol, parts in allocation.contributions:
            price = self._last[symbol]
            for strategy, weight in parts:
                shares = weight * equity / price
                raw.setdefault(strategy, {})[symbol] = shares
        capped = {
            strategy: (
                limits[strategy].cap(shares, self._last)
                if strategy in limits and limits[strategy].binding
                else shares
            )
            for strategy, shares in raw.items()
        }
        targets: dict[str, Decimal] = {}
        splits: dict[str, dict[str, float]] = {}
        for symbol, allocated in allocation.shares:
            before = sum(raw[s].get(symbol, 0.0) for s in raw)
            after = {s: capped[s].get(symbol, 0.0) for s in capped}
            kept = sum(after.values())
            ratio = min(max(kept / before, 0.0), 1.0) if before else 0.0
            qty = (allocated * Decimal(repr(ratio)) / lot).quantize(
                Decimal(1), ROUND_DOWN
            ) * lot
            targets[symbol] = qty
            splits[symbol] = (
                {s: float(qty) * x / kept for s, x in after.items() if x}
                if qty and kept
                else {}
            )
        return targets, splits

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
        steps = self._within_cash(book, view)
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
        band = self.settings.min_trade * view.equity()
        return [
            Target(symbol, qty, signal)
            for symbol, qty in steps.items()
            if (held := view.position(symbol)) != qty
            and (qty == 0 or abs(float(qty - held)) * self._last[symbol] >= band)
        ]

    def _within_cash(
        self, book: Mapping[str, Decimal], view: MarketView
    ) -> dict[str, Decimal]:
        """``book``, its position increases scaled to the cash on hand.

        A cash account pays for a buy (and reserves for a short) when the order is
        placed, while the proceeds of this rebalance's reductions arrive only when
        they fill. So increases may use :data:`CASH_USABLE` of the free cash now
        (cash less short proceeds and their collateral, shorts marked at the last
        close); if they
        need more, each is scaled down (toward zero, whole lots) and the portfolio
        reallocates on the next bar, when the reductions have filled.
        """
        increases: dict[str, Decimal] = {}
        for symbol, qty in book.items():
            held = view.position(symbol)
            if abs(qty) > abs(held) and (qty >= 0) == (held >= 0):
                increases[symbol] = qty - held
            elif qty * held < 0:  # a flip: the part past flat is an increase
                increases[symbol] = qty
        need = sum(abs(float(d)) * self._last[s] for s, d in increases.items())
        # Short proceeds and as much again as collateral are not free to spend
        # (Alpaca's cash-account rule, as the simulated venue applies it).
        shorts = sum(
            -float(q) * self._last[s]
            for s, q in view.portfolio.positions().items()
            if q < 0 and s in self._last
        )
        usable = max(view.cash() - 2 * shorts, 0.0) * CASH_USABLE
        if need <= usable:
            return dict(book)
        scale = Decimal(repr(usable / need))
        lot = Decimal(self.settings.constraints.lot_size)
        steps = dict(book)
        for symbol, delta in increases.items():
            cut = (delta * scale / lot).quantize(Decimal(1), ROUND_DOWN) * lot
            steps[symbol] = book[symbol] - delta + cut
        self._dirty = True
        return steps


__all__ = [
    "CURRENT_BOOK",
    "AllocationRecord",
    "PortfolioSettings",
    "PortfolioStrategy",
    "SleeveLimits",
    "SleeveSpec",
]
