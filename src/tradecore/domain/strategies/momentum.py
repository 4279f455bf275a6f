"""``momentum``: cross-sectional, long the top-k symbols by lookback return.

Every ``rebalance_minutes`` of bar time the symbols are ranked by their return over
the last ``lookback`` bars; the top ``top_k`` are held long with equal weights of the
equity (``gross`` in total), the rest flat. Ties rank by symbol for determinism.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.indicators import RollingReturn
from tradecore.domain.strategies.protocol import NO_TARGETS, PortfolioView, Target

_NS_PER_MINUTE = 60_000_000_000


def check_ranking(
    lookback: int, top_k: int, rebalance: tuple[str, int], gross: float
) -> None:
    """Refuse a momentum ranking's parameters that are out of range.

    Raises:
        InvalidInput: a count is not an int >= 1, or ``gross`` is not in (0, 1].
    """
    for name, value in (("lookback", lookback), ("top_k", top_k), rebalance):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidInput(name, value, "must be an int >= 1")
    if not 0 < gross <= 1:
        raise InvalidInput("gross", gross, "must be in (0, 1]")


class Momentum:
    """Cross-sectional momentum with a fixed rebalance schedule."""

    def __init__(
        self,
        lookback: int = 60,
        top_k: int = 3,
        rebalance_minutes: int = 60,
        gross: float = 0.9,
    ) -> None:
        """Configure ranking, breadth, schedule and gross exposure (fraction of equity).

        Raises:
            InvalidInput: a parameter is out of range.
        """
        check_ranking(lookback, top_k, ("rebalance_minutes", rebalance_minutes), gross)
        self.strategy_id = f"momentum_{lookback}_{top_k}_{rebalance_minutes}"
        self._lookback, self._top_k, self._gross = lookback, top_k, gross
        self._period_ns = rebalance_minutes * _NS_PER_MINUTE
        self._returns: dict[str, RollingReturn] = {}
        self._last: dict[str, tuple[float, float]] = {}  # symbol -> (return, close)
        self._next_rebalance_ns: int | None = None

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        """Track returns; at a rebalance time, return the new book."""
        tracker = self._returns.get(symbol)
        if tracker is None:
            tracker = self._returns[symbol] = RollingReturn(self._lookback)
        self._last[symbol] = (tracker.update(close), close)
        if self._next_rebalance_ns is None:
            self._next_rebalance_ns = timestamp_ns + self._period_ns
            return NO_TARGETS
        if timestamp_ns < self._next_rebalance_ns:
            return NO_TARGETS
        self._next_rebalance_ns = timestamp_ns + self._period_ns
        return self._rebalance(timestamp_ns, portfolio)

    def _rebalance(
        self, timestamp_ns: int, portfolio: PortfolioView
    ) -> Sequence[Target]:
        ranked = sorted(
            (
                (-ret, sym)
                for sym, (ret, _) in self._last.items()
                if not math.isnan(ret)
            ),
        )
        winners = {sym for _, sym in ranked[: self._top_k]}
        if not winners:
            return NO_TARGETS
        budget = portfolio.equity() * self._gross / len(winners)
        targets = []
        for sym in sorted(self._last):
            close = self._last[sym][1]
            shares = (
                Decimal(budget / close).quantize(Decimal(1), ROUND_DOWN)
                if sym in winners
                else Decimal(0)
            )
            if shares != portfolio.position(sym):
                targets.append(
                    Target(sym, shares, f"rebalance@{timestamp_ns}", "rebalance")
                )
        # Reductions first: their proceeds are what the new longs are paid with.
        targets.sort(key=lambda t: t.qty > portfolio.position(t.symbol))
        return tuple(targets)
