"""A strategy that trades every bar, so every crash point is passed often.

``tests.chaos.strategy:Churn`` alternates each symbol's target between ``qty`` and
``2 * qty`` shares, bar by bar. The signal is the bar's time, so a restarted process
never re-derives an earlier decision's key, and every decision is a new order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradecore.domain.strategies.protocol import PortfolioView, Target

MINUTE_NS = 60_000_000_000


class Churn:
    """Long ``qty`` or ``2 * qty`` shares, switching every minute bar."""

    def __init__(self, qty: int = 5) -> None:
        """``qty``: the smaller of the two targets (shares)."""
        self.strategy_id = f"churn_{qty}"
        self._qty = Decimal(qty)

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        level = 1 + (timestamp_ns // MINUTE_NS) % 2
        return (Target(symbol, self._qty * level, signal=f"t{timestamp_ns}"),)
