"""The simulated venue's books: orders, the working index, the event queue, the ledger.

Everything that *happens* at the venue is an action scheduled on one heap ordered by
(timestamp, sequence) and applied when time reaches it: acknowledgements, fills,
cancels, expiries, replacements. Applying an action changes the order and the ledger
and emits the :class:`OrderEvent` the broker reports. Because a fill is applied only
when its time comes, a cancel that takes effect first wins the race, and one that takes
effect later lets the fill stand: exactly the race a live broker has.

Memory stays bounded by the open orders: the venue keeps the last
:data:`KEEP_FINAL_ORDERS` final orders for lookups, then retires the oldest (its
client order id stays known, so reusing it is still refused, as Alpaca refuses any
id it has seen). Alpaca itself keeps every order; a replay only looks an order up
right after sending it (an answer it did not get), never one settled thousands of
orders ago. Bracket legs and their parents are never retired.
"""

from __future__ import annotations

import enum
import heapq
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

import attrs

from tradecore.domain.frozen import trusted_builder
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.money import ZERO
from tradecore.domain.orders.spec import TimeInForce
from tradecore.domain.venue.buying_power import Reservations
from tradecore.domain.venue.resting_tally import RestingTally
from tradecore.domain.venue.sim_order import SimOrder

B = BrokerOrderStatus
K = OrderEventKind

#: Events and fills from the venue's own validated values (:mod:`.trusted`).
_event = trusted_builder(OrderEvent)
_fill = trusted_builder(Fill)

#: Final orders the venue keeps for lookups before retiring the oldest.
KEEP_FINAL_ORDERS = 10_000
_PENDING = frozenset({B.PENDING_CANCEL, B.PENDING_REPLACE})


class ActionKind(enum.IntEnum):
    """What a scheduled action does when its time comes."""

    ACK = 1
    FILL = 2
    CANCEL = 3
    EXPIRE = 4
    REPLACE = 5


#: Enum members read on every order, as module constants: on Python 3.11 an
#: enum class's attribute goes through ``EnumType.__getattr__``'s slot hook,
#: about 900 instructions a read (cachegrind), where a global's costs a few.
_ACK, _FILL, _REPLACE = ActionKind.ACK, ActionKind.FILL, ActionKind.REPLACE
_CANCEL, _EXPIRE = ActionKind.CANCEL, ActionKind.EXPIRE
_NEW, _ACCEPTED, _PENDING_NEW = B.NEW, B.ACCEPTED, B.PENDING_NEW
_FILLED, _PARTIALLY_FILLED = B.FILLED, B.PARTIALLY_FILLED
_DAY = TimeInForce.DAY
_ACCEPTED_EVENT, _FILL_EVENT = K.ACCEPTED, K.FILL


class Action(NamedTuple):
    """One scheduled change; ``reason`` on an ACK makes it a reject.

    A named tuple, not an attrs class: the venue schedules three per order (ack,
    fill, expiry), and a frozen attrs class with eight fields took four times as
    long to build. Immutable all the same; never compared (the heap orders its
    entries by time and sequence number first, and sequence numbers are unique).
    """

    kind: ActionKind
    order_id: str
    qty: Decimal = ZERO
    price: Decimal | None = None
    fee: Decimal = ZERO
    execution_id: str | None = None
    reason: str | None = None
    #: REPLACE: the broker id of the replacing order.
    other_id: str | None = None


@attrs.define(eq=False, slots=True)
class VenueBook:
    """Mutable state of one simulated venue, changed by the venue and its actions.

    Not a value object: thousands of orders change per simulated day.
    """

    calendar: MarketCalendar
    ledger: Ledger
    orders: dict[str, SimOrder] = attrs.Factory(dict)
    by_client_id: dict[str, SimOrder] = attrs.Factory(dict)
    #: Non-final orders by broker id, in submission order.
    open: dict[str, SimOrder] = attrs.Factory(dict)
    #: symbol -> orders that bars may still match (a dict keeps submission order).
    #: A symbol is a key only while it has one (the replay driver relies on it).
    working: dict[str, dict[str, SimOrder]] = attrs.Factory(dict)
    #: Scheduled actions, by (time, sequence number): those due no later than
    #: the last one in :attr:`lane`.
    heap: list[tuple[datetime, int, Action]] = attrs.Factory(list)
    #: Scheduled actions already in (time, sequence) order: each was due no
    #: earlier than the one before it (a day order's expiry at the session
    #: close, nearly all of them), so it needs no place in :attr:`heap`. With
    #: an expiry resting for every order of the session, the heap's comparisons
    #: of datetimes were most of a submit's and a fill's scheduling.
    lane: deque[tuple[datetime, int, Action]] = attrs.Factory(deque)
    outbox: list[OrderEvent] = attrs.Factory(list)
    sequence: int = 0
    #: What the open orders tie up; touched on every change that can move it.
    reservations: Reservations = attrs.Factory(Reservations)
    #: The resting orders per symbol as the broker rules read them (incremental).
    resting: RestingTally = attrs.Factory(RestingTally)
    #: Orders ever created (the next order's sequence number, for its id).
    created: int = 0
    #: Broker ids of final orders that may be retired, oldest first (an ordered
    #: set: ``popitem(last=False)`` is O(1), where a dict's first key is found by
    #: skipping every slot deleted before it).
    settled: OrderedDict[str, None] = attrs.Factory(OrderedDict)
    #: Client order ids of retired orders (never accepted again).
    retired_client_ids: set[str] = attrs.Factory(set)
    keep_final: int = KEEP_FINAL_ORDERS
    #: Told of every fill with the symbol's position before it (day-trade counting).
    on_fill: Callable[[Fill, Decimal], None] | None = None
    #: The latest time of an action dropped from :attr:`lane` unapplied because
    #: applying it would do nothing (:meth:`_drop_settled`), until time passes it:
    #: :meth:`next_at` still answers it once nothing else is scheduled, so a
    #: driver that runs the clock to the last scheduled time ends where it did.
    idle_until: datetime | None = None

    def add(self, order: SimOrder) -> None:
        """Register a new order under both ids."""
        self.created += 1
        self.orders[order.broker_order_id] = order
        self.by_client_id[order.client_order_id] = order
        self.open[order.broker_order_id] = order
        self.reservations.touch(order)

    def commit(self, order: SimOrder, qty: Decimal) -> None:
        """Count ``qty`` more of ``order`` as filled or scheduled to fill."""
        order.committed_qty += qty
        self.reservations.touch(order)

    def work(self, order: SimOrder) -> None:
        """Let bars match ``order``."""
        self.working.setdefault(order.spec.symbol, {})[order.broker_order_id] = order
        self.resting.touch(order)

    def unwork(self, order: SimOrder) -> None:
        """Stop matching ``order``; drop the symbol's entry when none is left."""
        self.resting.touch(order)
        orders = self.working.get(order.spec.symbol)
        if orders is not None:
            orders.pop(order.broker_order_id, None)
            if not orders:
                del self.working[order.spec.symbol]

    def schedule(self, at: datetime, action: Action) -> None:
        """Queue ``action`` for ``at``; ties keep scheduling order."""
        self.sequence += 1
        lane = self.lane
        if not lane or lane[-1][0] <= at:  # in order after the lane's last
            lane.append((at, self.sequence, action))
        else:
            heapq.heappush(self.heap, (at, self.sequence, action))

    def next_at(self) -> datetime | None:
        """When the next scheduled action is due (``None``: nothing scheduled).

        With nothing left to apply, the time of the last action dropped as a
        no-op (:attr:`idle_until`), if time has not passed it yet.
        """
        heap, lane = self.heap, self.lane
        if not heap:
            return lane[0][0] if lane else self.idle_until
        first = heap[0][0]
        return lane[0][0] if lane and lane[0][0] < first else first

    def run_due(self, now: datetime) -> None:
        """Apply every action due at or before ``now``, in (time, sequence) order
        (the heap's and the lane's merged: sequence numbers are unique, so two
        entries never compare their actions)."""
        heap, lane = self.heap, self.lane
        while True:
            if heap and (not lane or heap[0] < lane[0]):
                if heap[0][0] > now:
                    return
                at, _, action = heapq.heappop(heap)
            elif lane and lane[0][0] <= now:
                at, _, action = lane.popleft()
            else:
                return
            self._apply(at, action)

    def emit(
        self, kind: OrderEventKind, order: SimOrder, at: datetime, **kw: object
    ) -> None:
        """Record an event about ``order`` at ``at``."""
        self.outbox.append(
            _event(
                kind=kind,
                client_order_id=order.client_order_id,
                broker_order_id=order.broker_order_id,
                occurred_at=at,
                **kw,
            )
        )

    def schedule_expiry(self, order: SimOrder, at: datetime) -> None:
        """Expire a day order at the session close after ``at``.

        Placed in a session, that session's close; placed outside one (queued, as
        Alpaca queues it), the close of the session it waits for.
        """
        if order.spec.time_in_force is _DAY:
            close = self.calendar.next_close(at)
            order.tighten_deadline(close)
            self.schedule(close, Action(kind=_EXPIRE, order_id=order.broker_order_id))

    def finalize(
        self,
        order: SimOrder,
        status: BrokerOrderStatus,
        at: datetime,
        kind: OrderEventKind,
        **kw: object,
    ) -> None:
        """Move ``order`` to a final status and report it."""
        order.status, order.updated_at = status, at
        self.unwork(order)
        self.open.pop(order.broker_order_id, None)
        self.reservations.touch(order)
        self.emit(kind, order, at, **kw)
        if self.lane:
            self._drop_settled()
        if not order.leg_ids and order.parent_id is None:
            settled = self.settled
            settled[order.broker_order_id] = None
            if len(settled) > self.keep_final:
                self._retire_oldest()

    def _drop_settled(self) -> None:
        """Drop the actions at the front of :attr:`lane` that would do nothing.

        Nearly every order leaves its day-order expiry in the lane when it fills,
        and until the session close that dead entry kept the venue "pending": the
        replay driver then asked for events twice per bar timestamp for nothing.
        Skipping the entry is safe because applying it changes nothing: an action
        for a retired order, or for a final one (an order never leaves a final
        status), is a no-op in :meth:`_apply` -- except a REPLACE, which rejects
        the replacing order and so stays. Only the front is dropped: the rest
        keep their (time, sequence) order.
        """
        lane, orders = self.lane, self.orders
        while lane:
            at, _, action = lane[0]
            order = orders.get(action.order_id)
            if order is not None and (action.kind is _REPLACE or not order.is_final):
                return
            lane.popleft()
            idle = self.idle_until
            if idle is None or idle < at:
                self.idle_until = at

    def pass_idle(self, now: datetime) -> None:
        """Time reached ``now``: forget :attr:`idle_until` if it is not later."""
        idle = self.idle_until
        if idle is not None and idle <= now:
            self.idle_until = None

    def knows_client_id(self, client_order_id: str) -> bool:
        """Whether ``client_order_id`` was ever used (retired orders included)."""
        return (
            client_order_id in self.by_client_id
            or client_order_id in self.retired_client_ids
        )

    def _retire_oldest(self) -> None:
        """Forget the oldest final orders beyond ``keep_final`` (ids stay known)."""
        settled = self.settled
        while len(settled) > self.keep_final:
            broker_id, _ = settled.popitem(last=False)
            order = self.orders.pop(broker_id)
            cid = order.client_order_id
            if self.by_client_id.get(cid) is order:
                del self.by_client_id[cid]
            self.retired_client_ids.add(cid)

    # --- applying actions --------------------------------------------------------

    def _apply(self, at: datetime, action: Action) -> None:
        order = self.orders.get(action.order_id)
        if order is None:
            return  # retired: final long ago, so nothing applies to it any more
        kind = action.kind
        if kind is _FILL:
            self._fill(order, at, action)
        elif kind is _ACK:
            self._ack(order, at, action.reason)
        elif kind is _REPLACE:
            assert action.other_id is not None
            self._replace(order, self.orders[action.other_id], at)
        elif not order.is_final:
            if kind is _CANCEL:
                self.finalize(order, B.CANCELED, at, K.CANCELED, reason=action.reason)
                if order.parent_id is not None:
                    # Alpaca: "Cancelling one order cancels the rest of the group".
                    self._cancel_siblings(order, at, reason="group canceled")
            else:
                self.finalize(
                    order, B.EXPIRED, at, K.EXPIRED, reason="day order expired"
                )
            self._end_held_legs(order, at)

    def _ack(self, order: SimOrder, at: datetime, reason: str | None) -> None:
        if order.is_final:
            return  # canceled before the venue acknowledged it
        if reason is not None:
            self.finalize(order, B.REJECTED, at, K.REJECTED, reason=reason)
            return
        if order.status is _PENDING_NEW:
            # Outside the session a regular-hours order is taken but not yet routed:
            # Alpaca reports it ``accepted`` until the open, then ``new``.
            routed = order.spec.extended_hours or self.calendar.is_open(at)
            order.status, order.updated_at = (_NEW if routed else _ACCEPTED), at
        self.emit(_ACCEPTED_EVENT, order, at)

    def _fill(self, order: SimOrder, at: datetime, action: Action) -> None:
        if order.is_final:
            return  # a cancel, replace or expiry took effect first
        assert action.price is not None
        assert action.execution_id is not None
        fill = _fill(
            execution_id=action.execution_id,
            client_order_id=order.client_order_id,
            symbol=order.spec.symbol,
            side=order.spec.side,
            qty=action.qty,
            price=action.price,
            fee=action.fee,
            filled_at=at,
        )
        if (listener := self.on_fill) is not None:
            held = self.ledger.holdings.get(fill.symbol)  # ``ledger.position``
            listener(fill, ZERO if held is None else held.qty)
        self.ledger = self.ledger.apply(fill)
        self.reservations.touch_symbol(fill.symbol)
        order.filled_qty += action.qty
        order.filled_notional += action.qty * action.price
        if order.filled_qty == order.qty:
            self.finalize(order, _FILLED, at, _FILL_EVENT, fill=fill)
            if order.leg_ids or order.spec.oco:  # else no leg to arm or end
                self._activate_legs(order, at)
        else:
            if order.status not in _PENDING:
                order.status = _PARTIALLY_FILLED
            order.updated_at = at
            self.emit(K.PARTIAL_FILL, order, at, fill=fill)
            self.resting.touch(order)  # its open quantity (and maybe status) moved
        if order.spec.oco or order.parent_id is not None:
            self._one_cancels_other(order, at)

    def _one_cancels_other(self, order: SimOrder, at: datetime) -> None:
        # The first fill of one exit cancels the other. Alpaca cuts the other to
        # the quantity left instead on a partial fill (ALPACA.md §3); not modelled:
        # an order's quantity never changes under its intent here.
        if order.spec.oco:
            self._end_legs(order, at)
        else:
            self._cancel_siblings(order, at)

    def _replace(self, old: SimOrder, new: SimOrder, at: datetime) -> None:
        if old.is_final:
            self.finalize(new, B.REJECTED, at, K.REJECTED, reason=f"order {old.status}")
            return
        old.replaced_by = new.broker_order_id
        new.hwm = old.hwm
        if old.parent_id is not None:
            self._adopt(old, new)
        self.finalize(old, B.REPLACED, at, K.REPLACED, replaced_by=new.broker_order_id)
        if new.is_final:
            return  # the new order was canceled before the replace took effect
        new.status = B.NEW if new.parent_id is None else self._armed_status(new)
        new.updated_at = at
        self.reservations.touch(new)
        self.resting.touch(new)
        self.emit(K.ACCEPTED, new, at)
        self.work(new)
        self.schedule_expiry(new, at)

    # --- bracket legs ------------------------------------------------------------

    def _activate_legs(self, entry: SimOrder, at: datetime) -> None:
        if entry.spec.oco:
            self._end_legs(entry, at)  # the take-profit filled: its stop goes
            return
        for leg_id in entry.leg_ids:
            leg = self.orders[leg_id]
            if leg.status is B.HELD:
                self.arm(leg, at)

    def arm(self, leg: SimOrder, at: datetime) -> None:
        """Let ``leg`` work from ``at``: a take-profit ``new``, a stop-loss ``held``."""
        leg.status, leg.updated_at, leg.ready_at = self._armed_status(leg), at, at
        self.reservations.touch(leg)
        self.resting.touch(leg)
        if leg.status is B.NEW:
            self.emit(K.ACCEPTED, leg, at)
        self.work(leg)
        self.schedule_expiry(leg, at)

    def _end_held_legs(self, entry: SimOrder, at: datetime) -> None:
        for leg_id in entry.leg_ids:
            leg = self.orders[leg_id]
            if not leg.is_final and (leg.status is not B.NEW or entry.spec.oco):
                self.finalize(leg, B.CANCELED, at, K.CANCELED, reason="parent ended")

    def _end_legs(self, entry: SimOrder, at: datetime) -> None:
        for leg_id in entry.leg_ids:
            leg = self.orders[leg_id]
            if not leg.is_final:
                self.finalize(leg, B.CANCELED, at, K.CANCELED, reason="oco")

    def _cancel_siblings(
        self, leg: SimOrder, at: datetime, reason: str = "oco"
    ) -> None:
        assert leg.parent_id is not None
        parent = self.orders[leg.parent_id]
        for sibling_id in parent.leg_ids:
            sibling = self.orders[sibling_id]
            if sibling is not leg and not sibling.is_final:
                self.finalize(sibling, B.CANCELED, at, K.CANCELED, reason=reason)
        if parent.spec.oco and not parent.is_final:
            self.finalize(parent, B.CANCELED, at, K.CANCELED, reason=reason)

    def _armed_status(self, leg: SimOrder) -> BrokerOrderStatus:
        assert leg.parent_id is not None
        parent = self.orders[leg.parent_id]
        paired = parent.spec.oco or len(parent.leg_ids) > 1
        return armed_status(leg, paired)

    def _adopt(self, old: SimOrder, new: SimOrder) -> None:
        """Put a replacing leg in its group where the replaced one was."""
        assert old.parent_id is not None
        parent = self.orders[old.parent_id]
        new.parent_id = parent.broker_order_id
        parent.leg_ids = tuple(
            new.broker_order_id if i == old.broker_order_id else i
            for i in parent.leg_ids
        )


def armed_status(leg: SimOrder, paired: bool) -> BrokerOrderStatus:
    """The status a working leg shows: ``held`` for a stop-loss paired with a
    take-profit, else ``new``.

    Alpaca keeps a bracket's (or OCO's) stop-loss ``held`` while the take-profit is
    ``new``; the stop still triggers (ALPACA.md §3, alpaca-py#198). An OTO's lone
    stop-loss is the only exit working: ``new``.
    """
    return B.HELD if paired and leg.spec.stop_price is not None else B.NEW
