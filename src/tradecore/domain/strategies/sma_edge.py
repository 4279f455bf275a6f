"""``sma_edge``: the SMA crossover, saying how much it expects to earn and how sure it is.

Why: ``sma_cross`` only says "long" or "flat", so the engine can neither size it for
its uncertainty nor check that its edge clears the cost of trading. This variant
enters on the same crossover and adds the net-of-cost inputs to its target:

* ``expected_edge_bps``: ``edge_scale`` times the trend the slow window shows (its
  return over ``slow`` bars, in bps), i.e. "the move continues about that much";
* ``strength``: ``tanh(edge / confidence_bps)``, in [0, 1);
* ``probability``: ``0.5 + 0.4·strength``, the win rate the trend suggests.

``max_qty`` is the most it ever asks for; Bayesian Kelly decides how much of it
(the engine's net-of-cost path). Exits (fast below slow) carry no edge: an exit is
never gated on cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.indicators import SMA, RollingReturn
from tradecore.domain.strategies.protocol import NO_TARGETS, PortfolioView, Target
from tradecore.domain.strategies.sma_cross import check_windows, crossed


class _State:
    __slots__ = ("fast", "long", "slow", "trend")

    def __init__(self, fast: int, slow: int) -> None:
        self.fast = SMA(fast)
        self.slow = SMA(slow)
        self.trend = RollingReturn(slow)
        self.long = False


class SmaEdge:
    """Moving-average crossover with an expected edge, a probability and a strength."""

    def __init__(
        self,
        fast: int = 10,
        slow: int = 30,
        max_qty: int = 5_000,
        edge_scale: float = 1.0,
        confidence_bps: float = 30.0,
    ) -> None:
        """Configure the windows, the largest position and how the edge is scaled.

        Raises:
            InvalidInput: a window or the size is not a positive int, fast >= slow, or
                a scale is not > 0.
        """
        check_windows(fast, slow, max_qty=max_qty)
        for name, scale in (
            ("edge_scale", edge_scale),
            ("confidence_bps", confidence_bps),
        ):
            if not (
                isinstance(scale, int | float) and math.isfinite(scale) and scale > 0
            ):
                raise InvalidInput(name, scale, "must be a finite number > 0")
        self.strategy_id = f"sma_edge_{fast}_{slow}"
        self._fast, self._slow = fast, slow
        self._qty = Decimal(max_qty)
        self._edge_scale, self._confidence = float(edge_scale), float(confidence_bps)
        self._states: dict[str, _State] = {}

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        """Update the averages; on a flip return a target (with its edge on entry)."""
        state = self._states.get(symbol)
        if state is None:
            state = self._states[symbol] = _State(self._fast, self._slow)
        fast = state.fast.update(close)
        slow = state.slow.update(close)
        trend = state.trend.update(close)
        want_long = crossed(fast, slow, state.long)
        if want_long is None:
            return NO_TARGETS
        state.long = want_long
        if not want_long:
            return (Target(symbol, Decimal(0), f"down@{timestamp_ns}"),)
        edge = 0.0 if math.isnan(trend) else max(0.0, trend * 1e4 * self._edge_scale)
        strength = math.tanh(edge / self._confidence)
        return (
            Target(
                symbol,
                self._qty,
                f"up@{timestamp_ns}",
                expected_edge_bps=edge,
                probability=0.5 + 0.4 * strength,
                strength=strength,
            ),
        )
