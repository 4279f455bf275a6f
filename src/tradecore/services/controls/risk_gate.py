"""The risk gate: what the engine asks before placing, and what feeds the breakers.

Per cycle (a bar timestamp, or any new ``at``) the gate re-reads the trading state and
the breaker rows from the store, once: the state is shared by every process on the
store, so a kill switch or a person's state change made elsewhere is obeyed from the
next cycle on, and an approval given on the command line reaches the breaker. A
replay owns its store (``shared_store=False``): it reads the rows on its first cycle
only and keeps its own copy, which every trip and recovery updates as it writes.

Then, within the cycle:

* :meth:`RiskGate.check` runs the :class:`PreTradeChecker` for one order against the
  engine's book (positions with working orders, last prices, the day's P&L) and the
  cached state, and counts a passed order for the rate limits;
* :meth:`on_bar`, :meth:`on_events`, :meth:`on_broker_call` and :meth:`tick` feed the
  breakers; a trip or recovery is persisted, audited and alerted by the
  :class:`BreakerBoard`, and moves the trading state at once.

The price collar's reference is the symbol's previous close, which the gate only
knows when it is fed bars (:class:`~tradecore.services.trading.engine.TradingEngine` does
that when the gate is its ``EngineConfig.risk_gate``); without one, a configured
collar refuses (fails closed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Protocol, TypeVar

from tradecore.domain.frozen import trusted_builder
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.account import AccountSnapshot
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.ledger import Holding, Ledger
from tradecore.domain.orders.money import to_price
from tradecore.domain.orders.spec import OrderSpec
from tradecore.domain.risk.breakers import (
    Breaker,
    BrokerErrorRateBreaker,
    CorrelationBreaker,
    DailyLossBreaker,
    DayEquityTracker,
    DrawdownBreaker,
    LosingStreakBreaker,
    RegimeBreaker,
    RejectRateBreaker,
    StalenessBreaker,
    VolatilitySpikeBreaker,
)
from tradecore.domain.risk.checks import PASSED, RiskVerdict
from tradecore.domain.risk.inputs import ExposureSnapshot
from tradecore.domain.risk.kill_request import KillRequest, kill_request_of
from tradecore.domain.risk.pdt import PATTERN, DayTradeMonitor
from tradecore.domain.risk.pre_trade import PreTradeChecker, price_unknown
from tradecore.domain.risk.rates import OrderRateTracker
from tradecore.domain.risk.trading_state import TradingStateRecord
from tradecore.ports.alerts import Alert, Alerter, Severity
from tradecore.ports.trading_status import TradingStatusView
from tradecore.services.controls.breaker_board import BreakerBoard
from tradecore.services.durability.commits import CommitPolicy

_ZERO = Decimal(0)
#: Above this a float price takes the exact path (whose tick rounding refuses a
#: price too large for the Decimal context, as the bound must not pass over).
_PLAUSIBLE = 1e12
_CENT = 0.01


class RiskBook(Protocol):
    """What the gate reads from the engine: its book and last prices."""

    @property
    def ledger(self) -> Ledger:
        """Cash and filled positions (for equity and the day's P&L)."""
        ...

    def position(self, symbol: str) -> Decimal:
        """Signed shares held plus working orders."""
        ...

    def last_prices(self) -> Mapping[str, float]:
        """The last close seen per symbol."""
        ...


class RiskGate:
    """Pre-trade checks, trading state and breakers for one trading process."""

    def __init__(
        self,
        checker: PreTradeChecker,
        commits: CommitPolicy,
        alerter: Alerter,
        *,
        breakers: Sequence[Breaker] = (),
        on_kill: Callable[[KillRequest], object] | None = None,
        calendar: MarketCalendar | None = None,
        shared_store: bool = True,
        trading_status: TradingStatusView | None = None,
        pdt: DayTradeMonitor | None = None,
    ) -> None:
        """Wire the gate.

        Args:
            checker: the limits and the rules.
            commits: where the state is read and trips are written (the engine's).
            alerter: where trips and recoveries are sent.
            breakers: the configured breakers (at most one of each kind).
            on_kill: called with a kill the first cycle it is seen in the store
                (e.g. :meth:`KillSwitch.carry_out` with this process's broker, so a
                kill issued elsewhere cancels and flattens here), and again every
                cycle while what it returns has ``settled`` False (a flatten held
                back by orders still working is finished that way).
            calendar: the market whose trading days the pre-trade day P&L and
                drawdown reset on; ``None`` means the UTC date (old behaviour). The
                daily-loss and drawdown breakers take theirs when built: give them
                the same calendar.
            shared_store: whether other processes change the store's trading state
                and breaker rows while this one runs (a live account: the kill
                switch, approvals). ``False`` for a replay, which owns its store:
                the rows are read on the first cycle (restoring a resumed run's
                trips) and the gate's own copy is kept from then on, instead of
                two reads per bar timestamp.
            trading_status: the market's halts (e.g. Alpaca's stream, status
                ``s``): an order for a halted symbol is refused (rule
                ``symbol_halted``) until the symbol resumes.
            pdt: the pattern-day-trader monitor (``[risk.pdt]``): it counts the
                day trades of the fills the gate hears of, warns
                (``risk.pdt_warning``) at the third in five sessions and refuses
                (rule ``pdt``) a day trade that would make the fourth under the
                equity minimum.
        """
        self._checker = checker
        self._commits = commits
        self.board = BreakerBoard(breakers, commits, alerter)
        self.rates = OrderRateTracker()
        self._cycle_at: datetime | None = None
        self._days = DayEquityTracker(calendar)
        self._marks = _DecimalMarks()
        self._references = _DecimalMarks()
        # Their float dicts, written directly by :meth:`on_bar` (once per bar).
        self._mark_floats = self._marks.floats
        #: Each symbol's last holding seen by :meth:`_surely_reaches`, with its
        #: quantity and cost basis as floats (see :func:`_floats_of`).
        self._held_floats: dict[str, tuple[Holding, float, float]] = {}
        #: The last ledger :meth:`_cash_reaches` looked at, and the getter of its
        #: held symbols' marks if it holds no short (see :func:`_long_marks`):
        #: both fixed until a fill makes a new ledger.
        self._long_ledger: Ledger | None = None
        self._long_marks: _MarksGetter | None = None
        self._reference_floats = self._references.floats
        self._closes: dict[str, float] = {}
        #: The fills' trades, for the losing-streak breaker's P&L (kept only
        #: when that breaker is configured).
        self._trades = Ledger.opening(_ZERO)
        self._seen_fills: set[str] = set()
        self._staleness = _one(breakers, StalenessBreaker)
        self._volatility = _one(breakers, VolatilitySpikeBreaker)
        self._regime = _one(breakers, RegimeBreaker)
        self._rejects = _one(breakers, RejectRateBreaker)
        self._errors = _one(breakers, BrokerErrorRateBreaker)
        #: Whether :meth:`on_broker_call` does anything: only a broker error-rate
        #: breaker hears of broker calls (fixed here, as the breakers are). The
        #: monitored broker reads it to skip two calls that would return at once.
        self.counts_broker_calls = self._errors is not None
        self._daily_loss = _one(breakers, DailyLossBreaker)
        self._drawdown = _one(breakers, DrawdownBreaker)
        self._streak = _one(breakers, LosingStreakBreaker)
        self._correlation = _one(breakers, CorrelationBreaker)
        # Whether a bar means more than its marks (some breaker watches bars).
        self._watches_bars = any(
            b is not None
            for b in (
                self._correlation,
                self._staleness,
                self._volatility,
                self._regime,
                self._daily_loss,
                self._drawdown,
            )
        )
        #: Whether a rule may count the orders sent (a rate limit): without one
        #: their times are kept for no one, and ``check`` does not record them
        #: (cachegrind, 10 x 5k replay: 5,392 M to 5,386 M, 3.3 K instructions an
        #: order; ``tests/property/test_gate_order_counts.py``).
        self._counts_orders = checker.may_count_orders()
        #: Whether a rule may read the marks a bar moved from (the price
        #: collar's references): fixed, as the checker's limits are.
        self._keeps_references = checker.may_read_references()
        self._on_kill = on_kill
        self._kills_answered: set[str] = set()
        self._shared_store = shared_store
        self._trading_status = trading_status
        self._pdt = pdt
        #: The ledger :meth:`check` asks the PDT monitor about, and the callables
        #: it hands the monitor to value it: bound here once, where two partials
        #: over the ledger were built for every order (about 1 K instructions).
        self._pdt_ledger = self._trades
        self._pdt_equity = self._checked_equity
        self._pdt_surely_reaches = self._checked_surely_reaches
        self._alerter = alerter

    # --- the cycle ---------------------------------------------------------------

    def begin_cycle(self, at: datetime) -> TradingStateRecord:
        """Return the trading state for ``at``, reading the store once per cycle.

        A time before the current cycle (a wall clock stepped back) stays in the
        current cycle: the breakers' windows and latches only move forward.
        """
        if self._cycle_at is not None and at <= self._cycle_at:
            return self.board.state
        if self._closes:  # kept only with a correlation breaker
            self._flush_cross_section()
        self._cycle_at = at
        if self._shared_store or not self.board.synced:
            with self._commits.step() as uow:
                self.board.sync(uow)
        if self._on_kill is not None:
            self._answer_kill()
        self.board.tick(at)
        return self.board.state

    def _answer_kill(self) -> None:
        """Hand a kill in force to ``on_kill`` until it says it is settled."""
        request = kill_request_of(self.board.state)
        if request is None or request.kill_id in self._kills_answered:
            return
        assert self._on_kill is not None
        answer = self._on_kill(request)
        if getattr(answer, "settled", True) is not False:
            self._kills_answered.add(request.kill_id)

    def _enter(self, at: datetime) -> datetime:
        """Begin the cycle of ``at``; return the time to record things at."""
        self.begin_cycle(at)
        assert self._cycle_at is not None
        return max(at, self._cycle_at)

    def tick(self, at: datetime) -> TradingStateRecord:
        """Advance to ``at`` without data (a live heartbeat; staleness needs it)."""
        return self.begin_cycle(at)

    # --- pre-trade -----------------------------------------------------------------

    def check(
        self, book: RiskBook, strategy_id: str, spec: OrderSpec, at: datetime
    ) -> RiskVerdict:
        """Check ``spec`` for ``strategy_id`` at ``at``; count it as sent if it passed."""
        status = self._trading_status
        halt = None if status is None else status.halted().get(spec.symbol)
        if halt is not None:
            return RiskVerdict(
                "symbol_halted",
                {
                    "symbol": spec.symbol,
                    "since": halt.since.isoformat(),
                    "reason": halt.reason or halt.reason_code,
                },
            )
        if at is not self._cycle_at:  # else the cycle is ``at``'s: nothing to enter
            at = self._enter(at)
        state = self.board.state.state
        if self._checker.price_alone_decides(strategy_id, state):
            verdict = self._priced(book, spec.symbol)
        else:
            snapshot = self._snapshot(book, strategy_id, spec.symbol, at)
            verdict = self._checker.check(
                spec,
                strategy_id=strategy_id,
                at=at,
                book=snapshot,
                state=state,
                rates=self.rates,
            )
        # ``verdict.rule is None`` is ``verdict.passed`` without the property's call.
        if verdict.rule is None and (pdt := self._pdt) is not None:
            # The monitor values the book's ledger through the two methods bound
            # once (see ``_pdt_equity``), not two partials built per order.
            self._pdt_ledger = book.ledger
            refusal = pdt.check(
                spec, at, self._pdt_equity, surely_reaches=self._pdt_surely_reaches
            )
            verdict = verdict if refusal is None else refusal
        if verdict.rule is None and self._counts_orders:
            self.rates.record_order(spec.symbol, at)
        return verdict

    def on_account(self, account: AccountSnapshot) -> None:
        """The broker's account was read: its day-trade count feeds the PDT monitor."""
        if self._pdt is not None:
            self._pdt.broker_report(
                account.as_of, account.daytrade_count, account.pattern_day_trader
            )

    def check_cancel(self, strategy_id: str, symbol: str, at: datetime) -> RiskVerdict:
        """Check one cancel request; count it if it passed."""
        at = self._enter(at)
        verdict = self._checker.check_cancel(
            symbol, strategy_id=strategy_id, at=at, rates=self.rates
        )
        if verdict.passed:
            self.rates.record_cancel(symbol, at)
        return verdict

    # --- feeding the breakers ------------------------------------------------------

    def on_bar(self, symbol: str, at: datetime, close: float, ledger: Ledger) -> None:
        """A bar of ``symbol`` closed at ``close``; ``at`` is now (the cycle).

        Called for every bar, so it keeps to dictionary writes: the cycle is entered
        only when ``at`` is not the very datetime the cycle began with (every bar of
        a timestamp after the first brings the same object from the engine's
        clock), the breakers are looked at only when one watches bars, and the
        closes for the correlation breaker are kept only when one is configured
        (they are dropped at the next cycle otherwise).
        """
        if at is not self._cycle_at:
            if not self._watches_bars:  # nothing below reads ``at``: only the cycle
                self.begin_cycle(at)
            else:
                at = self._enter(at)
        marks = self._mark_floats
        if self._keeps_references:
            previous = marks.get(symbol)
            if previous is not None:
                self._reference_floats[symbol] = previous
        marks[symbol] = close
        if not self._watches_bars:
            return
        if self._correlation is not None:
            self._closes[symbol] = close
        if (stale := self._staleness) is not None:
            self.board.run(stale, lambda: stale.update(at, symbol))
        if (vol := self._volatility) is not None:
            self.board.run(vol, lambda: vol.update(at, symbol, close))
        if (regime := self._regime) is not None:
            self.board.run(regime, lambda: regime.update(at, symbol))
        if self._daily_loss is not None or self._drawdown is not None:
            self._mark_equity(at, ledger)

    def bar_marks(self) -> dict[str, float] | None:
        """The dict :meth:`on_bar` writes a bar's close into, when that is all it
        does once the bar's cycle is entered; ``None`` when it does more (a
        breaker watches bars, or a price collar reads the mark a bar moved from).

        Why: a replay shows the gate every bar. With that answer the engine
        enters the cycle once per timestamp (``begin_cycle``, as the first bar's
        ``on_bar`` would) and writes each close itself, where a call per bar
        cost about 2.8 K instructions (cachegrind, idle 10 x 5k run: 3,249 M to
        3,107 M; the reference kept per bar was half of it).
        ``tests/property/test_gate_bar_marks.py`` holds it to :meth:`on_bar`.
        """
        if self._watches_bars or self._keeps_references:
            return None
        return self._mark_floats

    def on_bar_rejected(self, symbol: str, at: datetime) -> None:
        """The data-quality gate rejected a bar of ``symbol``: time passes, no data.

        The staleness breaker keeps counting the symbol's silence (a symbol whose
        every bar is rejected goes stale too); nothing else learns from the bar.
        """
        at = self._enter(at)
        if (stale := self._staleness) is not None:
            self.board.run(stale, lambda: stale.rejected(at, symbol))

    def on_events(self, events: Iterable[OrderEvent], at: datetime) -> None:
        """Order events the engine applied: acks and rejects, fills (trade P&L).

        The cycle is entered only when ``at`` is past it: the engine shows a
        batch at the time it applied it, nearly always the cycle a bar began
        (:meth:`_enter` would return the cycle's time without changing a thing).
        """
        cycle = self._cycle_at
        if cycle is None or at > cycle:
            at = self._enter(at)
        elif at < cycle:
            at = cycle  # ``max(at, cycle)``: what ``_enter`` answers here
        # Without a reject-rate breaker an ack or reject counts for nothing: the
        # call that would find no breaker to update is not made (one per order).
        counts_results = self._rejects is not None
        for event in events:
            if counts_results and event.kind in _ACK_OR_REJECT:
                self._order_result(at, failed=event.kind is OrderEventKind.REJECTED)
            if event.fill is not None:
                self._on_fill(event.fill, at)

    def on_submit_rejected(self, at: datetime) -> None:
        """The broker refused a submit synchronously (no event will follow)."""
        at = self._enter(at)
        self._order_result(at, failed=True)

    def on_broker_call(self, at: datetime, *, failed: bool) -> None:
        """A broker call finished (``failed``: timeout, 5xx, refused connection)."""
        if (errors := self._errors) is not None:
            at = self._enter(at)
            self.board.run(errors, lambda: errors.update(at, failed=failed))

    # --- internals -------------------------------------------------------------------

    def _snapshot(
        self, book: RiskBook, strategy_id: str, symbol: str, at: datetime
    ) -> ExposureSnapshot:
        """Value the engine's book for one check, in one pass over its symbols.

        Only the order's own symbol is valued unless a limit needs the whole book
        (gross or net exposure, daily loss, drawdown): then the totals cover every
        symbol with a price.
        """
        plan = self._checker.plan_for(strategy_id)
        needs_day = plan.needs_day
        prices = book.last_prices()
        if not plan.whole_book:
            return self._symbol_snapshot(book, symbol, prices.get(symbol))
        marks: dict[str, Decimal] = {}
        positions: dict[str, Decimal] = {}
        gross = net = _ZERO
        cache = self._marks
        for s, price in prices.items():
            cache.set(s, price)
            marks[s] = mark = cache[s]
            positions[s] = qty = book.position(s)
            if qty:
                value = qty * mark
                gross += abs(value)
                net += value
        day_pnl = drawdown = None
        if needs_day:
            day = self._days.update(at, book.ledger.equity(marks))
            day_pnl, drawdown = day.pnl, day.drawdown
        # Built unchecked: gross is a sum of absolute values (>= 0) and net a sum,
        # of finite Decimals (positions from the engine's book, marks to_price's).
        return _exposure_snapshot(
            positions=positions,
            marks=marks,
            references=self._references,
            gross=gross,
            net=net,
            day_pnl=day_pnl,
            drawdown=drawdown,
        )

    def _priced(self, book: RiskBook, symbol: str) -> RiskVerdict:
        """The checker's verdict when the price alone decides it: PASSED with a
        mark, else ``price_unknown``; the mark is kept (and converted, raising on
        a bad price) as :meth:`_symbol_snapshot` keeps it."""
        price = book.last_prices().get(symbol)
        if price is None:
            return price_unknown(symbol)
        self._mark_floats[symbol] = price  # ``self._marks.set``, without its call
        # ``self._marks[symbol]`` without its call: converts it (to_price raises
        # on a bad price) unless the price is the one converted last.
        known = self._marks.converted
        exact = known.get(symbol)
        if exact is None or exact[0] != price:
            known[symbol] = (price, to_price(price))
        return PASSED

    def _symbol_snapshot(
        self, book: RiskBook, symbol: str, price: float | None
    ) -> ExposureSnapshot:
        """:meth:`_snapshot` of the order's own symbol alone (no limit needs the
        whole book): the one-symbol case of its loop, without the loop."""
        if price is None:
            return _exposure_snapshot(
                positions={},
                marks={},
                references=self._references,
                gross=_ZERO,
                net=_ZERO,
                day_pnl=None,
                drawdown=None,
            )
        cache = self._marks
        cache.set(symbol, price)
        mark = cache[symbol]
        qty = book.position(symbol)
        gross = net = _ZERO
        if qty:
            value = qty * mark
            gross += abs(value)
            net += value
        return _exposure_snapshot(
            positions={symbol: qty},
            marks={symbol: mark},
            references=self._references,
            gross=gross,
            net=net,
            day_pnl=None,
            drawdown=None,
        )

    def _mark_equity(self, at: datetime, ledger: Ledger) -> None:
        loss, dd = self._daily_loss, self._drawdown
        if loss is None and dd is None:
            return
        equity = self._equity(ledger)
        self._days.update(at, equity)
        if loss is not None:
            self.board.run(loss, lambda: loss.update(at, equity))
        if dd is not None:
            self.board.run(dd, lambda: dd.update(at, equity))

    def _checked_equity(self) -> Decimal:
        """:meth:`_equity` of the ledger the current :meth:`check` is about."""
        return self._equity(self._pdt_ledger)

    def _checked_surely_reaches(self, amount: Decimal) -> bool:
        """:meth:`_surely_reaches` of the ledger the current :meth:`check` is about
        (its first test, the cash, asked here: one call fewer when it answers)."""
        ledger = self._pdt_ledger
        return self._cash_reaches(ledger, amount) or self._surely_reaches(
            ledger, amount
        )

    def _equity(self, ledger: Ledger) -> Decimal:
        """``ledger``'s equity at the marks: ``ledger.equity(self._marks)``, with the
        held symbols' marks looked up in one pass (a plain dict is read without a
        Python call per symbol; only held symbols' marks are converted)."""
        return ledger.equity(self._marks.exact(ledger.holdings))

    def _surely_reaches(self, ledger: Ledger, amount: Decimal) -> bool:
        """Whether :meth:`_equity` is certainly at least ``amount``, from the floats.

        Each mark is the bar's float rounded to its tick (``to_price``: at most half
        a cent away), so valuing the holdings at the floats instead errs by at most
        a cent a share, plus float rounding (a few parts in 1e16 of the sums). The
        estimate less that much (and a dollar, and a part in 1e9 of every amount
        summed) is below the exact equity; when it still reaches ``amount`` the
        exact equity does too. Any price that is not a positive float below
        ``_PLAUSIBLE`` (``to_price`` refuses non-finite and non-positive ones)
        answers False, so the exact path runs (and raises where it raises).

        First, without valuing a holding: a ledger with no short position is worth
        at least its cash (see :meth:`_cash_reaches`).
        """
        if self._cash_reaches(ledger, amount):
            return True
        floats, held = self._mark_floats, self._held_floats
        estimate = float(ledger.cash)
        scale = abs(estimate) + float(amount)
        shares = 0.0
        for symbol, holding in ledger.holdings.items():
            kept = held.get(symbol)
            if kept is None or kept[0] is not holding:
                kept = held[symbol] = _floats_of(holding)
            price = floats.get(symbol)
            if price is None:
                value = kept[2]  # ``Ledger.equity``: basis, no mark
            elif 0.0 < price < _PLAUSIBLE:
                qty = kept[1]
                value = qty * price
                shares += abs(qty)
            else:
                return False
            estimate += value
            scale += abs(value)
        return estimate - shares * _CENT - scale * 1e-9 - 1.0 >= float(amount)

    def _cash_reaches(self, ledger: Ledger, amount: Decimal) -> bool:
        """Whether ``ledger``'s cash alone reaches ``amount`` and the rest of its
        equity cannot be negative, so :meth:`_equity` reaches it too.

        Why: a long-only book (the usual one; a sma_cross replay holds nothing
        else) with cash far above the PDT minimum needs no valuation of its
        holdings per order. A long holding is worth ``qty * mark >= 0`` at a
        positive mark; Decimal addition rounds monotonically, so the exact sum is
        at least the cash. Whether the ledger is long-only is decided once per
        ledger (a fill makes a new one); the marks move every bar, so they are
        looked at each time: a held symbol with no mark, or with one the exact
        path would refuse, answers False here (the float bound then decides).
        """
        if self._long_ledger is not ledger:
            self._long_ledger = ledger
            self._long_marks = _long_marks(ledger)
        marks_of = self._long_marks
        if marks_of is None or not ledger.cash >= amount:
            return False
        try:
            prices = sorted(marks_of(self._mark_floats))
        except KeyError:
            return False
        # Sorted (floats compare fast in a sort): the ends bound every price but a
        # NaN, which no comparison orders; a NaN makes the sum NaN (not equal to
        # itself).
        total = sum(prices)
        return prices[0] > 0.0 and prices[-1] < _PLAUSIBLE and total == total

    def _order_result(self, at: datetime, *, failed: bool) -> None:
        if (rejects := self._rejects) is not None:
            self.board.run(rejects, lambda: rejects.update(at, failed=failed))

    def _on_fill(self, fill: Fill, at: datetime) -> None:
        """Count ``fill`` once: its day trade, and its trade P&L for the streak.

        The gate's own trade book (``_trades``) is read by the losing-streak
        breaker alone, so without one it is not kept.
        """
        if fill.execution_id in self._seen_fills:
            return
        self._seen_fills.add(fill.execution_id)
        if (pdt := self._pdt) is not None:
            # ``_count_day_trade``'s count and its early return, without its call:
            # a warning is the rare case (every fill is counted).
            count = pdt.on_fill(fill)
            if count == PATTERN - 1 and pdt.applies(fill.filled_at):
                self._warn_pdt(count, fill, at)
        if (streak := self._streak) is not None:
            self._count_trade(streak, fill, at)

    def _count_trade(
        self, streak: LosingStreakBreaker, fill: Fill, at: datetime
    ) -> None:
        """Book ``fill`` in the gate's trade book; a closing one's P&L feeds the
        streak (apart from :meth:`_on_fill`: the closure here would make every
        fill's call build its cells, streak breaker or not)."""
        before = self._trades.holdings.get(fill.symbol)
        self._trades = self._trades.apply(fill)
        if before is None or not _closes(before.qty, fill.signed_qty):
            return
        pnl = self._trades.holdings[fill.symbol].realized_pnl - before.realized_pnl
        self.board.run(streak, lambda: streak.update(at, pnl, fill.symbol))

    def _warn_pdt(self, count: int, fill: Fill, at: datetime) -> None:
        """Warn that ``fill``'s day trade is the one before the pattern."""
        self._alerter.send(
            Alert(
                severity=Severity.WARNING,
                code="risk.pdt_warning",
                message=f"{count} day trades in five sessions: the next one makes "
                "the account a pattern day trader (FINRA Rule 4210)",
                raised_at=at,
                context={"day_trades": count, "symbol": fill.symbol},
            )
        )

    def _flush_cross_section(self) -> None:
        closes, self._closes = self._closes, {}
        corr, at = self._correlation, self._cycle_at
        if corr is None or not closes or at is None:
            return
        self.board.run(corr, lambda: corr.update(at, closes))


_exposure_snapshot = trusted_builder(ExposureSnapshot)

_ACK_OR_REJECT = frozenset({OrderEventKind.ACCEPTED, OrderEventKind.REJECTED})


_B = TypeVar("_B", bound=Breaker)


def _one(breakers: Sequence[Breaker], kind: type[_B]) -> _B | None:
    """The configured breaker of ``kind``, if any (the board refuses duplicates)."""
    return next((b for b in breakers if isinstance(b, kind)), None)


class _DecimalMarks(Mapping[str, Decimal]):
    """Prices by symbol, kept as the floats bars bring, as cent Decimals on demand.

    A bar updates a mark on every bar of every symbol; the exact Decimal is needed
    only when something is valued (a held position, an order's symbol, the
    collar's reference), so it is made then and kept while the price stays.
    """

    def __init__(self) -> None:
        #: The prices as given, by symbol (the gate's per-bar path writes here).
        self.floats: dict[str, float] = {}
        #: The price each symbol's exact mark was made from, and the mark.
        self.converted: dict[str, tuple[float, Decimal]] = {}

    def set(self, symbol: str, price: float) -> None:
        """The symbol's price is now ``price``."""
        self.floats[symbol] = price

    def close(self, symbol: str) -> float | None:
        """The symbol's price as given, or ``None``."""
        return self.floats.get(symbol)

    def __getitem__(self, symbol: str) -> Decimal:
        price = self.floats[symbol]
        exact = self.converted.get(symbol)
        if exact is None or exact[0] != price:
            exact = self.converted[symbol] = (price, to_price(price))
        return exact[1]

    def exact(self, symbols: Iterable[str]) -> dict[str, Decimal]:
        """The cent Decimal marks of those of ``symbols`` that have a price, as
        ``{s: self[s] for s in symbols if s in self}`` gives them."""
        floats, known = self.floats, self.converted
        marks: dict[str, Decimal] = {}
        for symbol in symbols:
            price = floats.get(symbol)
            if price is None:
                continue
            exact = known.get(symbol)
            if exact is None or exact[0] != price:
                exact = known[symbol] = (price, to_price(price))
            marks[symbol] = exact[1]
        return marks

    def __contains__(self, symbol: object) -> bool:
        # Mapping's default would convert the price (``__getitem__``) to answer.
        return symbol in self.floats

    def __iter__(self) -> Iterator[str]:
        return iter(self.floats)

    def __len__(self) -> int:
        return len(self.floats)


def _floats_of(holding: Holding) -> tuple[Holding, float, float]:
    """``holding`` with its quantity and cost basis as floats.

    Why: a ledger's next version shares every holding but the one a fill changed,
    and a Decimal's float costs about 1.3 K instructions; the float bound of the
    pattern-day-trader check converts every holding of the book. Kept with the
    holding itself (compared by identity, so the answer is that holding's own).
    """
    return holding, float(holding.qty), float(holding.cost_basis)


#: Marks of a fixed set of symbols, read from the gate's floats (KeyError: one
#: has none).
_MarksGetter = Callable[[Mapping[str, float]], tuple[float, ...]]


def _long_marks(ledger: Ledger) -> _MarksGetter | None:
    """A getter of the marks of ``ledger``'s held symbols if it holds no short
    (each holding is then worth at least nothing at a positive mark); else ``None``.

    An ``itemgetter`` reads them in one C call; it answers a bare value for one
    key, so a lone symbol is asked for twice (still a tuple). A ledger holding
    nothing asks for no mark.
    """
    holdings = ledger.holdings
    if not all(h.qty >= 0 for h in holdings.values()):
        return None
    symbols = list(holdings)
    if not symbols:
        return _no_marks
    if len(symbols) == 1:
        symbols *= 2
    getter: _MarksGetter = itemgetter(*symbols)
    return getter


def _no_marks(floats: Mapping[str, float]) -> tuple[float, ...]:
    """The marks of no symbol: one plausible price stands in, so the bounds hold."""
    return (1.0,)


def _closes(held: Decimal, delta: Decimal) -> bool:
    """Whether trading ``delta`` against ``held`` closes shares (ends a trade)."""
    return held != 0 and (held > 0) != (delta > 0)
