"""Strategies that trade on the regime, for the leakage check's tests.

``RegimeTimer`` reads the ``regime`` feature bar by bar (past-only fits, filtered
probabilities): long in the calm regime, flat in the volatile one.
``FullSeriesRegimeTimer`` is the classic mistake, kept here only: one HMM fitted on
*all* the bars it was built with, read through smoothed (forward-backward)
probabilities, so every label knows where its regime ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from tradecore.adapters.regimes.in_sample import in_sample_states
from tradecore.apps.wiring.regime_fitters import install_regime_fitters
from tradecore.domain.features import FeatureSet, FeatureSpec
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.observations import observation_series
from tradecore.domain.strategies.protocol import NO_TARGETS, PortfolioView, Target

PARAMS = {"refit": "150", "min_history": 150, "vol_window": 20}
CONFIG = RegimeModelConfig(refit="150", min_history=150, vol_window=20)


class RegimeTimer:
    """Long 100 while P(high volatility) < 0.5, flat otherwise (point in time)."""

    strategy_id = "regime_timer"

    def __init__(self) -> None:
        install_regime_fitters()
        features = FeatureSet([FeatureSpec("p_high", "regime", PARAMS)])  # type: ignore[arg-type]
        self._online = features.online()
        self._long: dict[str, bool] = {}

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        row = self._online.update(
            symbol, timestamp_ns, close, close, close, close, volume
        )
        if np.isnan(row[0]):
            return NO_TARGETS
        return _flip(self._long, symbol, bool(row[0] < 0.5), timestamp_ns)


class FullSeriesRegimeTimer:
    """The same rule on in-sample smoothed regimes of the whole series (WRONG)."""

    strategy_id = "full_series_regime_timer"

    def __init__(self, frames: Sequence[BarFrame]) -> None:
        self._state: dict[str, dict[int, int]] = {}
        for f in frames:
            index, observations = observation_series(f.close, CONFIG.vol_window)
            states = in_sample_states(observations, CONFIG)
            stamps = f.timestamps[index].tolist()
            self._state[f.symbol] = dict(zip(stamps, states.tolist(), strict=True))
        self._long: dict[str, bool] = {}

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        state = self._state[symbol].get(timestamp_ns)
        if state is None:
            return NO_TARGETS
        return _flip(self._long, symbol, state == 0, timestamp_ns)


def _flip(held: dict[str, bool], symbol: str, want: bool, at: int) -> Sequence[Target]:
    if held.get(symbol, False) == want:
        return NO_TARGETS
    held[symbol] = want
    return (Target(symbol, Decimal(100 if want else 0), f"regime@{at}"),)
