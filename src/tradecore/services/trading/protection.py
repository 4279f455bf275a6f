"""Protection on every path: a bracket where the broker allows one, else a stop on fill.

A target with :class:`~tradecore.domain.strategies.protocol.Protection` (or the
configured default protection) must open a position that is protected at the
broker within one cycle of its first fill, whatever path placed it:

* an entry from flat, sent as a market or limit order for the day or good till
  canceled, outside extended hours, carries a bracket (Alpaca's rules for a bracket
  entry, docs/alpaca.md): the legs rest at the broker from the fill on;
* any other entry (adding to a position, a sliced parent's children, an extended-
  hours or IOC order) is registered here, and each of its fills gets a protective
  order for the filled quantity, placed as the fill arrives: a good-till-canceled
  stop at the stop-loss (or a limit at the take-profit when only that is set).
  There is no OCO on every path, so with both set the stop is placed and the
  decision records that the take-profit was not attached.

What was done is written into the decision's details (``protection``), including
why nothing could be attached: a protection is never dropped silently. A strategy
order that trades against a protected position first cancels the resting
protective orders of that symbol, so a stop cannot fire after the strategy closed
the position and open it the other way.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import attrs

from tradecore.domain.hashing import sha256_hex
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.events import ENDING_KINDS, OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import (
    Bracket,
    OrderSpec,
    OrderType,
    Side,
    TimeInForce,
)
from tradecore.domain.strategies.protocol import Protection
from tradecore.services.orders.order_manager import OrderManager

#: The decision-details key that says what protection an order got, and why not.
PROTECTION = "protection"
#: ``execution_policy`` of a protective order placed for an entry's fill.
PROTECTIVE = "protective"
#: The event kinds after which :meth:`ProtectionDesk.on_event` forgets the order
#: (it ended, or filled): the engine hands it no other event.
ENDS_PROTECTION = ENDING_KINDS | {OrderEventKind.FILL}
#: Entry types and times in force a bracket may have (Alpaca).
_BRACKET_TYPES = (OrderType.MARKET, OrderType.LIMIT)
_BRACKET_TIF = (TimeInForce.DAY, TimeInForce.GTC)
_ZERO = Decimal(0)
#: Enum members read on every order, as module constants: on Python 3.11 an
#: enum class's attribute goes through ``EnumType.__getattr__``'s slot hook,
#: about 900 instructions a read (cachegrind), a global's a few.
_BUY = Side.BUY


@attrs.frozen(kw_only=True, slots=True)
class _Pending:
    protection: Protection
    side: Side
    price: Decimal
    strategy_id: str
    config_hash: str


def _is_entry(current: Decimal, side: Side) -> bool:
    """An order that opens or grows a position (a flip through zero counts too)."""
    # Against a Decimal zero, which needs no conversion per comparison.
    return current == _ZERO or (current > _ZERO) == (side is _BUY)


def bracket_allowed(spec: OrderSpec, current: Decimal) -> str | None:
    """Why ``spec`` cannot carry a bracket (``None``: it can)."""
    if current != 0:
        return "not an entry from flat"
    if spec.order_type not in _BRACKET_TYPES:
        return f"a {spec.order_type.value} entry"
    if spec.time_in_force not in _BRACKET_TIF:
        return f"time in force {spec.time_in_force.value}"
    if spec.extended_hours:
        return "extended hours"
    if spec.qty is None:
        return "a notional order"
    return None


class ProtectionDesk:
    """Attaches protection to entries, and places protective orders on fills."""

    def __init__(self, orders: OrderManager, default: Protection | None) -> None:
        """Place through ``orders``; ``default`` protects targets without their own."""
        self._orders = orders
        self._default = default
        self._pending: dict[str, _Pending] = {}
        self._parents: dict[str, Protection] = {}
        self._resting: dict[str, dict[str, OrderIntent]] = {}
        self._resting_symbol: dict[str, str] = {}
        #: Bracketed entries by symbol: their legs rest at the broker holding the
        #: shares until an exit cancels them (Alpaca refuses a sell of held shares).
        self._brackets: dict[str, dict[str, OrderIntent]] = {}
        #: The client order ids of the protective orders placed, in order.
        self.placed: list[str] = []
        #: The two books :meth:`clear_for` cancels from (the same dicts for the
        #: desk's life): while both are empty it cancels nothing and returns 0,
        #: whatever the position and side, so a caller may skip the call (and
        #: the position it would pass). Why: every order asked it (cachegrind,
        #: 10 x 5k replay: 5,386 M to 5,378 M, 4.3 K instructions an order; see
        #: ``TradingEngine._decide``, ``tests/property/test_protection_clear_skip.py``).
        self.books: tuple[dict[str, dict[str, OrderIntent]], ...] = (
            self._resting,
            self._brackets,
        )

    def protection(self, own: Protection | None) -> Protection | None:
        """The protection an order toward a target gets: its own, else the default."""
        return own if own is not None else self._default

    def attach(
        self,
        protection: Protection | None,
        spec: OrderSpec,
        current: Decimal,
        price: Decimal,
    ) -> tuple[OrderSpec, str | None]:
        """Return ``spec`` with a bracket if it may carry one, and what was done.

        The note (``None``: nothing to protect) goes into the decision's details.
        An entry that cannot carry a bracket is protected on its fills: call
        :meth:`expect` with its client order id once it is placed.
        """
        if protection is None or not _is_entry(current, spec.side):
            return spec, None
        if spec.bracket is not None:
            return spec, "bracket"
        why = bracket_allowed(spec, current)
        if why is None:
            bracket = protection.bracket(spec.side, price)
            return attrs.evolve(spec, bracket=bracket), "bracket"
        return spec, f"on fill: {self._on_fill_kind(protection)} ({why})"

    @staticmethod
    def _on_fill_kind(protection: Protection) -> str:
        if protection.stop_loss_bps is None:
            return "take-profit limit"
        if protection.take_profit_bps is None:
            return "stop"
        return "stop; take-profit not attached (no OCO on this path)"

    def expect(self, intent: OrderIntent, protection: Protection) -> None:
        """Protect each fill of ``intent`` (placed without a bracket) when it comes."""
        self._pending[intent.client_order_id] = _Pending(
            protection=protection,
            side=intent.spec.side,
            price=intent.arrival_price or Decimal(0),
            strategy_id=intent.decision_key.strategy_id,
            config_hash=intent.config_hash,
        )

    def parent(
        self, parent: OrderIntent, protection: Protection | None, current: Decimal
    ) -> str | None:
        """Protect the fills of a sliced parent's children; return the decision's note."""
        if protection is None or not _is_entry(current, parent.spec.side):
            return None
        self._parents[parent.client_order_id] = protection
        return f"on fill: {self._on_fill_kind(protection)} (sliced parent)"

    def child_placed(self, parent_client_order_id: str, child: OrderIntent) -> None:
        """A child of a protected parent was placed: protect its fills."""
        protection = self._parents.get(parent_client_order_id)
        if protection is not None and not child.is_terminal:
            self.expect(child, protection)

    def expects(self, client_order_id: str) -> bool:
        """Whether fills of ``client_order_id`` get a protective order."""
        return client_order_id in self._pending

    def on_fill(self, fill: Fill, decide: Callable[[str, str], DecisionRecord]) -> None:
        """Place the protective order for ``fill`` if its order asked for one.

        ``decide(symbol, inputs_hash)`` makes the protective order's decision record.
        """
        pending = self._pending.get(fill.client_order_id)
        if pending is None:
            return
        spec = self._protective_spec(pending, fill)
        inputs = sha256_hex([fill.client_order_id, fill.execution_id])
        decision = decide(fill.symbol, inputs)
        decision = attrs.evolve(
            decision,
            details={
                **decision.details,
                PROTECTION: "protective order",
                "protects": fill.client_order_id,
                "execution_id": fill.execution_id,
            },
        )
        key = DecisionKey(
            strategy_id=pending.strategy_id,
            symbol=fill.symbol,
            side=spec.side,
            session_date=decision.decided_at.date(),
            horizon="protect",
            signal_hash=inputs[:16],
            qty=fill.qty,
        )
        intent = OrderIntent.create(
            key,
            spec,
            decided_at=decision.decided_at,
            arrival_price=fill.price,
            execution_policy=PROTECTIVE,
            config_hash=pending.config_hash,
        )
        if (breach := self._orders.rule_breach(spec)) is not None:
            self._orders.record_breach(decision, breach)  # skipped(broker_rules:...)
            return
        stored = self._orders.place(decision, intent)
        self.placed.append(stored.client_order_id)
        if not stored.is_terminal:
            self._rest(stored)

    def _protective_spec(self, pending: _Pending, fill: Fill) -> OrderSpec:
        bracket: Bracket = pending.protection.bracket(pending.side, fill.price)
        exit_side = Side.SELL if pending.side is Side.BUY else Side.BUY
        if bracket.stop_loss_stop is not None:
            return OrderSpec(
                symbol=fill.symbol,
                side=exit_side,
                qty=fill.qty,
                order_type=OrderType.STOP,
                stop_price=bracket.stop_loss_stop,
                time_in_force=TimeInForce.GTC,
            )
        assert bracket.take_profit_limit is not None  # a protection has one of both
        return OrderSpec(
            symbol=fill.symbol,
            side=exit_side,
            qty=fill.qty,
            order_type=OrderType.LIMIT,
            limit_price=bracket.take_profit_limit,
            time_in_force=TimeInForce.GTC,
        )

    def restore_resting(self, intent: OrderIntent) -> None:
        """Remember an open protective order found in the store (a restart), so an
        exit cancels it first as it would have in the process that placed it."""
        self._rest(intent)

    def _rest(self, intent: OrderIntent) -> None:
        symbol = intent.spec.symbol
        self._resting.setdefault(symbol, {})[intent.client_order_id] = intent
        self._resting_symbol[intent.client_order_id] = symbol

    def on_event(self, event: OrderEvent) -> None:
        """Forget orders that ended (protective ones and entries)."""
        if event.kind in ENDS_PROTECTION:
            self._forget(event.client_order_id)
            self._pending.pop(event.client_order_id, None)

    def _forget(self, cid: str) -> None:
        symbol = self._resting_symbol.pop(cid, None)
        if symbol is not None:
            self._resting.get(symbol, {}).pop(cid, None)

    def is_protective(self, client_order_id: str) -> bool:
        """Whether ``client_order_id`` is a resting protective order of ours."""
        return client_order_id in self._resting_symbol

    def note_bracket(self, intent: OrderIntent) -> None:
        """Remember a placed entry that carries a bracket (its legs rest later)."""
        self._brackets.setdefault(intent.spec.symbol, {})[intent.client_order_id] = (
            intent
        )

    def clear_for(self, symbol: str, current: Decimal, side: Side) -> int:
        """Cancel the resting protective orders of ``symbol`` before a strategy
        order of ``side`` that trades against position ``current``; return how many.

        Bracket legs are protective orders too: while they rest they hold the shares,
        and Alpaca refuses a sell of shares held by open orders ("insufficient qty
        available"), so an exit first cancels the legs of the symbol's bracketed
        entries (cancelling one leg cancels its group).
        """
        if current == _ZERO or _is_entry(current, side):
            return 0
        resting = self._resting.get(symbol, {})
        canceled = 0
        for cid, intent in list(resting.items()):
            if self._orders.cancel(intent):
                canceled += 1
            self._forget(cid)
        for intent in self._brackets.pop(symbol, {}).values():
            canceled += self._orders.cancel_legs(intent)
        return canceled
