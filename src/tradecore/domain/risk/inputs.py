"""What a pre-trade check looks at: the book (positions, prices, P&L) and the order.

The snapshot carries gross and net exposure precomputed, so checking one order costs
a few Decimal operations on its own symbol instead of a pass over the whole book.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True, slots=True)
class ExposureSnapshot:
    """The book an order is checked against; build it with :meth:`build`.

    Attributes:
        positions: signed shares per symbol, working orders included.
        marks: last price per symbol (values positions and market orders).
        references: the collar's reference price per symbol (e.g. the prior close).
        gross: sum of ``abs(qty * mark)``; net: sum of ``qty * mark``.
        day_pnl: equity now minus equity at the day's start (``None``: unknown).
        drawdown: the day's high-water mark minus equity now (``None``: unknown).
    """

    positions: Mapping[str, Decimal]
    marks: Mapping[str, Decimal]
    references: Mapping[str, Decimal] = attrs.field(factory=dict)
    gross: Decimal = attrs.field(validator=v.non_negative_decimal)
    net: Decimal = attrs.field(validator=v.decimal)
    day_pnl: Decimal | None = None
    drawdown: Decimal | None = None

    @classmethod
    def build(
        cls,
        positions: Mapping[str, Decimal],
        marks: Mapping[str, Decimal],
        *,
        references: Mapping[str, Decimal] | None = None,
        day_pnl: Decimal | None = None,
        drawdown: Decimal | None = None,
    ) -> ExposureSnapshot:
        """Value ``positions`` at ``marks`` and keep the totals.

        Raises:
            InvalidInput: a non-flat position has no mark (it cannot be valued, and
                guessing would understate exposure).
        """
        gross = net = _ZERO
        for symbol, qty in positions.items():
            if qty == 0:
                continue
            mark = marks.get(symbol)
            if mark is None:
                raise InvalidInput("marks", symbol, "no price for a held symbol")
            value = qty * mark
            gross += abs(value)
            net += value
        return cls(
            positions=positions,
            marks=marks,
            references=references or {},
            gross=gross,
            net=net,
            day_pnl=day_pnl,
            drawdown=drawdown,
        )

    @classmethod
    def flat(cls) -> ExposureSnapshot:
        """An empty book with no prices (every order then lacks a price)."""
        return cls(positions={}, marks={}, gross=_ZERO, net=_ZERO)


@attrs.frozen(kw_only=True, slots=True)
class OrderFacts:
    """One order seen against the book: the numbers every rule reads."""

    symbol: str
    side: Side
    qty: Decimal
    #: The order's price for notional and collar: its limit price, else the mark.
    price: Decimal
    mark: Decimal
    before: Decimal
    after: Decimal

    @classmethod
    def of(cls, spec: OrderSpec, book: ExposureSnapshot) -> OrderFacts | None:
        """Return the facts, or ``None`` when the symbol has no mark to price it."""
        mark = book.marks.get(spec.symbol)
        if mark is None:
            return None
        limited = spec.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
        price = spec.limit_price if limited and spec.limit_price else mark
        qty = spec.qty if spec.qty is not None else (spec.notional or _ZERO) / price
        before = book.positions.get(spec.symbol, _ZERO)
        after = before + qty if spec.side is Side.BUY else before - qty
        return _order_facts(
            symbol=spec.symbol,
            side=spec.side,
            qty=qty,
            price=price,
            mark=mark,
            before=before,
            after=after,
        )

    @property
    def notional(self) -> Decimal:
        """``qty * price``: what the order is worth."""
        return self.qty * self.price

    @property
    def reduces(self) -> bool:
        """True when the order shrinks the position without crossing through zero."""
        before, after = self.before, self.after
        if abs(after) >= abs(before):
            return False
        return after == 0 or (after > 0) == (before > 0)


#: :class:`OrderFacts` has no validator: its trusted builder makes the same value
#: without a frozen attribute store per field (one per order checked).
_order_facts = trusted_builder(OrderFacts)
