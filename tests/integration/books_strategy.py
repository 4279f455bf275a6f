"""A strategy that trades every day through a fixed cycle of targets (books tests).

Long, flat, short and back: losses rebought within days (wash sales), partial
closes (lot relief), short lots. Flat from ``flat_from_ns`` on, so the run ends flat.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradecore.domain.strategies.protocol import PortfolioView, Target

CYCLE = (100, 0, 150, 50, 0, -50, 0, 200, 120, 0, 60, -30)


class Churn:
    """Target ``CYCLE[(bars seen + offset) % len]`` shares of each symbol."""

    def __init__(self, flat_from_ns: int = 0) -> None:
        self.strategy_id = "churn"
        self.flat_from_ns = int(flat_from_ns)
        self._seen: dict[str, int] = {}

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        n = self._seen.get(symbol, len(self._seen) * 5)
        self._seen[symbol] = n + 1
        qty = 0 if timestamp_ns >= self.flat_from_ns else CYCLE[n % len(CYCLE)]
        return (Target(symbol, Decimal(qty), signal=f"cycle {n}"),)
