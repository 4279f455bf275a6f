"""The regime breaker: a persistent high-volatility regime moves trading to REDUCING.

It reads the filtered regime of every symbol from the process's
:class:`~tradecore.domain.regimes.monitor.RegimeMonitor` (past bars only) and
counts, per symbol, the consecutive bars whose P(most volatile state) is above
``probability``; ``bars`` of them in a row trip it. A single volatile bar does not:
the count asks the regime to persist, which is what a regime (unlike a spike, see
:class:`~tradecore.domain.risk.breakers.market.VolatilitySpikeBreaker`) means. The
count restarts when the probability falls back, so the condition always can clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.regimes.monitor import RegimeMonitor
from tradecore.domain.risk.breakers.base import Breaker
from tradecore.domain.risk.breakers.latch import BreakerConfig, BreakerReading, Inputs


def _probability(
    instance: object, attribute: attrs.Attribute[Any], value: float
) -> None:
    if not 0.0 < value < 1.0:
        raise InvalidInput(attribute.name, value, "must be in (0, 1)")


def _bars(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(attribute.name, value, "must be an integer >= 1")


@attrs.frozen(kw_only=True, slots=True)
class RegimeBreakerConfig(BreakerConfig):
    """Trip when P(high-volatility regime) > ``probability`` for ``bars`` bars."""

    probability: float = attrs.field(default=0.8, validator=_probability)
    bars: int = attrs.field(default=30, validator=_bars)


class RegimeBreaker(Breaker):
    """A persistent high-volatility regime on any symbol (module docstring)."""

    name = "regime"

    def __init__(self, config: RegimeBreakerConfig, regimes: RegimeMonitor) -> None:
        """Read ``regimes`` (the engine feeds it each bar before the gate)."""
        super().__init__(config)
        self._cfg = config
        self._regimes = regimes
        self._streak: dict[str, int] = {}
        self._last: dict[str, float] = {}

    def update(self, at: datetime, symbol: str) -> BreakerReading:
        """A bar of ``symbol`` closed (its regime already observed)."""
        high = self._regimes.high_vol(symbol)
        if high is not None and high > self._cfg.probability:
            self._streak[symbol] = self._streak.get(symbol, 0) + 1
        else:
            self._streak[symbol] = 0
        if high is not None:
            self._last[symbol] = high
        return self.tick(at)

    def _condition(self, at: datetime) -> tuple[bool, Inputs]:
        limit = {"probability": str(self._cfg.probability), "bars": str(self._cfg.bars)}
        if not self._streak:
            return False, limit
        symbol = max(self._streak, key=lambda s: (self._streak[s], s))
        streak = self._streak[symbol]
        return streak >= self._cfg.bars, {
            **limit,
            "symbol": symbol,
            "high_vol_bars": str(streak),
            "p_high_vol": f"{self._last.get(symbol, float('nan')):.4f}",
        }
