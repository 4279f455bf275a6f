"""``rsi_reversion``: buy a symbol oversold on Wilder's RSI, sell it once overbought.

The bar form's shortest useful strategy: per symbol, long ``weight`` of equity when
RSI(``period``) closes below ``low`` while flat, flat again when it closes above
``high``. The logic is the eight lines of :meth:`RsiReversion.on_bar`.
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.technical import RSI
from tradecore.domain.strategies.api import BarStrategy, Returned
from tradecore.domain.strategies.market_view import MarketView
from tradecore.domain.strategies.protocol import Target, WeightTarget


class RsiReversion(BarStrategy):
    """RSI mean reversion, one position per symbol."""

    def __init__(
        self,
        period: int = 14,
        low: float = 30.0,
        high: float = 70.0,
        weight: float = 0.1,
    ) -> None:
        """Configure the RSI period, its thresholds and the position's weight.

        Raises:
            InvalidInput: thresholds not ``0 < low < high < 100``, or weight not in
                (0, 1].
        """
        RSI(period)  # checks the period
        if not 0 < low < high < 100:
            raise InvalidInput("low", low, f"need 0 < low < high ({high}) < 100")
        if not 0 < weight <= 1:
            raise InvalidInput("weight", weight, "must be in (0, 1]")
        self.strategy_id = f"rsi_reversion_{period}_{low:g}_{high:g}"
        self.period, self.low, self.high, self.weight = period, low, high, weight
        self.rsi: dict[str, RSI] = {}

    def on_bar(self, bar: Bar, view: MarketView) -> Returned:
        """Enter below ``low``, exit above ``high``."""
        symbol = bar.symbol
        rsi = self.rsi.setdefault(symbol, RSI(self.period)).update(bar.close)
        held = view.position(symbol)
        at = view.now_ns
        if rsi < self.low and not held:
            return WeightTarget(symbol, self.weight, f"rsi<{self.low:g}@{at}")
        if rsi > self.high and held:
            return Target(symbol, Decimal(0), f"rsi>{self.high:g}@{at}")
        return None
