"""The trading engine: one decision pipeline for replay and live.

bar -> data-quality gate -> strategy (targets) -> sizing (target shares) ->
pre-trade risk -> intent -> order manager (exactly once) -> broker; and broker
events -> intents, fills, ledger.
Every decision yields exactly one outcome: submitted, skipped(reason) or failed.

With a risk gate configured (``EngineConfig.risk_gate``) the gate also sees every bar
before the strategy (the trading state may change on it: staleness, volatility,
correlation, daily loss, drawdown) and every batch of order events after the engine
applied it (reject rate, losing trades). Without one, those hooks cost one attribute
test per bar and per batch.

A bar the data-quality gate rejects (:mod:`tradecore.domain.market.data_quality`) never
reaches the strategy or the gate's market breakers: it is counted
(``rejected_bars``), written to the audit log as ``bar_rejected`` with its values, and
shown to the staleness breaker as "no fresh data".

With a degradation monitor configured (``EngineConfig.degradation``), every order is
first checked against the mode the components' health adds up to (the data feed's
health is the traded symbol's bar age); an order the mode does not allow is recorded
as ``skipped(degraded:<mode>)``.

With a rejection handler configured (``EngineConfig.rejections``), an order the broker
rejects, on submit or later by event, goes to the rejection policy: a capped retry
under the next attempt's client order id (counted as working like any order), or a
give-up with an alert. Retries that must wait are placed from the next bar on, while
the trading state (if a gate is configured) is ACTIVE.

With net-of-cost decisions configured (``EngineConfig.net_of_cost``), each target is
Kelly-sized, gated on a stale cost model and on expected cost vs edge, and sent as
the execution policy chooses (limit orders; TWAP/POV as child slices): see
:mod:`tradecore.services.trading.net_steps`. Without it the engine sends market orders for
the targets' quantities, at the cost of one attribute test per bar.

Before any order is placed — on every path: market, net-of-cost, child slices,
protective orders, rejection retries — the broker is asked whether it would refuse
it (``Broker.rule_breach``: Alpaca's documented order rules); an order it would
refuse is not placed and its decision is recorded ``skipped(broker_rules:<rule>)``
with the rule, Alpaca's message and the rule's source (no intent, no client order
id used).

Protection (a target's own, else ``EngineConfig.default_protection``) goes on every
path: a bracket where the broker allows one, else a protective order for each fill
as it arrives (:mod:`tradecore.services.trading.protection`).

The engine is also the strategy's :class:`PortfolioView`: positions count working
orders at their target, so a strategy never double-orders while a fill is pending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import repeat
from operator import mul

import attrs

from tradecore.domain.frozen import trusted_builder
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.data_quality import BarRejection, BarScreen
from tradecore.domain.orders.adoption import is_adopted, is_bracket_leg
from tradecore.domain.orders.entitlements import (
    ActionBooking,
    EntitlementKind,
    apply_terms,
)
from tradecore.domain.orders.events import ENDING_KINDS, OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.lifecycle import TERMINAL, IntentStatus
from tradecore.domain.orders.money import to_price
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import Bracket, OrderSpec, Side
from tradecore.domain.risk.checks import RiskVerdict, check_order
from tradecore.domain.risk.trading_state import TradingState
from tradecore.domain.strategies.api import (
    AnyStrategy,
    BarStrategy,
    BarStrategyRunner,
    as_targets,
    in_shares,
)
from tradecore.domain.strategies.market_view import MarketFeed
from tradecore.domain.strategies.protocol import AnyTarget, Strategy, Target
from tradecore.ports.clock import Clock
from tradecore.ports.store import UnitOfWork
from tradecore.services.controls.rejection_handler import RejectionHandler
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.execution.execution_book import ExecutionBook
from tradecore.services.execution.net_of_cost import ExecutionPlan, NetOfCostPlanner
from tradecore.services.execution.net_of_cost_restore import relearn, resume_parents
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.bracket_memory import open_position_orders
from tradecore.services.trading.decisions import (
    DecisionStamp,
    decision_record,
    decision_stamp,
    order_intent,
    record_skip,
)
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.net_steps import NetOfCostSteps, skip_reason
from tradecore.services.trading.protection import (
    ENDS_PROTECTION,
    PROTECTION,
    PROTECTIVE,
    ProtectionDesk,
)
from tradecore.services.trading.working_orders import WorkingOrders

_ZERO = Decimal(0)
#: Enum members read on every order, as module constants: on Python 3.11 an
#: enum class's attribute goes through ``EnumType.__getattr__``'s slot hook,
#: about 900 instructions a read (cachegrind), a global's a few.
_BUY, _SELL = Side.BUY, Side.SELL
_REJECTED = IntentStatus.REJECTED
_REJECTED_EVENT = OrderEventKind.REJECTED
#: An :class:`OrderSpec` built without its checks, for a market order of a
#: validated symbol and a positive quantity (which pass every one of them).
_market_order = trusted_builder(OrderSpec)


class TradingEngine(NetOfCostSteps):
    """Turns bars into decisions into orders, and order events into a ledger."""

    def __init__(
        self,
        strategy: AnyStrategy,
        orders: OrderManager,
        commits: CommitPolicy,
        clock: Clock,
        config: EngineConfig,
    ) -> None:
        """Wire the engine to its strategy, order manager, commit policy and clock.

        A bar-form strategy (:class:`BarStrategy`) runs through a
        :class:`BarStrategyRunner`: :attr:`market` is then its market feed (the
        driver stages each closed bar's full values there before :meth:`on_bar`)
        and :meth:`on_timestamp` calls its batch callback.
        """
        #: The bar-form strategy's market feed (``None`` for the simple form).
        self.market: MarketFeed | None = None
        self._batch: BarStrategyRunner | None = None
        if isinstance(strategy, BarStrategy):
            runner = BarStrategyRunner(strategy, self, config.calendar)
            self.market = runner.feed
            self._batch = runner if runner.batched else None
            self._strategy: Strategy = runner
        else:
            self._strategy = strategy
        self._orders = orders
        #: ``orders.resends_known``, fixed when the manager is built: read per order.
        self._resends_known = orders.resends_known
        self._commits = commits
        self._clock = clock
        self._config = config
        self.ledger = Ledger.opening(config.opening_cash)
        self.decisions = 0
        self._last: dict[str, float] = {}
        self._working = WorkingOrders()
        self._cash = float(config.opening_cash)
        self._held: dict[str, float] = {}
        self._seen_executions: set[str] = set()
        #: The risk gate that watches bars and events (``None``: none configured).
        self.gate: RiskGate | None = config.risk_gate
        self._screen = BarScreen(config.data_quality)
        self._admit = self._screen.admit
        self._bar_clock = None if self._screen.max_age_ns is None else clock.now
        #: Bars the data-quality gate kept from the strategy.
        self.rejected_bars = 0
        #: Corporate actions the broker applied and the engine booked, in order.
        self.corporate_actions: list[ActionBooking] = []
        self._rejections = config.rejections
        if self._rejections is not None:
            self._rejections.on_placed = self._track_placed
        #: Called with the symbol before an order is placed (replay uses it to show
        #: the simulated broker the bar that just closed).
        self.before_order: Callable[[str], None] | None = None
        net = config.net_of_cost
        #: Per-symbol regimes (``[regime]``): sizing, policy, breaker, decisions.
        self._regimes = config.regimes
        self._planner = None if net is None else NetOfCostPlanner(net, self._regimes)
        self._book = ExecutionBook()
        self._protect = ProtectionDesk(orders, config.default_protection)
        self._last_stamp: DecisionStamp | None = None
        self._cost_hash = (
            config.cost_model_hash
            if self._planner is None
            else self._planner.version_hash
        )

    def use_model(self, model_hash: str, manifest_hash: str | None) -> None:
        """Stamp decisions from now on with another model and manifest.

        For a live run that swapped its model between bars (a promotion or rollback
        in the registry): the decisions after the swap must point at what made them.
        """
        self._config = attrs.evolve(
            self._config, model_hash=model_hash, manifest_hash=manifest_hash
        )
        self._last_stamp = None

    # --- PortfolioView ------------------------------------------------------------

    def position(self, symbol: str) -> Decimal:
        """Signed shares held plus working orders' unfilled signed quantity."""
        return self.ledger.position(symbol) + self._working.pending(symbol)

    def equity(self) -> float:
        """Cash plus positions marked at the last closes (float, for sizing)."""
        held = self._held
        if not held:  # the replay samples equity every bar timestamp; mostly flat
            return self._cash + 0  # what adding the empty sum (int 0) gives
        # The generator's sum, term for term and in order, with no Python frame
        # per held symbol: q * last.get(s, 0.0) for each (s, q) of held.
        marks = map(self._last.get, held, repeat(0.0))
        value: float = sum(map(mul, held.values(), marks))
        return self._cash + value

    def cash(self) -> float:
        """Cash now (float, for sizing)."""
        return self._cash

    def positions(self) -> dict[str, Decimal]:
        """Every non-zero position, working orders counted."""
        symbols = {p.symbol for p in self.ledger.positions()} | set(self._last)
        held = {s: self.position(s) for s in sorted(symbols)}
        return {s: q for s, q in held.items() if q}

    def last_prices(self) -> Mapping[str, float]:
        """The last close seen per symbol."""
        return self._last

    # --- the pipeline --------------------------------------------------------------

    def on_bar(
        self, symbol: str, timestamp_ns: int, close: float, volume: float
    ) -> None:
        """Feed one closed bar to the strategy and act on its targets.

        The risk gate, if any, sees the bar first: it may change the trading state
        the strategy's orders are then checked against. A bad bar goes no further
        than the data-quality gate.
        """
        self.on_bar_rows(timestamp_ns, (symbol,), (close,), (volume,), 0, 1)

    def passes_screen(self, frames: Sequence[BarFrame]) -> bool:
        """Whether every bar of ``frames``, fed in time order, is sure to pass the
        data-quality gate (:meth:`BarScreen.admits_in_order`): a replay that hears
        yes feeds their rows to :meth:`on_bar_rows` as ``prescreened``."""
        return self._screen.admits_in_order(frames)

    def on_bar_rows(
        self,
        timestamp_ns: int,
        symbols: Sequence[str],
        closes: Sequence[float],
        volumes: Sequence[float],
        lo: int,
        hi: int,
        prescreened: bool = False,
    ) -> None:
        """:meth:`on_bar` for rows ``lo..hi-1`` of bars closed at ``timestamp_ns``,
        one bar after the other (a replay's timestamp: its loop over every bar of
        the run looks its collaborators up once per timestamp, not once per bar).

        Whatever a bar's orders change (the ledger, the gate's state, the strategy)
        is read afresh for the next bar, as separate calls would read it. The clock
        is read once: the bars closed together and are seen at one time (placing
        an order does not move the clock).

        ``prescreened``: the rows come from frames :meth:`passes_screen` vouched
        for, fed in time order; each bar's timestamp is recorded in the gate's
        memory as its ``admit`` records it, without the checks that cannot fail.
        """
        admit, regimes, gate = self._admit, self._regimes, self.gate
        accepted = self._screen.accepted if prescreened else None
        handler, planner, last = self._rejections, self._planner, self._last
        decide_on_bar = self._strategy.on_bar
        gate_on_bar: Callable[[str, datetime, float, Ledger], None] | None = None
        enter_cycle: Callable[[datetime], object] | None = None
        marks: dict[str, float] | None = None
        if gate is not None:
            # A gate that only keeps each close: the cycle entered at the first
            # bar shown, the closes written here (see ``RiskGate.bar_marks``).
            if (marks := gate.bar_marks()) is None:
                gate_on_bar = gate.on_bar
            else:
                enter_cycle = gate.begin_cycle
        at = self._clock.now()
        now_ns = None if self._bar_clock is None else to_ns(self._bar_clock())
        for i in range(lo, hi):
            symbol, close, volume = symbols[i], closes[i], volumes[i]
            if accepted is not None:
                accepted[symbol] = timestamp_ns
            elif (
                bad := admit(symbol, timestamp_ns, close, volume, now_ns)
            ) is not None:
                self._reject_bar(bad)
                continue
            if regimes is not None:  # before the regime breaker
                regimes.observe(symbol, timestamp_ns, close)
            if marks is not None:
                if enter_cycle is not None:
                    enter_cycle(at)
                    enter_cycle = None
                marks[symbol] = close
            elif gate_on_bar is not None:
                gate_on_bar(symbol, at, close, self.ledger)
            if handler is not None and handler.waiting:
                self._place_due_retries(handler)
            last[symbol] = close
            if planner is not None:
                planner.update(symbol, close, volume)
            targets = decide_on_bar(symbol, timestamp_ns, close, volume, self)
            if targets:
                if targets.__class__ is not tuple:
                    targets = as_targets(self._strategy.strategy_id, targets)
                for target in targets:
                    self._decide(target)
            if planner is not None and self._book.busy(symbol):
                self._work_book(symbol, volume)

    def on_timestamp(self, timestamp_ns: int) -> None:
        """Every bar at ``timestamp_ns`` went through :meth:`on_bar`: a bar-form
        strategy's batch callback (``on_bars``) decides now. No-op otherwise."""
        if (runner := self._batch) is None:
            return
        returned = runner.on_timestamp(timestamp_ns)
        if returned:
            for target in as_targets(runner.strategy_id, returned):
                self._decide(target)

    def note_provenance(self, symbol: str, provenance: Provenance) -> None:
        """The symbol's next bar comes from a feed of ``provenance`` (iex, sip, ...).

        The net-of-cost planner prices execution with it (a degraded feed makes the
        policy passive) and the degradation monitor judges the data regime by it.
        """
        if (planner := self._planner) is not None:
            planner.observe_provenance(symbol, provenance)
        if (monitor := self._config.degradation) is not None:
            monitor.on_feed(provenance)

    def on_events(self, events: Iterable[OrderEvent]) -> None:
        """Apply broker events: the store's intents and fills, and the engine's book.

        The engine's own book follows the event stream (fills de-duplicated by
        execution id in this process), not the store's verdict on novelty: a resumed
        replay re-receives fills the store already holds and must book them again.
        The risk gate, if any, is shown the batch once the engine applied it.
        """
        gate = self.gate
        if gate is not None and not isinstance(events, list):  # the gate reads it again
            events = list(events)
        for event in events:
            with self._commits.step() as uow:
                applied = self._orders.apply(uow, event)
            fill = event.fill
            if fill is not None and fill.execution_id not in self._seen_executions:
                self._seen_executions.add(fill.execution_id)
                self._book_fill(fill)
                self._protect.on_fill(fill, self._protective_decision)
            elif event.kind in ENDING_KINDS:
                self._working.release(event.client_order_id)
                self._book.finished(event.client_order_id)
                if event.kind is _REJECTED_EVENT and applied is not None:
                    self._rejected(applied.intent)
            # The desk forgets orders that ended or filled, nothing else: an ack
            # (one per order) or a pending cancel is not handed to it.
            if event.kind in ENDS_PROTECTION:
                self._protect.on_event(event)
        if gate is not None and events:
            gate.on_events(events, self._clock.now())

    def on_corporate_action(self, booking: ActionBooking) -> None:
        """Book a corporate action the broker applied, on the engine's own ledger.

        The same terms go through the same function the broker used
        (:func:`~tradecore.domain.orders.entitlements.apply_terms`), so the two books
        stay equal; the action is audited (``corporate_action``, with the broker's
        figures and ours) and kept in :attr:`corporate_actions` for the report. The
        last price moves as the action moves the price (equity stays marked right
        until the symbol's next bar). Orders the broker canceled arrive as events.
        """
        terms = booking.terms
        self.ledger, ours = apply_terms(self.ledger, terms)
        self.corporate_actions.append(booking)
        self._cash = float(self.ledger.cash)
        for symbol in {terms.symbol, terms.symbol_after}:
            held = self.ledger.position(symbol)
            if held:
                self._held[symbol] = float(held)
            else:
                self._held.pop(symbol, None)
        last = self._last.get(terms.symbol)
        if last is not None:
            if terms.kind is EntitlementKind.RENAME:
                self._last.setdefault(terms.symbol_after, self._last.pop(terms.symbol))
            elif terms.ratio is not None:
                self._last[terms.symbol] = last / float(terms.ratio)
            elif terms.cash is not None and last > float(terms.cash):
                self._last[terms.symbol] = last - float(terms.cash)
        payload = booking.audit_payload()
        payload["ledger_qty_after"] = str(ours.qty_after)
        payload["ledger_cash"] = str(ours.cash)
        with self._commits.step() as uow:
            uow.audit.append("corporate_action", payload)

    def _reject_bar(self, rejection: BarRejection) -> None:
        """Count and audit a bar the strategy must not see; tell the staleness breaker."""
        self.rejected_bars += 1
        with self._commits.step() as uow:
            uow.audit.append("bar_rejected", rejection.audit_payload())
        if (gate := self.gate) is not None:
            gate.on_bar_rejected(rejection.symbol, self._clock.now())

    def _decide(self, given: AnyTarget) -> None:
        if given.__class__ is not Target or given.symbol not in self._last:
            target = in_shares(
                self._strategy.strategy_id,
                given,
                self._last.get(given.symbol),
                self.equity(),
            )
        else:
            target = given
        if (planner := self._planner) is not None:
            self._decide_net(planner, target)
            return
        symbol = target.symbol
        current = self.position(symbol)
        delta = target.qty - current
        # Against a Decimal zero: an int operand is converted to a new Decimal at
        # every comparison (about 300 instructions each).
        if delta == _ZERO:
            return
        self.decisions += 1
        side = _BUY if delta > _ZERO else _SELL
        qty = abs(delta)
        price = to_price(self._last[symbol])
        # A plain market order from validated parts: the symbol passed Target's
        # validator, qty is |target - position| of finite Decimals and not zero.
        spec = _market_order(symbol=symbol, side=side, qty=qty)
        verdict = self._risk_check(symbol, side, qty, price, current, spec)
        if verdict.rule is not None:  # refused: ``not passed`` without its call
            decision = self._decision(target, current, price, None)
            self._skip(decision, skip_reason(verdict.rule), verdict.values)
            return
        # ``_intent`` without its own call (every order decided here builds one).
        stamp = self._stamp()  # the intent's and the decision's (one instant)
        intent = order_intent(stamp, target, side, qty, price, spec=spec)
        extra: Mapping[str, object] | None = None
        if self._protect.protection(target.protection) is not None:
            # Without protection ``_protected`` leaves the intent and adds no detail.
            intent, extra = self._protected(target, intent, current, price)
        if self.before_order is not None:  # the rules see the bar just closed
            self.before_order(symbol)
        # An exit frees the shares our protective orders hold first: otherwise the
        # broker rules (Alpaca's "insufficient qty available") refuse every exit.
        # With nothing resting in either book ``clear_for`` would return 0.
        resting, bracketed = self._protect.books
        if resting or bracketed:
            self._protect.clear_for(symbol, self.ledger.position(symbol), side)
        if (breach := self._orders.rule_breach(intent.spec)) is not None:
            decision = self._decision(target, current, price, None, extra, stamp)
            self._orders.record_breach(decision, breach)
            return
        decision = self._decision(target, current, price, intent, extra, stamp)
        # The shares are freed and the bar shown above: both again would do nothing.
        self._place_cleared(target, decision, intent)

    def _protected(
        self,
        target: Target,
        intent: OrderIntent,
        current: Decimal,
        price: Decimal,
        extra: Mapping[str, object] | None = None,
    ) -> tuple[OrderIntent, Mapping[str, object] | None]:
        """``intent`` with a bracket if it may carry one; the decision's details."""
        protection = self._protect.protection(target.protection)
        spec, note = self._protect.attach(protection, intent.spec, current, price)
        if note is None:
            return intent, extra
        if spec is not intent.spec:
            intent = attrs.evolve(intent, spec=spec)
        return intent, {**(extra or {}), PROTECTION: note}

    def _place_protected(
        self, target: Target, decision: DecisionRecord, intent: OrderIntent
    ) -> OrderIntent:
        """Place ``intent``; an entry without a bracket is protected on its fills."""
        spec = intent.spec
        self._protect.clear_for(
            spec.symbol, self.ledger.position(spec.symbol), spec.side
        )
        if self.before_order is not None:
            self.before_order(spec.symbol)
        return self._place_cleared(target, decision, intent)

    def _place_cleared(
        self, target: Target, decision: DecisionRecord, intent: OrderIntent
    ) -> OrderIntent:
        """:meth:`_place_protected` once its first two steps ran for ``intent``.

        ``_decide`` frees the symbol's shares and shows the broker the bar before
        its pre-send rule check; a second round would find nothing to cancel and
        the bar already shown (about 4 K instructions of every order).
        """
        stored = self._placed(decision, intent)
        rejected = stored.status is _REJECTED
        protection = self._protect.protection(target.protection)
        if protection is not None and not rejected:
            note = decision.details.get(PROTECTION)
            if isinstance(note, str) and note.startswith("on fill"):
                self._protect.expect(stored, protection)
        if intent.spec.bracket is not None and not rejected:
            self._protect.note_bracket(stored)
        return stored

    def _protective_decision(self, symbol: str, inputs_hash: str) -> DecisionRecord:
        """The decision record of a protective order placed for a fill."""
        stamp = self._stamp()
        return DecisionRecord.keyed(
            strategy_id=stamp.strategy_id,
            symbol=symbol,
            decided_at=stamp.at,
            inputs_hash=inputs_hash,
            config_hash=stamp.config_hash,
            model_hash=stamp.model_hash,
            cost_model_hash=stamp.cost_model_hash,
            manifest_hash=stamp.manifest_hash,
        )

    def _risk_check(
        self,
        symbol: str,
        side: Side,
        qty: Decimal,
        price: Decimal,
        current: Decimal,
        spec: OrderSpec | None = None,
    ) -> RiskVerdict:
        """Degradation, then the pre-trade gate if configured, else the basic limits.

        ``spec``: the market order of ``qty`` the caller already built, if any.
        The clock is read once: asking the monitor does not move it.
        """
        config = self._config
        now = self._clock.now()
        if (monitor := config.degradation) is not None:
            last_ns = self._screen.last_accepted_ns(symbol)
            refused = monitor.refusal(now, last_ns, side, qty, current)
            if refused is not None:
                return refused
        gate = config.risk_gate
        if gate is None:
            return check_order(
                config.limits, side=side, qty=qty, price=price, position=current
            )
        if spec is None:
            spec = OrderSpec(symbol=symbol, side=side, qty=qty)
        return gate.check(self, self._strategy.strategy_id, spec, now)

    def _decision(
        self,
        target: Target,
        current: Decimal,
        price: Decimal,
        intent: OrderIntent | None,
        extra: Mapping[str, object] | None = None,
        stamp: DecisionStamp | None = None,
    ) -> DecisionRecord:
        """The decision record of ``target``; ``stamp``: :meth:`_stamp`'s answer
        the caller already has (the clock has not moved since it asked)."""
        if (regimes := self._regimes) is not None:
            extra = regimes.with_details(target.symbol, extra)
        if stamp is None:
            stamp = self._stamp()
        return decision_record(stamp, target, current, price, intent, extra)

    def _place(self, decision: DecisionRecord, intent: OrderIntent) -> OrderIntent:
        if self.before_order is not None:
            self.before_order(intent.spec.symbol)
        return self._placed(decision, intent)

    def _placed(self, decision: DecisionRecord, intent: OrderIntent) -> OrderIntent:
        """:meth:`_place` once the broker has seen ``intent``'s bar."""
        stored = self._orders.place(decision, intent)
        if stored.status is _REJECTED:
            self._rejected(stored)
            return stored
        self._track_placed(stored)
        return stored

    def _track_placed(self, stored: OrderIntent) -> None:
        """Count a placed order's unfilled quantity as working (position view).

        A retried bracketed entry is remembered as bracketed, as the first try was:
        an exit must cancel its legs before it can sell the shares they hold.
        """
        if stored.status is _REJECTED:
            return
        spec = stored.spec
        if spec.bracket is not None:
            self._protect.note_bracket(stored)
        qty = spec.qty or _ZERO
        if self._resends_known:
            rest = qty  # a fresh simulated broker will report every fill again
        elif stored.status in TERMINAL:  # ``is_terminal`` without the property's call
            return
        else:
            rest = qty - stored.filled_qty
        signed = rest if spec.side is _BUY else -rest
        self._working.track(stored.client_order_id, spec.symbol, signed)

    def _rejected(self, intent: OrderIntent) -> None:
        """Hand a rejected order to the rejection policy, if one is configured.

        Only the strategy's own orders are retried: a bracket leg, an external order
        or a position adjustment the broker refused is not ours to send again.
        """
        if is_adopted(intent):
            return
        if (handler := self._rejections) is not None:
            price = self._last.get(intent.spec.symbol)
            handler.on_rejected(
                intent,
                intent.reason or "rejected",
                reference_price=None if price is None else to_price(price),
            )

    def _place_due_retries(self, handler: RejectionHandler) -> None:
        """Place waiting retries whose time came, unless trading is not ACTIVE."""
        gate = self.gate
        if gate is None or gate.board.state.state is TradingState.ACTIVE:
            handler.place_due()

    def _intent(
        self,
        target: Target,
        side: Side,
        qty: Decimal,
        price: Decimal,
        plan: ExecutionPlan | None = None,
        bracket: Bracket | None = None,
        spec: OrderSpec | None = None,
    ) -> OrderIntent:
        return order_intent(
            self._stamp(), target, side, qty, price, plan, bracket, spec=spec
        )

    def _stamp(self) -> DecisionStamp:
        """Who decides now, under which hashes: what every record carries.

        Kept for the current instant: an order's decision record and intent (and
        every order of the same bar) carry the same stamp.
        """
        now = self._clock.now()
        stamp = self._last_stamp
        if stamp is not None and stamp.at == now:
            return stamp
        self._last_stamp = stamp = self._new_stamp(now)
        return stamp

    def _new_stamp(self, now: datetime) -> DecisionStamp:
        config = self._config
        calendar = config.calendar
        return decision_stamp(
            strategy_id=self._strategy.strategy_id,
            at=now,
            session_date=now.date() if calendar is None else calendar.trading_day(now),
            config_hash=config.config_hash,
            model_hash=config.model_hash,
            cost_model_hash=self._cost_hash,
            manifest_hash=config.manifest_hash,
        )

    def _skip(
        self, decision: DecisionRecord, reason: str, values: Mapping[str, str]
    ) -> None:
        with self._commits.step() as uow:
            record_skip(uow, decision, reason, values)

    def _book_fill(self, fill: Fill) -> None:
        self.ledger = self.ledger.apply(fill)
        signed = fill.signed_qty
        if (planner := self._planner) is not None:
            after = self.ledger.position(fill.symbol)
            planner.on_fill(
                fill.symbol,
                fill.client_order_id,
                signed * fill.price,
                after,
                self.ledger.realized_pnl,
            )
        self._cash -= float(signed * fill.price + fill.fee)
        # ``ledger.position``'s answer: the fill just booked its symbol's holding.
        self._held[fill.symbol] = float(self.ledger.holdings[fill.symbol].qty)
        self._working.filled(fill.client_order_id, signed)

    # --- restart ---------------------------------------------------------------------

    def learn_brackets(self, uow: UnitOfWork) -> None:
        """Remember the bracketed entries that still protect open positions (a
        restart, before the broker's held events are applied): their legs' events
        are then ours, and an exit cancels the legs first
        (:mod:`~tradecore.services.trading.bracket_memory`)."""
        candidates = uow.intents.find_many(open_position_orders(uow.fills.all()))
        for intent in candidates.values():
            if intent.spec.bracket is None:
                continue
            self._protect.note_bracket(intent)
            self._orders.learn_legs(intent)

    def restore(self, uow: UnitOfWork) -> None:
        """Rebuild the engine's book from the store (after a restart and reconcile).

        The ledger is the stored fills, nothing else; working orders are the open
        intents the broker has (CREATED ones were never sent and count for nothing).
        So a restarted strategy sees the position and the pending orders it had, and
        neither re-sends an order nor "corrects" a position with an opposite one.
        On the net-of-cost path the sliced parents go on where they stopped and the
        sizing posterior and calibrator are relearned from the stored trades.
        """
        fills = uow.fills.all()
        self.ledger = Ledger.opening(self._config.opening_cash).apply_all(fills)
        self._seen_executions = {f.execution_id for f in fills}
        self._cash = float(self.ledger.cash)
        self._held = {p.symbol: float(p.qty) for p in self.ledger.positions()}
        self._working.clear()
        for intent in uow.intents.open_intents():
            rest = intent.remaining_qty
            if intent.status is IntentStatus.CREATED or not rest:
                continue
            # Protection (a stop for a fill, a bracket leg) is not a position the
            # strategy is trading toward: it is remembered to be canceled on exit.
            if intent.execution_policy == PROTECTIVE:
                self._protect.restore_resting(intent)
                continue
            if is_bracket_leg(intent):
                continue
            signed = rest if intent.spec.side is Side.BUY else -rest
            self._working.track(intent.client_order_id, intent.spec.symbol, signed)
        if (planner := self._planner) is not None:
            self._restore_net(planner, uow, fills)

    def _restore_net(
        self, planner: NetOfCostPlanner, uow: UnitOfWork, fills: Sequence[Fill]
    ) -> None:
        """Resume sliced parents and relearn sizing (:mod:`.net_of_cost_restore`)."""
        relearn(
            planner, self._config.opening_cash, fills, uow.decisions.all_decisions()
        )
        self._book = ExecutionBook()
        unsent = resume_parents(uow, self._book, self._clock.now())
        for symbol, signed in unsent.items():
            self._working.adjust(symbol, signed)
