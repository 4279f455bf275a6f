"""A sub-strategy's virtual sub-portfolio inside a :class:`PortfolioStrategy`.

Why: a strategy decides from its own book ("am I long already?", "what is my
equity?"); inside a portfolio the account's book is everybody's. Each sub-strategy
therefore sees a *virtual* book with one rule: **it holds exactly what it last
targeted, as if every target filled at the close of the bar it was decided on, with
no costs.** Its cash starts at its budget share of the account's equity and moves by
``-(shares traded * close)``; its equity is that cash plus its holdings marked at the
last closes. Weight and notional targets resolve to whole shares (toward zero) at
the book's own equity, as the engine resolves them at the account's.

The book's equity path is the strategy's return stream (for the correlation monitor
and the allocator's correlation cap). What the account *really* earned per strategy
is attributed from fills (:mod:`tradecore.domain.portfolio.attribution`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tradecore.domain.strategies.api import in_shares
from tradecore.domain.strategies.protocol import AccountView, AnyTarget

_ZERO = Decimal(0)


class VirtualBook(AccountView):
    """One sub-strategy's paper account (module docstring)."""

    def __init__(self, strategy_id: str, capital: float, prices: Mapping[str, float]):
        """Start with ``capital`` in cash, marked at ``prices`` (the shared last
        closes, read live)."""
        self.strategy_id = strategy_id
        self._cash = capital
        self._prices = prices
        self._held: dict[str, Decimal] = {}
        self._equity_before = capital

    def position(self, symbol: str) -> Decimal:
        return self._held.get(symbol, _ZERO)

    def positions(self) -> dict[str, Decimal]:
        return dict(sorted(self._held.items()))

    def cash(self) -> float:
        return self._cash

    def equity(self) -> float:
        prices = self._prices
        return self._cash + sum(float(q) * prices[s] for s, q in self._held.items())

    def apply(self, target: AnyTarget) -> bool:
        """Hold ``target`` from now on (filled at the last close); whether it changed
        the book.

        Raises:
            StrategyError: the symbol has no close yet.
        """
        price = self._prices.get(target.symbol)
        shares = in_shares(self.strategy_id, target, price, self.equity()).qty
        held = self.position(target.symbol)
        if shares == held or price is None:  # (in_shares refused a missing price)
            return False
        self._cash -= float(shares - held) * price
        if shares:
            self._held[target.symbol] = shares
        else:
            del self._held[target.symbol]
        return True

    def flatten(self) -> bool:
        """Close every holding at the last closes (a halt); whether it changed."""
        if not self._held:
            return False
        self._cash = self.equity()
        self._held.clear()
        return True

    def period_return(self) -> float:
        """The equity's return since the last call (0 when it was not positive)."""
        now = self.equity()
        before, self._equity_before = self._equity_before, now
        return now / before - 1.0 if before > 0 else 0.0
