"""``xs_momentum``: cross-sectional momentum on the batch callback.

Every ``rebalance`` timestamps, :meth:`XsMomentum.on_bars` ranks every symbol by its
return over the last ``lookback`` bars, read straight from the market view's
history (no copies of its own), holds the top ``top_k`` long at ``gross / top_k``
of equity each and the rest flat. Ties rank by symbol, for determinism.
"""

from __future__ import annotations

from collections.abc import Mapping

from tradecore.domain.market.bars import Bar
from tradecore.domain.strategies.api import BarStrategy, Returned
from tradecore.domain.strategies.market_view import MarketView
from tradecore.domain.strategies.momentum import check_ranking
from tradecore.domain.strategies.protocol import WeightTarget


class XsMomentum(BarStrategy):
    """Long the top-k symbols by trailing return, rebalanced on a bar count."""

    def __init__(
        self,
        lookback: int = 60,
        top_k: int = 3,
        rebalance: int = 60,
        gross: float = 0.9,
    ) -> None:
        """Configure the ranking window, breadth, schedule (in timestamps) and gross.

        Raises:
            InvalidInput: a parameter is out of range.
        """
        check_ranking(lookback, top_k, ("rebalance", rebalance), gross)
        self.strategy_id = f"xs_momentum_{lookback}_{top_k}_{rebalance}"
        self.history = lookback + 1
        self._lookback, self._top_k, self._gross = lookback, top_k, gross
        self._rebalance = rebalance
        self._seen = 0

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> Returned:
        """At a rebalance, the new book: winners at equal weight, the rest flat."""
        self._seen += 1
        if self._seen % self._rebalance:
            return None
        scores = []
        for symbol in bars:
            close = view.column(symbol, "close", self._lookback + 1)
            if len(close) > self._lookback:
                scores.append((-(close[-1] / close[0] - 1.0), symbol))
        winners = {symbol for _, symbol in sorted(scores)[: self._top_k]}
        if not winners:
            return None
        weight = self._gross / len(winners)
        signal = f"rebalance@{timestamp_ns}"
        exits = [
            WeightTarget(s, 0.0, signal)
            for s in sorted(bars)
            if s not in winners and view.position(s)
        ]
        # Reductions first: their proceeds pay for the new longs.
        return [*exits, *(WeightTarget(s, weight, signal) for s in sorted(winners))]
