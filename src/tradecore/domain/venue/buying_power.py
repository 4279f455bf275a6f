"""Buying power of the simulated cash account: what an order may still tie up.

The account is a plain cash account that may sell short against collateral: the
proceeds of a short sale are held, and as much again of our own cash backs the short
(a 100% requirement), so shorting consumes buying power like buying does. An order
reserves cash only for the part of it that opens or grows exposure; closing a position
needs none. Each order is netted against the whole position on its own (two sells of
100 against a long of 100 reserve nothing).

:class:`Reservations` keeps the total reserved by the working orders incrementally, so
a submit costs the same with 10 or 10,000 orders resting; :func:`reserved_from_scratch`
is the definition it must always equal (the property tests compare the two).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import attrs

from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.money import ZERO
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.venue.sim_order import SimOrder

#: Enum members read on every order, as module constants: on Python 3.11 an
#: enum class's attribute goes through ``EnumType.__getattr__``'s slot hook,
#: about 900 instructions a read (cachegrind), where a global's costs a few.
_BUY, _HELD = Side.BUY, BrokerOrderStatus.HELD

#: The price a reservation is counted at for an order without a limit or stop price:
#: its symbol's last trade (the venue raises when there is none).
LastPrice = Callable[[str], Decimal]


def order_reservation(
    side: Side, qty: Decimal, price: Decimal, position: Decimal
) -> Decimal:
    """Return the cash an order of ``qty`` at ``price`` ties up given ``position``.

    Args:
        side: the order's side.
        qty: the quantity still to fill.
        price: the price it is reserved at (limit, stop or last trade).
        position: the signed position now held in the symbol.
    """
    # max() and min() spelled as comparisons, picking the same values (a call
    # each saved on every submit).
    closable = -position if side is _BUY else position
    if closable < ZERO:
        closable = ZERO
    closed = closable if closable < qty else qty
    return (qty - closed) * price


def free_cash(ledger: Ledger) -> Decimal:
    """Return cash not tied up by shorts: neither their proceeds nor the collateral."""
    # A short's cost basis is negative: minus the proceeds at entry. (A loop, not
    # sum() of a generator: the same additions in the same order; the sign tested
    # against a Decimal zero, not an int converted at every comparison.)
    shorts = ZERO
    for h in ledger.holdings.values():
        if h.qty < ZERO:
            shorts += h.cost_basis
    return ledger.cash + 2 * shorts


def order_price(spec: OrderSpec) -> Decimal | None:
    """Return the price an order reserves at (limit, else stop), or ``None``."""
    return spec.limit_price or spec.stop_price


def reserved_from_scratch(
    orders: Iterable[SimOrder], ledger: Ledger, last_price: LastPrice
) -> Decimal:
    """Return what ``orders`` (the venue's open orders) tie up, walking every one.

    The definition :class:`Reservations` keeps incrementally; O(orders).
    """
    return sum(
        (
            order_reservation(
                o.spec.side,
                o.remaining,
                order_price(o.spec) or last_price(o.spec.symbol),
                ledger.position(o.spec.symbol),
            )
            for o in orders
            if o.status is not BrokerOrderStatus.HELD
        ),
        ZERO,
    )


@attrs.define(eq=False, slots=True)
class _Side:
    """One symbol's counted orders on one side: running sums plus the members.

    While nothing on this side can close a position (the common case), the side's
    reservation is ``notional + market_qty x last price``. Otherwise each member is
    netted against the position on its own: ``max(qty - closable, 0)`` of it
    reserves. Those excess sums are kept for the ``closable`` they were counted at
    and adjusted per added or removed order; only a change of the position (a fill)
    walks the members again. Either way a submit costs O(1).
    """

    #: Sum of remaining x price over the orders with a limit or stop price.
    notional: Decimal = ZERO
    #: Sum of remaining over the orders reserved at the last trade.
    market_qty: Decimal = ZERO
    #: broker id -> (remaining, price or None) as last counted.
    members: dict[str, tuple[Decimal, Decimal | None]] = attrs.Factory(dict)
    #: The closable quantity the excess sums below hold for (None: not counted).
    excess_at: Decimal | None = None
    #: Sum of max(remaining - excess_at, 0) x price over the priced orders.
    excess_notional: Decimal = ZERO
    #: Sum of max(remaining - excess_at, 0) over the orders at the last trade.
    excess_market_qty: Decimal = ZERO

    def add(self, order_id: str, qty: Decimal, price: Decimal | None) -> None:
        """Count an order's remaining ``qty`` at ``price``."""
        self.members[order_id] = (qty, price)
        self._adjust(qty, price, 1)

    def remove(self, order_id: str) -> None:
        """Stop counting an order (exactly undoing :meth:`add`)."""
        qty, price = self.members.pop(order_id)
        self._adjust(qty, price, -1)

    def _adjust(self, qty: Decimal, price: Decimal | None, sign: int) -> None:
        excess = ZERO if self.excess_at is None else max(qty - self.excess_at, ZERO)
        if price is None:
            self.market_qty += sign * qty
            self.excess_market_qty += sign * excess
        else:
            self.notional += sign * qty * price
            self.excess_notional += sign * excess * price

    def reserved(self, closable: Decimal, last: Callable[[], Decimal]) -> Decimal:
        """Return what the side ties up when ``closable`` shares would close."""
        if closable <= ZERO:  # a Decimal zero: no int converted per count
            market = self.market_qty * last() if self.market_qty else ZERO
            return self.notional + market
        if closable != self.excess_at:
            self._recount_excess(closable)
        market = self.excess_market_qty * last() if self.excess_market_qty else ZERO
        return self.excess_notional + market

    def _recount_excess(self, closable: Decimal) -> None:
        self.excess_at, notional, market_qty = closable, ZERO, ZERO
        for qty, price in self.members.values():
            excess = max(qty - closable, ZERO)
            if price is None:
                market_qty += excess
            else:
                notional += excess * price
        self.excess_notional, self.excess_market_qty = notional, market_qty


@attrs.define(eq=False, slots=True)
class _Symbol:
    """One symbol's counted orders and the reservation last added to the total."""

    buys: _Side = attrs.Factory(_Side)
    sells: _Side = attrs.Factory(_Side)
    in_total: Decimal = ZERO

    def reserved(self, position: Decimal, last: Callable[[], Decimal]) -> Decimal:
        """Return what the symbol's orders tie up given the signed ``position``."""
        return self.buys.reserved(-position, last) + self.sells.reserved(position, last)


@attrs.define(eq=False, slots=True)
class Reservations:
    """The cash the venue's open orders tie up, kept up to date incrementally.

    The book *touches* an order whenever what it reserves may have changed (added,
    partly committed, activated, finalized), a symbol whenever its position changed,
    and the venue a symbol's price whenever its last trade moved (which matters only
    to a symbol with orders counted at it). Touching is O(1); :meth:`reserved`
    re-counts only what was touched since the last call, each in O(1) but for a side
    whose closable quantity changed (a fill), whose orders are walked once. Same figure as
    :func:`reserved_from_scratch`, exactly: every sum is an exact ``Decimal`` sum,
    so the order of additions is immaterial.
    """

    symbols: dict[str, _Symbol] = attrs.Factory(dict)
    total: Decimal = ZERO
    #: broker id -> the order, touched since the last count.
    _dirty_orders: dict[str, SimOrder] = attrs.Factory(dict)
    #: symbol -> None (an ordered set), touched since the last count.
    _dirty_symbols: dict[str, None] = attrs.Factory(dict)
    #: broker id -> symbol and side of every counted order.
    _counted: dict[str, tuple[str, Side]] = attrs.Factory(dict)
    #: Symbols with orders counted at the last trade (an ordered set).
    _at_last: dict[str, None] = attrs.Factory(dict)
    _free_ledger: Ledger | None = None
    _free_cash: Decimal = ZERO

    def touch(self, order: SimOrder) -> None:
        """Note that what ``order`` reserves may have changed."""
        self._dirty_orders[order.broker_order_id] = order

    def touch_symbol(self, symbol: str) -> None:
        """Note that the position in ``symbol`` changed."""
        self._dirty_symbols[symbol] = None

    def touch_price(self, symbol: str) -> None:
        """Note that the last trade of ``symbol`` moved (a new bar, a corporate action).

        Only a symbol with orders counted at the last trade is re-counted: the others'
        reservations do not depend on it.
        """
        if symbol in self._at_last:
            self._dirty_symbols[symbol] = None

    def free_cash(self, ledger: Ledger) -> Decimal:
        """Return :func:`free_cash` of ``ledger``, computed once per ledger."""
        if ledger is not self._free_ledger:
            self._free_ledger, self._free_cash = ledger, free_cash(ledger)
        return self._free_cash

    def reserved(
        self,
        open_orders: Mapping[str, SimOrder],
        ledger: Ledger,
        last_price: LastPrice,
        exclude: str | None = None,
    ) -> Decimal:
        """Return what the open orders tie up, without the order ``exclude``.

        Args:
            open_orders: the venue's open orders by broker id (membership decides
                whether a touched order still counts: a held leg never does).
            ledger: the venue's books now (positions and shorts).
            last_price: the last trade of a symbol.
            exclude: the broker id of an order to leave out (a replace's old order).
        """
        self._recount_orders(open_orders)
        stale = self._dirty_symbols
        self._dirty_symbols = {}
        for symbol in stale:
            self._recount_symbol(symbol, ledger, last_price)
        if exclude is None or exclude not in self._counted:
            return self.total
        return self.total - self._one(exclude, ledger, last_price)

    def _recount_orders(self, open_orders: Mapping[str, SimOrder]) -> None:
        held = _HELD
        for order_id, order in self._dirty_orders.items():
            where = self._counted.pop(order_id, None)
            if where is not None:
                symbol, side = where
                self._side(symbol, side).remove(order_id)
                self._dirty_symbols[symbol] = None
            if order_id in open_orders and order.status is not held:
                symbol, side = order.spec.symbol, order.spec.side
                self._side(symbol, side).add(
                    order_id, order.remaining, order_price(order.spec)
                )
                self._counted[order_id] = (symbol, side)
                self._dirty_symbols[symbol] = None
        self._dirty_orders = {}
        for symbol in self._dirty_symbols:
            book = self.symbols.get(symbol)
            if book is not None and (book.buys.market_qty or book.sells.market_qty):
                self._at_last[symbol] = None
            else:
                self._at_last.pop(symbol, None)

    def _side(self, symbol: str, side: Side) -> _Side:
        book = self.symbols.get(symbol)
        if book is None:
            book = self.symbols[symbol] = _Symbol()
        return book.buys if side is _BUY else book.sells

    def _recount_symbol(
        self, symbol: str, ledger: Ledger, last_price: LastPrice
    ) -> None:
        book = self.symbols.get(symbol)
        if book is None:
            return  # a position changed in a symbol without orders
        now = book.reserved(ledger.position(symbol), lambda: last_price(symbol))
        self.total += now - book.in_total
        book.in_total = now
        if not (book.buys.members or book.sells.members):
            del self.symbols[symbol]  # in_total is zero: nothing left to count

    def _one(self, order_id: str, ledger: Ledger, last_price: LastPrice) -> Decimal:
        symbol, side = self._counted[order_id]
        book = self.symbols[symbol]
        qty, price = (book.buys if side is Side.BUY else book.sells).members[order_id]
        return order_reservation(
            side,
            qty,
            last_price(symbol) if price is None else price,
            ledger.position(symbol),
        )
