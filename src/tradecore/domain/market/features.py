"""Point-in-time market features from bars: volatility, usual volume, liquidity now.

Why: the cost model and the execution-policy selector need a daily volatility, an
average daily volume and how today's volume compares with it, but the engine only
sees closed bars (close, volume). These are tracked incrementally per symbol with
exponentially weighted averages, updated with each bar *before* the strategy sees it,
so a decision on bar t uses bars up to t and nothing later.

Per-bar figures are scaled to a day with ``bars_per_day``: the bars of the bar
interval in one regular session of the market's calendar (390 one-minute, 78
five-minute, 6.5 hourly bars on XNYS; 1 for daily bars, so a daily volatility is the
per-day stdev and the ADV the mean daily volume). Build the config with
:meth:`FeatureConfig.for_interval`; the bare default (390) assumes one-minute XNYS
bars. Until ``warmup`` returns were seen, the configured priors stand in for the
volatility.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import attrs

from tradecore.domain.float_checks import fraction, positive
from tradecore.domain.market.calendar import MarketCalendar


@attrs.frozen(kw_only=True, slots=True)
class FeatureConfig:
    """How the features are smoothed and what they are before there is data."""

    #: EWMA weight of the newest bar.
    smoothing: float = attrs.field(default=0.05, validator=fraction)
    bars_per_day: float = attrs.field(default=390.0, validator=positive)
    prior_daily_volatility: float = attrs.field(default=0.02, validator=positive)
    warmup: int = 20

    @classmethod
    def for_interval(
        cls, calendar: MarketCalendar, interval: timedelta, **settings: Any
    ) -> FeatureConfig:
        """Return the config for bars of ``interval`` on ``calendar``'s sessions.

        ``bars_per_day`` is ``calendar.bars_per_session(interval)``; ``settings``
        sets the other fields.

        Raises:
            InvalidInput: ``interval`` is not a positive timedelta.
        """
        return cls(bars_per_day=calendar.bars_per_session(interval), **settings)


@attrs.frozen(slots=True)
class SymbolFeatures:
    """One symbol's features now."""

    daily_volatility: float
    adv: float
    liquidity_ratio: float


class _State:
    __slots__ = ("close", "count", "last_volume", "variance", "volume")

    def __init__(self, close: float, volume: float) -> None:
        self.close = close
        self.count = 0
        self.variance = 0.0
        self.volume = volume
        self.last_volume = volume


class FeatureTracker:
    """Incremental per-symbol volatility and volume averages."""

    __slots__ = ("_alpha", "_config", "_keep", "_states")

    def __init__(self, config: FeatureConfig | None = None) -> None:
        """Start with no history (priors until ``warmup`` bars were seen)."""
        self._config = config or FeatureConfig()
        self._alpha = self._config.smoothing
        self._keep = 1.0 - self._alpha
        self._states: dict[str, _State] = {}

    def update(self, symbol: str, close: float, volume: float) -> None:
        """Fold one closed bar into the symbol's averages."""
        state = self._states.get(symbol)
        if state is None:
            self._states[symbol] = _State(close, volume)
            return
        if close > 0.0 and state.close > 0.0:
            r = math.log(close / state.close)
            state.variance = self._keep * state.variance + self._alpha * r * r
            state.count += 1
        state.close = close
        state.volume = self._keep * state.volume + self._alpha * volume
        state.last_volume = volume

    def features(self, symbol: str) -> SymbolFeatures:
        """Return the symbol's features (priors for a symbol never seen)."""
        c = self._config
        state = self._states.get(symbol)
        if state is None:
            return SymbolFeatures(c.prior_daily_volatility, c.bars_per_day, 1.0)
        volatility = c.prior_daily_volatility
        if state.count >= c.warmup and state.variance > 0.0:
            volatility = math.sqrt(state.variance * c.bars_per_day)
        per_bar = max(state.volume, 1.0)
        ratio = max(state.last_volume / per_bar, 0.01)
        return SymbolFeatures(volatility, per_bar * c.bars_per_day, ratio)
