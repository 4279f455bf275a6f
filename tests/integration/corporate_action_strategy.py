"""A strategy that buys once and holds: the corporate-action replay tests load it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradecore.domain.strategies.protocol import NO_TARGETS, PortfolioView, Target

#: (symbol, timestamp_ns, close) of every bar a BuyAndHold saw, in order.
SEEN: list[tuple[str, int, float]] = []


class BuyAndHold:
    """Target ``qty`` shares of each symbol on its first bar, then never trade."""

    def __init__(self, qty: int = 100) -> None:
        self.qty = qty
        self.strategy_id = "buy_and_hold"
        self._bought: set[str] = set()

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        SEEN.append((symbol, timestamp_ns, close))
        if symbol in self._bought:
            return NO_TARGETS
        self._bought.add(symbol)
        return (Target(symbol, Decimal(self.qty), signal="first bar"),)
