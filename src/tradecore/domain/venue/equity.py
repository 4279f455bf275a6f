"""The account's equity at the last marks, kept per symbol for the day-trade rule.

:func:`cash_floor` is a lower bound of it known without marking anything.

The pattern-day-trader rule compares equity with $25,000 on every day trade of an
account that used its day trades: in a replay that trades all day, every other
order. :meth:`Ledger.equity` values every holding at its mark each time; here each
symbol's value (``qty x mark``, or its cost basis while it has no mark) is kept and
only the symbols *touched* since the last read (a fill, a corporate action, a new
bar) are valued again. The values are exact decimals, so the running total equals
the ledger's sum (the unit tests compare the two after every step).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.money import ZERO

#: The mark of a symbol (``None``: no bar seen yet).
Mark = Callable[[str], Decimal | None]


class MarkedEquity:
    """Cash plus every holding at its mark, revalued only where something changed."""

    __slots__ = ("_stale", "_total", "_values")

    def __init__(self) -> None:
        """Know nothing yet: the first read values every holding."""
        self._values: dict[str, Decimal] = {}
        self._total = ZERO
        #: Symbols to value again; ``None``: every holding.
        self._stale: dict[str, None] | None = None

    def touch(self, symbol: str) -> None:
        """Note that ``symbol``'s holding or mark changed."""
        stale = self._stale
        if stale is not None:
            stale[symbol] = None

    def equity(self, ledger: Ledger, mark: Mark) -> Decimal:
        """Cash plus the marked value of ``ledger``'s holdings (:meth:`Ledger.equity`)."""
        stale = self._stale
        if stale is None:
            self._values, self._total = {}, ZERO
            stale = dict.fromkeys(ledger.holdings)
        values, holdings = self._values, ledger.holdings
        for symbol in stale:
            self._total -= values.pop(symbol, ZERO)
            holding = holdings.get(symbol)
            if holding is not None:
                price = mark(symbol)
                value = holding.cost_basis if price is None else holding.qty * price
                values[symbol] = value
                self._total += value
        self._stale = {}
        return ledger.cash + self._total


def cash_floor(ledger: Ledger) -> Decimal | None:
    """A lower bound of ``ledger``'s equity at any marks: its cash, when no holding
    can be worth less than nothing (``None`` when one can).

    Marks are positive prices, so a holding of no short shares whose cost basis is
    not negative is valued at zero or more (``qty x mark``, or its basis while it
    has no mark): the equity is at least the cash. O(holdings), with no
    multiplication, where :meth:`MarkedEquity.equity` values the touched holdings.
    """
    # Signs tested against a Decimal zero: an int operand is converted to a new
    # Decimal at every comparison (two per holding, on most day-trade checks).
    for holding in ledger.holdings.values():
        if holding.qty < ZERO or holding.cost_basis < ZERO:
            return None
    return ledger.cash
