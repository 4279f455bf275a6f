"""The venue's resting orders per symbol as the book rules read them, kept incrementally.

Alpaca's wash-trade and held-quantity rules (``domain/broker_rules/holdings.py``) look
at every order resting in the symbol. Walking them on each submit made placing
10,000 resting orders quadratic (17 s); here the book *touches* an order whenever
its membership or open quantity may have changed, and :meth:`RestingTally.summary`
folds in only what was touched. A resting order is a working one that is neither a
held leg nor being canceled (:func:`~.rule_context.resting_orders`, the definition the
property tests compare this with).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from tradecore.domain.broker_rules.context import RestingSummary
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.orders.money import ZERO
from tradecore.domain.orders.spec import OrderType, Side
from tradecore.domain.venue.rule_context import NOT_RESTING
from tradecore.domain.venue.sim_order import SimOrder

#: Enum members read on every order, as module constants: on Python 3.11 an
#: enum class's attribute goes through ``EnumType.__getattr__``'s slot hook,
#: about 900 instructions a read (cachegrind), where a global's costs a few.
_SELL, _LIMIT = Side.SELL, OrderType.LIMIT

#: What one order adds to its symbol's tally: side, open quantity, limit (or None).
_Share = tuple[Side, Decimal, Decimal | None]
#: A symbol's summary from the tally's own exact values: built without the frozen
#: class's ``__init__`` (which sets each field through ``object.__setattr__``).
#: With the working index read without a default dict per fold, ~2.7 K
#: instructions an order (callgrind of the venue's order loop).
_summary = trusted_builder(RestingSummary)


@attrs.define(eq=False, slots=True)
class _Limits:
    """A multiset of limit prices with its extreme kept (recomputed only when the
    extreme itself leaves: O(distinct prices) then, O(1) otherwise)."""

    lowest: bool
    counts: dict[Decimal, int] = attrs.Factory(dict)
    _extreme: Decimal | None = None
    _stale: bool = False

    def add(self, price: Decimal) -> None:
        self.counts[price] = self.counts.get(price, 0) + 1
        if not self._stale and (
            self._extreme is None
            or (price < self._extreme if self.lowest else price > self._extreme)
        ):
            self._extreme = price

    def remove(self, price: Decimal) -> None:
        left = self.counts[price] - 1
        if left:
            self.counts[price] = left
            return
        del self.counts[price]
        if price == self._extreme:
            self._stale = True

    def extreme(self) -> Decimal | None:
        if self._stale:
            prices = self.counts
            self._extreme = (
                (min(prices) if self.lowest else max(prices)) if prices else None
            )
            self._stale = False
        return self._extreme


@attrs.define(eq=False, slots=True)
class _Symbol:
    sells: Decimal = ZERO
    buys: Decimal = ZERO
    sell_limits: _Limits = attrs.Factory(lambda: _Limits(lowest=True))
    buy_limits: _Limits = attrs.Factory(lambda: _Limits(lowest=False))
    summary: RestingSummary | None = None

    def apply(self, share: _Share, sign: int) -> None:
        side, qty, limit = share
        self.summary = None
        if side is _SELL:
            self.sells += sign * qty
            limits = self.sell_limits
        else:
            self.buys += sign * qty
            limits = self.buy_limits
        if limit is not None:
            (limits.add if sign > 0 else limits.remove)(limit)

    def summarize(self) -> RestingSummary:
        if self.summary is None:
            self.summary = _summary(
                held_for_sells=self.sells,
                held_for_buys=self.buys,
                lowest_sell_limit=self.sell_limits.extreme(),
                highest_buy_limit=self.buy_limits.extreme(),
            )
        return self.summary


@attrs.define(eq=False, slots=True)
class RestingTally:
    """Per symbol: the :class:`RestingSummary` of its resting orders; see the module."""

    _symbols: dict[str, _Symbol] = attrs.Factory(dict)
    #: broker id -> the order, touched since the last fold.
    _dirty: dict[str, SimOrder] = attrs.Factory(dict)
    #: broker id -> symbol and share of every order counted.
    _counted: dict[str, tuple[str, _Share]] = attrs.Factory(dict)

    def touch(self, order: SimOrder) -> None:
        """Note that ``order``'s status, working state or fills may have changed."""
        self._dirty[order.broker_order_id] = order

    def summary(
        self, symbol: str, working: Mapping[str, Mapping[str, SimOrder]]
    ) -> RestingSummary:
        """The resting orders of ``symbol`` summarized, given the book's working index."""
        if self._dirty:
            self._fold(working)
        tally = self._symbols.get(symbol)
        return _EMPTY if tally is None else tally.summarize()

    def _fold(self, working: Mapping[str, Mapping[str, SimOrder]]) -> None:
        dirty, self._dirty = self._dirty, {}
        for order_id, order in dirty.items():
            counted = self._counted.pop(order_id, None)
            if counted is not None:
                self._symbols[counted[0]].apply(counted[1], -1)
            symbol = order.spec.symbol
            if order.status in NOT_RESTING:
                continue
            working_here = working.get(symbol)
            if working_here is None or order_id not in working_here:
                continue
            spec = order.spec
            limit = spec.limit_price if spec.order_type is _LIMIT else None
            share: _Share = (spec.side, order.qty - order.filled_qty, limit)
            tally = self._symbols.get(symbol)
            if tally is None:
                tally = self._symbols[symbol] = _Symbol()
            tally.apply(share, 1)
            self._counted[order_id] = (symbol, share)


_EMPTY = RestingSummary()
