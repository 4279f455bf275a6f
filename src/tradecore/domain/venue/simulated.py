"""The simulated venue: accepts orders, matches them against bars, reports events.

Pure domain code, shared by the :class:`SimulatedBroker` adapter and a later
Alpaca-protocol emulator: time is passed in (``now``), randomness comes only from a
``numpy.random.Generator`` seeded from the config, ids are sha256 of seed and sequence.
Same config and same calls give the same events, byte for byte.

What is refused synchronously (raised) and what is rejected asynchronously (a REJECTED
event at the acknowledgement time) follows Alpaca: a reused client order id, an unknown
symbol, insufficient buying power and a broken order rule are refused on the request;
a closed market (when so configured) and the random reject rate reject after the ack
latency. ``opg``/``cls`` orders work only in
the session's first/last bar (refused inside Alpaca's cut-off windows:
:mod:`tradecore.domain.broker_rules.order_windows`).
"""

from __future__ import annotations

from collections.abc import Callable, KeysView
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import attrs

from tradecore.domain import frozen
from tradecore.domain.broker_rules import (
    CONTEXT_RULES,
    ContextRule,
    context_breach,
    context_rules_for,
    day_trading,
    fractional,
    holdings,
    plain_order_rules,
    shape_breach,
)
from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.broker_rules.context import (
    AccountFlags,
    AssetFlags,
    RestingSummary,
    summarize,
)
from tradecore.domain.broker_rules.day_trading import (
    DAY_TRADES_ALLOWED,
    is_day_trade,
    meets_pdt_equity,
    pdt_in_force,
    session_date,
)
from tradecore.domain.errors import (
    BrokerRejected,
    BrokerRuleBreached,
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    InvalidInput,
    OrderNotCancelable,
    OrderNotFound,
)
from tradecore.domain.market.bars import Bar, Quote
from tradecore.domain.market.calendar import Session
from tradecore.domain.market.corporate_actions import ActionKind as CorporateKind
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.orders.account import AccountSnapshot, Position
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.entitlements import ActionBooking, apply_terms
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.money import quantize_qty, to_price
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce
from tradecore.domain.seeded import Draws, SeededGenerator
from tradecore.domain.venue.bar_matching import match_bar
from tradecore.domain.venue.book import Action, ActionKind, VenueBook
from tradecore.domain.venue.buying_power import (
    free_cash,
    order_price,
    order_reservation,
    reserved_from_scratch,
)
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.corporate_actions import (
    CANCEL_REASON,
    cancels_orders,
    terms_of,
)
from tradecore.domain.venue.day_trades import DayTrades
from tradecore.domain.venue.equity import MarkedEquity, cash_floor
from tradecore.domain.venue.fill_models import LatencyConfig
from tradecore.domain.venue.legs import create_legs
from tradecore.domain.venue.matching import fills_any_size_free
from tradecore.domain.venue.rule_context import (
    resting_orders,
    venue_asset,
    venue_rule_context,
)
from tradecore.domain.venue.sim_order import (
    FRACTION_STEP,
    SimOrder,
    derive_from,
    id_prefix,
)

B = BrokerOrderStatus
T = TypeVar("T")
#: Auction orders: worked only in the session's first (opg) or last (cls) bar.
_AUCTION_TIF = (TimeInForce.OPG, TimeInForce.CLS)
_NOT_REPLACEABLE = frozenset({B.PENDING_NEW, B.PENDING_CANCEL})
_ZERO_OFFSET = timedelta(0)
#: Enum members read on every order, as module constants: on Python 3.11 an
#: enum class's attribute goes through ``EnumType.__getattr__``'s slot hook,
#: about 900 instructions a read (cachegrind), where a global's costs a few.
_ACK, _PENDING_NEW = ActionKind.ACK, B.PENDING_NEW
_MARKET, _TRAILING_STOP = OrderType.MARKET, OrderType.TRAILING_STOP
_BUY, _REJECT_CLOSED = Side.BUY, OutsideHours.REJECT
_ZERO = Decimal(0)
#: The plain-order rules :meth:`SimVenue.clears_market_order` answers for: a
#: symbol whose plain rules are all among them has its whole-share market orders
#: cleared without a rule context (any other rule: the full check, always).
MARKET_ORDER_RULES: frozenset[ContextRule] = frozenset(
    {
        fractional.buy_below_minimum_at_market,
        fractional.fractional_short,
        holdings.insufficient_qty_available,
        holdings.wash_trade,
        day_trading.pattern_day_trading,
    }
)
#: The account's flags with the day-trade count (and equity) of a check: copies
#: made without validators, which :class:`AccountFlags` does not have (a copy per
#: check whose count or equity moved: most checks of a day-trading replay).
_flags_with_count = frozen.trusted_copier(AccountFlags, "daytrade_count")
_flags_with_count_and_equity = frozen.trusted_copier(
    AccountFlags, "daytrade_count", "equity"
)


def _later(at: datetime, seconds: float) -> datetime:
    """``at`` plus a latency of ``seconds``: ``at`` itself for none (a zero-latency
    model, as the ideal one: building a ``timedelta`` from a float costs more than
    the rest of a submit's scheduling)."""
    return at + timedelta(seconds=seconds) if seconds else at


def submit_times(
    latency: LatencyConfig, rng: Draws, now: datetime
) -> tuple[datetime, datetime]:
    """When an order sent at ``now`` is acknowledged, and when it may first fill."""
    ack_at = _later(now, latency.ack(rng))
    return ack_at, _later(ack_at, latency.first_fill(rng))


def _with_trail(spec: OrderSpec, trail: Decimal | None) -> OrderSpec:
    """``spec`` with the trail a replace sets, in the unit it was placed with."""
    if trail is None:
        return spec
    if spec.order_type is not OrderType.TRAILING_STOP:
        raise InvalidInput("trail", trail, "only a trailing stop has a trail")
    if spec.trail_price is not None:
        return attrs.evolve(spec, trail_price=trail)
    return attrs.evolve(spec, trail_percent=trail)


class SimVenue:
    """One simulated market and account; see the module docstring for the rules."""

    def __init__(self, config: VenueConfig, opening: Ledger | None = None) -> None:
        """Open the venue with ``config.starting_cash`` and nothing else, or with the
        ``opening`` books (an account that already traded: a restarted live run)."""
        self.config = config
        self._rng = SeededGenerator(config.seed)
        #: The config's latency acknowledges and readies a submit at once (see
        #: :attr:`~tradecore.domain.venue.fill_models.LatencyConfig.instant_submit`).
        self._instant_submit = config.fill_model.latency.instant_submit
        ledger = Ledger.opening(config.starting_cash) if opening is None else opening
        self._book = VenueBook(config.calendar, ledger)
        #: Where every new order's broker id is derived from (``derive_from``).
        self._order_ids = id_prefix(config.seed, "order")
        #: Where every fill's execution id is derived from (``match_bar``).
        self._exec_ids = id_prefix(config.seed, "exec")
        #: The model takes any size at no cost: a market order at a bar's open
        #: is matched by ``opening_match`` (fixed by the config, so asked once).
        self._free_fills = fills_any_size_free(config.fill_model)
        self._last_bars: dict[str, Bar] = {}
        #: The last closes as prices (equity marks), converted when first read:
        #: most bars a replay feeds are matched and never marked.
        self._marks: dict[str, Decimal] = {}
        #: Symbols whose last bar's close is not yet in ``_marks`` (an ordered set).
        self._unmarked: dict[str, None] = {}
        #: Bumped by everything that can change what a rule check sees; with
        #: ``_passed`` it lets ``submit`` skip re-checking the spec the pre-send
        #: check (``rule_breach``) just passed at the same instant and state.
        self._state = 0
        self._passed: tuple[OrderSpec, datetime, int] | None = None
        self._quotes: dict[str, Quote] = {}
        self._now: datetime | None = None
        self._day_trades = DayTrades(
            config.calendar, config.account.daytrade_count or 0
        )
        #: Equity for the day-trade rule, revalued where a fill or bar changed it.
        self._equity = MarkedEquity()
        self._book.on_fill = self._on_fill
        self._flags: AccountFlags | None = None  # the last flags built (count only)
        #: The last flags built with an equity that meets the PDT minimum.
        self._meeting: AccountFlags | None = None
        #: Each symbol's asset, and the context rules its standing flags and the
        #: configured account's leave able to refuse (``context_rules_for``; both
        #: are fixed by the config), all of them and those a plain order (no
        #: bracket, no auction) can break (``plain_order_rules``), by symbol.
        #: The last: whether those plain rules are all :data:`MARKET_ORDER_RULES`.
        self._context_rules: dict[
            str,
            tuple[AssetFlags, tuple[ContextRule, ...], tuple[ContextRule, ...], bool],
        ] = {}

    # --- time and events -----------------------------------------------------------

    def advance_to(self, now: datetime) -> None:
        """Apply everything due by ``now``; time never goes back.

        ``now`` must be UTC: the venue stamps its events with it (built without
        re-validation, :func:`tradecore.domain.frozen.trusted_builder`), so it is checked here,
        once per instant.
        """
        last = self._now
        if now is not last:  # the same instant again (most calls): nothing to check
            if now.tzinfo is not UTC and now.utcoffset() != _ZERO_OFFSET:
                raise InvalidInput("now", now, "must be a timezone-aware UTC datetime")
            if last is not None and now < last:
                raise InvalidInput("now", now, f"before the venue's time {last}")
            self._now = now
        book = self._book
        heap, lane = book.heap, book.lane
        if (heap and heap[0][0] <= now) or (lane and lane[0][0] <= now):
            self._state += 1
            book.run_due(now)

    def has_pending(self) -> bool:
        """Return whether an action is scheduled or an event not yet taken.

        While neither is, :meth:`advance_to` would only move the venue's time
        (which only its own checks read): nothing can happen until an order comes.
        """
        book = self._book
        return bool(book.heap or book.lane or book.outbox)

    def next_event_at(self) -> datetime | None:
        """Return when the next scheduled action is due (``None``: nothing pending).

        The book's :meth:`~VenueBook.next_at`.
        """
        return self._next_at()

    def next_event_after(self, now: datetime) -> datetime | None:
        """:meth:`advance_to` ``now``, then :meth:`next_event_at` (one call where a
        broker asks for both twice per bar timestamp)."""
        self.advance_to(now)
        return self._next_at()

    def _next_at(self) -> datetime | None:
        """The book's :meth:`~VenueBook.next_at`, once the time of a dropped no-op
        action the venue's time has reached is forgotten (a dropped action can be
        due at or before the venue's time already: one due when its order ended)."""
        book = self._book
        if book.idle_until is not None and self._now is not None:
            book.pass_idle(self._now)
        return book.next_at()

    def events_until(self, now: datetime) -> list[OrderEvent]:
        """:meth:`advance_to` ``now``, then :meth:`take_events` (one call where a
        broker asks for both twice per bar timestamp)."""
        self.advance_to(now)
        book = self._book
        events, book.outbox = book.outbox, []
        return events

    def events_and_next_after(
        self, now: datetime
    ) -> tuple[list[OrderEvent], datetime | None]:
        """:meth:`events_until` ``now``, then :meth:`next_event_at`, in one call (the
        replay driver's per-timestamp question: what happened, and what comes)."""
        self.advance_to(now)
        book = self._book
        events, book.outbox = book.outbox, []
        return events, self._next_at()

    def take_events(self) -> list[OrderEvent]:
        """Return and forget the order events that happened so far, in order.

        The book's :meth:`~VenueBook.take_events`, done here: the replay driver
        asks twice per bar timestamp.
        """
        book = self._book
        events, book.outbox = book.outbox, []
        return events

    # --- market data ---------------------------------------------------------------

    def on_quote(self, now: datetime, quote: Quote) -> None:
        """Record the latest quote (spread and queue size for later matches)."""
        self.advance_to(now)
        self._state += 1
        self._quotes[quote.symbol] = quote

    def on_bar(self, now: datetime, bar: Bar) -> None:
        """Make ``bar`` the market for its interval and schedule the fills it gives.

        Call it at the bar's start for exact fill times; called later, fills that would
        lie in the past happen at ``now``. Orders that became ready after the bar's
        end are not matched: no order fills on a bar that ended before it was ready.
        """
        self.advance_to(now)
        self._set_last_bar(bar.symbol, bar)
        orders = self._book.working.get(bar.symbol)
        if orders:
            match_bar(
                self._book,
                self.config,
                now,
                bar,
                orders,
                self._quotes.get(bar.symbol),
                exec_ids=self._exec_ids,
                free_fills=self._free_fills,
            )

    def _on_fill(self, fill: Fill, before: Decimal) -> None:
        self._day_trades.on_fill(fill, before)
        self._equity.touch(fill.symbol)

    def _set_last_bar(self, symbol: str, bar: Bar) -> None:
        self._state += 1
        self._equity.touch(symbol)
        self._book.reservations.touch_price(symbol)
        self._last_bars[symbol] = bar
        self._unmarked[symbol] = None

    def _mark(self, symbol: str) -> Decimal | None:
        """The last close of ``symbol`` as a price (``None``: no bar yet)."""
        if symbol in self._unmarked:
            del self._unmarked[symbol]
            self._marks[symbol] = to_price(self._last_bars[symbol].close)
        return self._marks.get(symbol)

    def _all_marks(self) -> dict[str, Decimal]:
        """Every symbol's last close as a price (the equity marks)."""
        for symbol in self._unmarked:
            self._marks[symbol] = to_price(self._last_bars[symbol].close)
        self._unmarked.clear()
        return self._marks

    def has_working(self, symbol: str) -> bool:
        """Return whether any order in ``symbol`` is working (a bar could fill it)."""
        return bool(self._book.working.get(symbol))

    def working_symbols(self) -> KeysView[str]:
        """Return the symbols :meth:`has_working` is true for, as a live view.

        The book drops a symbol's entry when its last working order stops, so a
        symbol is in the view exactly when it has one.
        """
        return self._book.working.keys()

    def last_bar(self, symbol: str) -> Bar | None:
        """Return the last bar seen for ``symbol``, if any."""
        return self._last_bars.get(symbol)

    # --- corporate actions ------------------------------------------------------------

    def apply_corporate_action(
        self, now: datetime, action: CorporateAction, *, whole_shares: bool = False
    ) -> ActionBooking:
        """Apply ``action`` to the account at ``now`` (its ex-date's start); report it.

        Splits and renames cancel the symbol's open orders first (CANCELED events,
        reason ``corporate_action``); then the position and cash change and the
        symbol's last mark moves with them
        (:mod:`tradecore.domain.venue.corporate_actions`). ``whole_shares``: pay a
        split's fractional share in cash (else keep fractions to 1e-9, as Alpaca).
        """
        self.advance_to(now)
        self._state += 1
        symbol = action.symbol
        book = self._book
        canceled: list[str] = []
        if cancels_orders(action):
            for order in [o for o in book.open.values() if o.spec.symbol == symbol]:
                if not order.is_final:
                    book.finalize(
                        order,
                        B.CANCELED,
                        now,
                        OrderEventKind.CANCELED,
                        reason=CANCEL_REASON,
                    )
                    canceled.append(order.client_order_id)
        bar = self._last_bars.get(symbol)
        reference = None if bar is None else to_price(bar.close)
        terms = terms_of(action, reference, whole_shares=whole_shares)
        book.ledger, effect = apply_terms(book.ledger, terms)
        for touched in (symbol, terms.symbol_after):
            book.reservations.touch_symbol(touched)
            self._equity.touch(touched)
        if bar is not None:
            self._remark(action, bar)
        return ActionBooking(
            terms=terms, effect=effect, applied_at=now, canceled_orders=tuple(canceled)
        )

    def _remark(self, action: CorporateAction, bar: Bar) -> None:
        """Move the symbol's last mark the way the action moves its price."""
        if action.kind is CorporateKind.NAME_CHANGE:
            assert action.new_symbol is not None
            del self._last_bars[action.symbol]
            self._marks.pop(action.symbol, None)
            self._unmarked.pop(action.symbol, None)
            self._equity.touch(action.symbol)
            self._book.reservations.touch_price(action.symbol)
            if action.new_symbol not in self._last_bars:
                self._set_last_bar(
                    action.new_symbol, attrs.evolve(bar, symbol=action.new_symbol)
                )
            return
        if action.is_split:
            assert action.ratio is not None
            price, volume = float(Decimal(1) / action.ratio), float(action.ratio)
        else:
            assert action.cash is not None
            price, volume = 1.0 - float(action.cash) / bar.close, 1.0
        if price > 0:
            self._set_last_bar(
                action.symbol,
                attrs.evolve(
                    bar,
                    open=bar.open * price,
                    high=bar.high * price,
                    low=bar.low * price,
                    close=bar.close * price,
                    volume=bar.volume * volume,
                ),
            )

    # --- requests --------------------------------------------------------------------

    def submit(self, now: datetime, client_order_id: str, spec: OrderSpec) -> SimOrder:
        """Accept an order for asynchronous handling and return a copy of it.

        Raises: as :meth:`submit_as`.
        """
        return self.submit_as(now, client_order_id, spec, frozen.replace)

    def submit_as(
        self,
        now: datetime,
        client_order_id: str,
        spec: OrderSpec,
        view: Callable[[SimOrder], T],
    ) -> T:
        """:meth:`submit`, returning ``view`` of the accepted order instead of a copy.

        ``view`` reads the venue's own order and must not keep it: an adapter turns
        it into its port's value directly (one conversion where a copy and then a
        conversion would be two).

        Raises:
            DuplicateClientOrderId: the id was used before (the original is unchanged).
            BrokerRejected: unknown symbol, or no price for a market order.
            InsufficientBuyingPower: the order would tie up more than is free.
        """
        self.advance_to(now)
        self._check_new_id(client_order_id)
        if self.config.tradable is not None:  # else every symbol is
            self._check_tradable(spec.symbol)
        if self._passed != (spec, now, self._state):
            breach = self.rule_breach(now, spec)
            if breach is not None:
                raise BrokerRuleBreached(breach)
        self._state += 1
        # ``_order_qty`` is called for a notional order alone (a share order's
        # quantity is its own: the call would return it).
        qty = spec.qty if spec.qty is not None else self._order_qty(spec)
        self._check_buying_power(spec, qty, exclude=None)
        if self._instant_submit:  # no delay and no draw: what the calls would give
            ack_at = ready_at = now
        else:
            ack_at, ready_at = submit_times(
                self.config.fill_model.latency, self._rng, now
            )
        auction = None
        if spec.time_in_force in _AUCTION_TIF:
            auction = self._auction_span(now, spec.time_in_force)
            ready_at = max(ready_at, auction[0])
        reason = self._reject_reason(now, spec)
        order = self._create(now, client_order_id, spec, qty, ready_at)
        book = self._book
        book.schedule(
            ack_at,
            Action(kind=_ACK, order_id=order.broker_order_id, reason=reason),
        )
        if reason is None:
            book.work(order)
            if auction is None:
                book.schedule_expiry(order, now)
            else:
                self._end_auction(order, auction[1])
            if spec.bracket is not None:
                order.leg_ids = create_legs(book, self.config.seed, order, now)
                if spec.oco:  # an exit: its stop-loss works from the start
                    for leg_id in order.leg_ids:
                        book.arm(book.orders[leg_id], ready_at)
            if spec.order_type is _TRAILING_STOP:
                order.hwm = self._mark(spec.symbol)
        return view(order)

    def cancel(self, now: datetime, broker_order_id: str) -> None:
        """Request a cancel that takes effect after the cancel latency.

        Fills scheduled before the cancel takes effect still happen; a repeated request
        while one is pending is a no-op.

        Raises:
            OrderNotFound: no such order.
            OrderNotCancelable: the order is final, or a replace is pending.
        """
        self.advance_to(now)
        self._state += 1
        order = self._get(broker_order_id)
        self._check_cancelable(order)
        if order.status is B.PENDING_CANCEL:
            return
        effect = now + timedelta(
            seconds=self.config.fill_model.latency.cancel(self._rng)
        )
        order.status, order.updated_at = B.PENDING_CANCEL, now
        self._book.resting.touch(order)  # a pending cancel no longer rests
        order.tighten_deadline(effect)
        self._book.emit(OrderEventKind.PENDING_CANCEL, order, now)
        self._book.schedule(
            effect,
            Action(kind=ActionKind.CANCEL, order_id=broker_order_id, reason="canceled"),
        )

    def replace(
        self,
        now: datetime,
        broker_order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        trail: Decimal | None = None,
    ) -> SimOrder:
        """Replace a working order after the cancel latency; return the new order.

        The new order's quantity defaults to what the old one has left. A bracket or
        OCO leg may change its prices (Alpaca: "Replace works on limit_price and
        stop_price"); an entry with legs, or an OCO's take-profit, may not. ``trail``
        is a trailing stop's new distance (its price or percent, as it was placed).

        Raises:
            OrderNotFound: no such order.
            OrderNotCancelable: final, not yet accepted, pending, an entry with legs,
                or with nothing left.
            DuplicateClientOrderId: ``client_order_id`` was used before.
            BrokerRuleBreached: the new order breaks a rule on its own shape.
            InsufficientBuyingPower: the new order would tie up more than is free.
        """
        self.advance_to(now)
        self._state += 1
        old = self._get(broker_order_id)
        self._check_cancelable(old)
        # Not yet accepted, being canceled, or with legs: not replaceable.
        if old.status in _NOT_REPLACEABLE or old.leg_ids or self._unarmed_leg(old):
            raise OrderNotCancelable(f"order {broker_order_id} cannot be replaced now")
        self._check_new_id(client_order_id)
        new_qty = old.remaining if qty is None else qty
        if new_qty <= 0:
            raise OrderNotCancelable(f"order {broker_order_id} has nothing left")
        spec = attrs.evolve(
            _with_trail(old.spec, trail),
            qty=new_qty,
            notional=None,
            limit_price=limit_price or old.spec.limit_price,
            stop_price=stop_price or old.spec.stop_price,
        )
        breach = shape_breach(spec)  # e.g. a sub-penny price: refused as on submit
        if breach is not None:
            raise BrokerRuleBreached(breach)
        self._check_buying_power(spec, new_qty, exclude=broker_order_id)
        return self._schedule_replace(now, old, client_order_id, spec)

    def _unarmed_leg(self, order: SimOrder) -> bool:
        # A leg waiting for its entry to fill is not working yet: nothing to replace.
        return order.parent_id is not None and order.broker_order_id not in (
            self._book.working.get(order.spec.symbol, {})
        )

    # --- queries ---------------------------------------------------------------------

    def rule_breach(self, now: datetime, spec: OrderSpec) -> RuleBreach | None:
        """Return the Alpaca order rule ``spec`` breaks here and now, if any."""
        symbol = spec.symbol
        known = self._context_rules.get(symbol)
        if known is None:
            known = self._rules_of(symbol)
        asset, rules, plain_rules, market_rules = known
        auction = spec.time_in_force in _AUCTION_TIF
        if (
            market_rules
            and not auction
            and spec.bracket is None
            and self._clears_market(now, spec)
        ):
            self._passed = (spec, now, self._state)
            return None
        breach = shape_breach(spec)
        if breach is not None or not CONTEXT_RULES:
            return breach  # no rule needs the book: skip building its view
        session = None
        if auction:  # only auction orders need it
            session = self._session_on(now)
        elif spec.bracket is None:
            # Skips the bracket and auction rules: each would return None first
            # thing for this order (about 4 K instructions of every market order).
            rules = plain_rules
        return self._context_breach(now, spec, asset, rules, session)

    def full_rule_breach(self, now: datetime, spec: OrderSpec) -> RuleBreach | None:
        """:meth:`rule_breach` asking every rule in a built context: its oracle.

        No shortcut (no flag-gated rule left out, no order cleared without a
        context); for tests, never on the request path.
        """
        breach = shape_breach(spec)
        if breach is not None or not CONTEXT_RULES:
            return breach
        session = None
        if spec.time_in_force in _AUCTION_TIF:
            session = self._session_on(now)
        asset = venue_asset(self.config.assets, spec.symbol)
        return self._context_breach(now, spec, asset, CONTEXT_RULES, session)

    def _rules_of(
        self, symbol: str
    ) -> tuple[AssetFlags, tuple[ContextRule, ...], tuple[ContextRule, ...], bool]:
        """The asset of ``symbol`` and the rules its orders are checked against
        (kept in ``_context_rules``: both are fixed by the config)."""
        asset = venue_asset(self.config.assets, symbol)
        rules = context_rules_for(asset, self.config.account)
        plain = plain_order_rules(rules)
        known = (asset, rules, plain, set(plain) <= MARKET_ORDER_RULES)
        self._context_rules[symbol] = known
        return known

    def _context_breach(
        self,
        now: datetime,
        spec: OrderSpec,
        asset: AssetFlags,
        rules: tuple[ContextRule, ...],
        session: Session | None,
    ) -> RuleBreach | None:
        """The first of ``rules`` that ``spec`` breaks in the venue's context now."""
        symbol = spec.symbol
        opened_today = self._day_trades.opened_today(symbol, now)
        context = venue_rule_context(
            now=now,
            asset=asset,
            account=self._rule_flags(now, spec, opened_today),
            reference_price=self._mark(symbol),
            position=self._book.ledger.position(symbol),
            resting=self._book.resting.summary(symbol, self._book.working),
            opened_today=opened_today,
            session=session,
        )
        breach = context_breach(spec, context, rules)
        if breach is None:
            self._passed = (spec, now, self._state)
        return breach

    def clears_market_order(self, now: datetime, spec: OrderSpec) -> bool:
        """Whether :meth:`rule_breach` passes ``spec`` without a rule context: a
        whole-share market order (no bracket, no auction) in a symbol whose plain
        rules are all :data:`MARKET_ORDER_RULES`, none of which refuses it now.

        ``False`` says only that the full check must answer. Each rule's refusing
        case is read from what its context would carry, without building the
        context, the account's flags and five rule calls (most of the cost of a
        check, made before every order). A property test holds every ``True`` to
        the full check's ``None``.
        """
        known = self._context_rules.get(spec.symbol) or self._rules_of(spec.symbol)
        return (
            known[3]
            and spec.bracket is None
            and spec.time_in_force not in _AUCTION_TIF
            and self._clears_market(now, spec)
        )

    def _clears_market(self, now: datetime, spec: OrderSpec) -> bool:
        """:meth:`clears_market_order` of an order without a bracket, not for an
        auction, in a symbol whose plain rules are all :data:`MARKET_ORDER_RULES`
        (what :meth:`rule_breach` knows when it asks). No shape rule refuses the
        orders it clears: whole shares at market, no notional, no bracket."""
        qty = spec.qty
        if (
            spec.order_type is not _MARKET
            or qty is None
            or spec.limit_price is not None
            or spec.stop_price is not None
            or qty != qty.to_integral_value()  # ``fractional_short``'s orders
        ):
            return False
        symbol = spec.symbol
        book = self._book
        position = book.ledger.position(symbol)
        summary = book.resting.summary(symbol, book.working)
        if spec.side is _BUY:
            # ``buy_below_minimum_at_market``: worth $1 at the reference price.
            mark = self._mark(symbol)
            if mark is not None and qty * mark < fractional.MINIMUM_BUY:
                return False
            # ``wash_trade``: a market order crosses any limit on the other side.
            if summary.lowest_sell_limit is not None:
                return False
            closing, held = position < _ZERO, summary.held_for_buys
        else:
            if summary.highest_buy_limit is not None:
                return False
            closing, held = position > _ZERO, summary.held_for_sells
        # ``insufficient_qty_available``: closing more than the position has free.
        if closing and qty > max(abs(position) - held, _ZERO):
            return False
        return not self._may_refuse_day_trade(now, spec)

    def _may_refuse_day_trade(self, now: datetime, spec: OrderSpec) -> bool:
        """Whether ``pattern_day_trading`` would refuse ``spec`` in the venue's
        context now: the day trade of a margin account that used its day trades
        while the rule is in force, with an equity under the minimum (the cash
        floor first, the marked equity only when it does not reach it)."""
        if not pdt_in_force(now) or self.config.account.multiplier <= 1:
            return False
        day_trades = self._day_trades
        if not is_day_trade(spec, day_trades.opened_today(spec.symbol, now)):
            return False
        if day_trades.count(now) < DAY_TRADES_ALLOWED:
            return False
        ledger = self._book.ledger
        floor = cash_floor(ledger)
        if floor is not None and meets_pdt_equity(floor):
            return False
        return not meets_pdt_equity(self._equity.equity(ledger, self._mark))

    def _session_on(self, now: datetime) -> Session | None:
        """The session on ``now``'s New York date, if any (and if the calendar knows)."""
        calendar = self.config.calendar
        if calendar.is_always_open:
            return None
        try:
            return calendar.session(session_date(now))
        except InvalidInput:
            return None

    def account_flags(self, now: datetime) -> AccountFlags:
        """Return the configured flags with the day trades counted here and today's equity.

        The count is reported only while the pattern-day-trader rule is in force
        (:mod:`tradecore.domain.broker_rules.day_trading`); equity is marked only
        when the count could matter.
        """
        count = self._day_trades.count(now) if pdt_in_force(now) else None
        if count is not None and count >= DAY_TRADES_ALLOWED:
            equity = self._book.ledger.equity(self._all_marks())
            return self._flags_with_equity(count, equity)
        return self._flags_counting(count)

    def _rule_flags(
        self, now: datetime, spec: OrderSpec, opened_today: Decimal
    ) -> AccountFlags:
        """:meth:`account_flags` as the rules read them for ``spec``.

        Equity is read by the pattern-day-trader rule alone, and only for a day
        trade of a margin account that used its day trades; marking the books is
        the costly part of a check, so it is left out when no rule would read it.
        The rule only asks whether equity meets its minimum
        (:func:`~tradecore.domain.broker_rules.day_trading.meets_pdt_equity`): when
        the books' :func:`~tradecore.domain.venue.equity.cash_floor` already does,
        the flags carry that floor instead of the marked equity (same answer), and
        a marked equity that meets it reuses the flags of the last one that did.
        """
        count = self._day_trades.count(now) if pdt_in_force(now) else None
        if (
            count is not None
            and count >= DAY_TRADES_ALLOWED
            and self.config.account.multiplier > 1
            and is_day_trade(spec, opened_today)
        ):
            ledger = self._book.ledger
            floor = cash_floor(ledger)
            if floor is not None and meets_pdt_equity(floor):
                return self._flags_meeting(count, floor)
            equity = self._equity.equity(ledger, self._mark)
            if meets_pdt_equity(equity):  # answers as any meeting equity: reused
                return self._flags_meeting(count, equity)
            return self._flags_with_equity(count, equity)
        return self._flags_counting(count)

    def _flags_with_equity(self, count: int, equity: Decimal) -> AccountFlags:
        # The account's flags carry no validator: a trusted copy is the same value.
        return _flags_with_count_and_equity(self.config.account, count, equity)

    def _flags_meeting(self, count: int, floor: Decimal) -> AccountFlags:
        """:meth:`_flags_with_equity` for an equity ``floor`` that meets the PDT
        minimum (the cash floor, or the marked equity itself). The rule reads only
        *whether* equity meets it, so the flags last built for ``count`` with a
        meeting equity answer alike and are reused (a copy of the account's flags
        saved on every other check of a day-trading replay)."""
        cached = self._meeting
        if cached is None or cached.daytrade_count != count:
            self._meeting = cached = self._flags_with_equity(count, floor)
        return cached

    def _flags_counting(self, count: int | None) -> AccountFlags:
        cached = self._flags
        if cached is None or cached.daytrade_count != count:
            self._flags = cached = _flags_with_count(self.config.account, count)
        return cached

    def order(self, broker_order_id: str) -> SimOrder:
        """Return a copy of the order with the venue's id (raises OrderNotFound)."""
        return frozen.replace(self._get(broker_order_id))

    def order_by_client_id(self, client_order_id: str) -> SimOrder:
        """Return a copy of the order placed under ``client_order_id``."""
        order = self._book.by_client_id.get(client_order_id)
        if order is None:
            raise OrderNotFound(f"no order with client id {client_order_id}")
        return frozen.replace(order)

    def open_orders(self) -> list[SimOrder]:
        """Return copies of the non-final orders, oldest first (held legs excluded)."""
        return [
            frozen.replace(o)
            for o in self._book.open.values()
            if o.status is not B.HELD
        ]

    def positions(self) -> list[Position]:
        """Return the non-flat positions, sorted by symbol."""
        return self._book.ledger.positions()

    def account(self, now: datetime) -> AccountSnapshot:
        """Return cash, buying power and equity marked at the last bar closes."""
        self.advance_to(now)
        ledger = self._book.ledger
        return AccountSnapshot(
            cash=ledger.cash,
            buying_power=self._buying_power(exclude=None),
            equity=ledger.equity(dict(self._all_marks())),
            as_of=now,
            daytrade_count=self._day_trades.count(now) if pdt_in_force(now) else None,
            pattern_day_trader=self.config.account.pattern_day_trader,
        )

    @property
    def ledger(self) -> Ledger:
        """The venue's exact books (cash, holdings, fees)."""
        return self._book.ledger

    # --- helpers -----------------------------------------------------------------

    def _get(self, broker_order_id: str) -> SimOrder:
        order = self._book.orders.get(broker_order_id)
        if order is None:
            raise OrderNotFound(f"no order with broker id {broker_order_id}")
        return order

    def _check_new_id(self, client_order_id: str) -> None:
        if self._book.knows_client_id(client_order_id):
            raise DuplicateClientOrderId(f"client order id {client_order_id} was used")

    def _check_tradable(self, symbol: str) -> None:
        tradable = self.config.tradable
        if tradable is not None and symbol not in tradable:
            raise BrokerRejected(f"{symbol} is not tradable", code="asset_not_tradable")

    @staticmethod
    def _check_cancelable(order: SimOrder) -> None:
        if order.is_final:
            raise OrderNotCancelable(f"order {order.broker_order_id} is {order.status}")
        if order.status is B.PENDING_REPLACE:
            raise OrderNotCancelable(f"order {order.broker_order_id}: replace pending")

    def _reference_price(self, spec: OrderSpec) -> Decimal:
        return order_price(spec) or self._last_price(spec.symbol)

    def _order_qty(self, spec: OrderSpec) -> Decimal:
        if spec.qty is not None:
            return spec.qty
        assert spec.notional is not None  # OrderSpec requires one of them
        qty = quantize_qty(spec.notional / self._reference_price(spec), FRACTION_STEP)
        if qty <= 0:
            raise BrokerRejected(f"notional {spec.notional} buys nothing", code="qty")
        return qty

    def resting_summary(self, symbol: str) -> RestingSummary:
        """The resting orders of ``symbol`` as the book rules read them (incremental)."""
        return self._book.resting.summary(symbol, self._book.working)

    def resting_from_scratch(self, symbol: str) -> RestingSummary:
        """:meth:`resting_summary` walking every working order: its oracle."""
        return summarize(resting_orders(self._book.working.get(symbol, {}).values()))

    def buying_power_from_scratch(self) -> Decimal:
        """Return buying power walking every open order: the incremental figure's oracle.

        O(open orders); for tests and diagnostics, never on the request path.
        """
        book = self._book
        reserved = reserved_from_scratch(
            book.open.values(), book.ledger, self._last_price
        )
        return free_cash(book.ledger) - reserved

    def _last_price(self, symbol: str) -> Decimal:
        mark = self._mark(symbol)
        if mark is None:
            raise BrokerRejected(f"no price for {symbol} yet", code="no_market_data")
        return mark

    def _buying_power(self, exclude: str | None) -> Decimal:
        book = self._book
        reservations = book.reservations
        reserved = reservations.reserved(
            book.open, book.ledger, self._last_price, exclude
        )
        return reservations.free_cash(book.ledger) - reserved

    def _check_buying_power(
        self, spec: OrderSpec, qty: Decimal, exclude: str | None
    ) -> None:
        position = self._book.ledger.position(spec.symbol)
        need = order_reservation(spec.side, qty, self._reference_price(spec), position)
        if need <= _ZERO:  # a Decimal zero: no int converted per submit
            return  # it only closes: no need to count what the others tie up
        available = self._buying_power(exclude)
        if need > available:
            raise InsufficientBuyingPower(
                f"order needs {need}, buying power is {available}",
                code="insufficient_buying_power",
            )

    def _reject_reason(self, now: datetime, spec: OrderSpec) -> str | None:
        config = self.config
        rate = config.random_reject_rate
        draw = float(self._rng().random()) if rate > 0 else 1.0
        if (
            config.outside_hours is _REJECT_CLOSED  # else a closed market queues
            and not spec.extended_hours
            and not config.calendar.is_open(now)
        ):
            return "market closed"
        return "random reject" if draw < rate else None

    def _auction_span(
        self, now: datetime, tif: TimeInForce
    ) -> tuple[datetime, datetime]:
        """When an ``opg``/``cls`` order sent at ``now`` may fill: one bar of a session.

        ``opg``: the first bar of the next session to open (Alpaca routes it to the
        opening auction; unfilled, it is canceled after the open). ``cls``: the last
        bar of the session that closes next (early closes included: the calendar's
        close). Times come from the calendar, never fixed hours.
        """
        calendar = self.config.calendar
        interval = self.config.bar_interval
        if tif is TimeInForce.OPG:
            opens = calendar.next_open(now)
            return opens, min(opens + interval, calendar.next_close(opens))
        closes = calendar.next_close(now)
        opens = now if calendar.is_open(now) else calendar.next_open(now)
        return max(closes - interval, min(opens, closes)), closes

    def _end_auction(self, order: SimOrder, end: datetime) -> None:
        """Cancel an ``opg`` order (expire a ``cls`` one) not filled by ``end``."""
        order.tighten_deadline(end)
        if order.spec.time_in_force is TimeInForce.OPG:
            action = Action(
                kind=ActionKind.CANCEL,
                order_id=order.broker_order_id,
                reason="opg order not filled in the opening auction",
            )
        else:
            action = Action(kind=ActionKind.EXPIRE, order_id=order.broker_order_id)
        self._book.schedule(end, action)

    def _create(
        self,
        now: datetime,
        client_order_id: str,
        spec: OrderSpec,
        qty: Decimal,
        ready_at: datetime,
    ) -> SimOrder:
        book = self._book
        order = SimOrder(
            broker_order_id=derive_from(self._order_ids, str(book.created)),
            client_order_id=client_order_id,
            spec=spec,
            qty=qty,
            status=_PENDING_NEW,
            submitted_at=now,
            updated_at=now,
            ready_at=ready_at,
        )
        book.add(order)
        return order

    def _schedule_replace(
        self, now: datetime, old: SimOrder, client_order_id: str, spec: OrderSpec
    ) -> SimOrder:
        latency = self.config.fill_model.latency
        effect = now + timedelta(seconds=latency.cancel(self._rng))
        ready_at = effect + timedelta(seconds=latency.first_fill(self._rng))
        old.status, old.updated_at = B.PENDING_REPLACE, now
        old.tighten_deadline(effect)
        self._book.emit(OrderEventKind.PENDING_REPLACE, old, now)
        assert spec.qty is not None
        new = self._create(now, client_order_id, spec, spec.qty, ready_at)
        self._book.schedule(
            effect,
            Action(
                kind=ActionKind.REPLACE,
                order_id=old.broker_order_id,
                other_id=new.broker_order_id,
            ),
        )
        return frozen.replace(new)
