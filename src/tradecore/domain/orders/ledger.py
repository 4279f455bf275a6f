"""The position ledger: cash, positions, average cost and realized P&L, exactly.

Average-cost accounting: buying into a long (or selling into a short) moves the
average entry price; reducing a position realizes ``(exit - avg) * qty`` signed by the
side; crossing through zero closes the old position at its average and opens the rest
at the fill price. Fees reduce cash and realized P&L. Every amount is a Decimal.

Conservation: ``cash + sum(qty * mark)`` changes between two marks only by realized
and unrealized P&L net of fees; the property tests check it for any fill sequence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.orders.account import Position
from tradecore.domain.orders.executions import Fill

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True, slots=True)
class Holding:
    """One symbol's position: signed quantity and signed cost basis.

    The cost basis is what the open shares cost (negative for a short: cash received).
    Keeping the basis rather than the average price keeps the books exact: the cost a
    reduction removes is booked once, both out of the basis and into realized P&L.
    """

    qty: Decimal = attrs.field(default=_ZERO, validator=v.decimal)
    cost_basis: Decimal = attrs.field(default=_ZERO, validator=v.decimal)
    realized_pnl: Decimal = attrs.field(default=_ZERO, validator=v.decimal)

    @property
    def avg_price(self) -> Decimal:
        """Average entry price of the open shares (0 when flat)."""
        return _ZERO if self.qty == 0 else self.cost_basis / self.qty


#: A symbol never traded: what a first fill rolls from.
_FLAT = Holding()


@attrs.frozen(kw_only=True, slots=True)
class Ledger:
    """Cash and holdings after a sequence of fills; apply fills with :meth:`apply`."""

    cash: Decimal = attrs.field(validator=v.decimal)
    holdings: Mapping[str, Holding] = attrs.field(factory=dict)
    realized_pnl: Decimal = attrs.field(default=_ZERO, validator=v.decimal)
    fees: Decimal = attrs.field(default=_ZERO, validator=v.non_negative_decimal)

    @classmethod
    def opening(cls, cash: Decimal) -> Ledger:
        """Start a ledger with ``cash`` and no positions."""
        return cls(cash=cash)

    def position(self, symbol: str) -> Decimal:
        """Signed quantity held in ``symbol`` (0 when none)."""
        holding = self.holdings.get(symbol)
        return holding.qty if holding else _ZERO

    def positions(self) -> list[Position]:
        """Non-flat positions, sorted by symbol."""
        return [
            Position(symbol=s, qty=h.qty, avg_entry_price=h.avg_price)
            for s, h in sorted(self.holdings.items())
            if h.qty != 0
        ]

    def market_value(self, marks: Mapping[str, Decimal]) -> Decimal:
        """Signed value of all positions at ``marks`` (a missing mark uses the basis)."""
        return sum(
            (
                h.qty * marks[s] if s in marks else h.cost_basis
                for s, h in self.holdings.items()
            ),
            _ZERO,
        )

    def equity(self, marks: Mapping[str, Decimal]) -> Decimal:
        """Cash plus the marked value of positions."""
        return self.cash + self.market_value(marks)

    def unrealized_pnl(self, marks: Mapping[str, Decimal]) -> Decimal:
        """P&L of open positions at ``marks`` against their average cost."""
        return self.market_value(marks) - sum(
            (h.cost_basis for h in self.holdings.values()), _ZERO
        )

    def apply(self, fill: Fill) -> Ledger:
        """Return the ledger after ``fill``."""
        old = self.holdings.get(fill.symbol, _FLAT)
        signed = fill.signed_qty
        qty, basis, realized = _roll(old.qty, old.cost_basis, signed, fill.price)
        holdings = dict(self.holdings)
        # Decimals computed from a valid ledger and a valid fill: nothing to check.
        holdings[fill.symbol] = _holding(
            qty=qty,
            cost_basis=basis,
            realized_pnl=old.realized_pnl + realized - fill.fee,
        )
        return _ledger(
            cash=self.cash - signed * fill.price - fill.fee,
            holdings=holdings,
            realized_pnl=self.realized_pnl + realized - fill.fee,
            fees=self.fees + fill.fee,
        )

    def apply_all(self, fills: Iterable[Fill]) -> Ledger:
        """Apply ``fills`` in order."""
        ledger = self
        for fill in fills:
            ledger = ledger.apply(fill)
        return ledger


_holding = trusted_builder(Holding)
_ledger = trusted_builder(Ledger)

#: Precision of the cost a partial reduction removes from the basis (sub-micro-cent):
#: bounded decimal places keep every later addition exact.
_BASIS_STEP = Decimal("1e-10")


def _roll(
    qty: Decimal, basis: Decimal, delta: Decimal, price: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """Quantity and basis after trading ``delta`` shares at ``price``; realized P&L.

    Signs are tested against a Decimal zero, not the int: an int operand is
    converted to a new Decimal at every comparison (two ledgers roll every fill).
    """
    if qty == _ZERO or (qty > _ZERO) == (delta > _ZERO):
        return qty + delta, basis + delta * price, _ZERO
    held = abs(qty)
    closed = min(abs(delta), held)
    # Closing all of it removes the whole basis; a part removes its pro-rata share
    # (worked out only then: a division and a rounding per closing fill otherwise).
    removed = basis if closed == held else (basis * closed / held).quantize(_BASIS_STEP)
    direction = 1 if qty > _ZERO else -1
    realized = closed * direction * price - removed
    total = qty + delta
    opened = total if (total != _ZERO and (total > _ZERO) != (qty > _ZERO)) else _ZERO
    return total, basis - removed + opened * price, realized
