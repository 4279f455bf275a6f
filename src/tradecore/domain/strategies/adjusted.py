"""A strategy fed back-adjusted prices while the venue trades raw ones.

``tradecore-replay run --adjustment split|dividend|all`` wraps the strategy in
:class:`AdjustedStrategy`: each bar's close and volume are multiplied by the factors
of the corporate actions after it (:class:`~tradecore.domain.market.adjustment.
AdjustedPrices`), so the strategy's indicators see no split jump. Everything else
stays raw: the engine's last prices, marks, risk checks and order prices, and the
venue's fills. The factors are those known at the data's last bar, as a research
download of adjusted bars would be: the price *level* before an action carries
knowledge of it (returns do not), which is what adjusted research data means.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradecore.domain.market.adjustment import AdjustedPrices
from tradecore.domain.strategies.protocol import (
    AnyTarget,
    PortfolioView,
    Strategy,
)


class AdjustedStrategy:
    """``inner`` seeing adjusted closes and volumes; its id and targets unchanged."""

    def __init__(self, inner: Strategy, prices: AdjustedPrices) -> None:
        """Wrap ``inner``; ``prices`` gives each bar's factors."""
        self.inner = inner
        self.strategy_id = inner.strategy_id
        self._factors = prices.factors

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[AnyTarget] | AnyTarget | None:
        """Hand the bar on with its close and volume back-adjusted."""
        price, size = self._factors(symbol, timestamp_ns)
        return self.inner.on_bar(
            symbol, timestamp_ns, close * price, volume * size, portfolio
        )
