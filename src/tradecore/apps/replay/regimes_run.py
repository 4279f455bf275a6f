"""Fit and read the regimes of a data set: per symbol, or for the market.

Each series runs through its own :class:`~tradecore.domain.regimes.tracker.RegimeTracker`
(past-only fits on the schedule asked for, filtered probabilities), with the
sessions of the market calendar. ``market=True`` fits one model on an
equal-weighted market series instead: at each bar time, the mean of the log
returns of the symbols that traded then (each from its own previous bar).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import ConfigurationError
from tradecore.domain.features.feature_set import CalendarContext
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.fitter import RegimeFitter
from tradecore.domain.regimes.scoring import most_probable
from tradecore.domain.regimes.summary import RegimeSummary, summarise
from tradecore.domain.regimes.tracker import RegimeFit, RegimeTracker, track_series

MARKET = "MARKET"


@attrs.frozen(kw_only=True, eq=False)
class SeriesRegimes:
    """One series' bars, filtered probabilities (n × states), fits and summary."""

    symbol: str
    timestamps: NDArray[np.int64]
    closes: NDArray[np.float64]
    probabilities: NDArray[np.float64]
    fits: tuple[RegimeFit, ...]
    summary: RegimeSummary

    @property
    def states(self) -> NDArray[np.int64]:
        """The most probable state per bar (-1: no reading yet)."""
        return most_probable(self.probabilities)


@attrs.frozen(kw_only=True, eq=False)
class RegimeStudy:
    """Every series' regimes under one model configuration and fitter."""

    config: RegimeModelConfig
    fitter: str
    series: tuple[SeriesRegimes, ...]


def study_regimes(
    frames: Sequence[BarFrame],
    calendar: MarketCalendar,
    config: RegimeModelConfig,
    fitter: RegimeFitter,
    *,
    market: bool = False,
) -> RegimeStudy:
    """The regimes of ``frames`` (see the module docstring).

    Raises:
        ConfigurationError: no bars.
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        raise ConfigurationError("no bars to fit regimes on")
    context = CalendarContext(calendar)
    inputs = (
        [market_series(frames)]
        if market
        else [
            (f.symbol, f.timestamps, f.close)
            for f in sorted(frames, key=lambda f: f.symbol)
        ]
    )
    out = []
    for symbol, stamps, closes in inputs:
        sessions = [context.of(t)[0] for t in stamps.tolist()]
        tracker = RegimeTracker(config, fitter)
        probs = track_series(tracker, stamps.tolist(), sessions, closes.tolist())
        out.append(
            SeriesRegimes(
                symbol=symbol,
                timestamps=stamps,
                closes=closes,
                probabilities=probs,
                fits=tuple(tracker.fits),
                summary=summarise(most_probable(probs), config.states),
            )
        )
    return RegimeStudy(config=config, fitter=fitter.name, series=tuple(out))


def market_series(
    frames: Sequence[BarFrame],
) -> tuple[str, NDArray[np.int64], NDArray[np.float64]]:
    """An equal-weighted market index (starting at 100) over every bar time."""
    stamps = np.unique(np.concatenate([f.timestamps for f in frames]))
    total = np.zeros(len(stamps))
    count = np.zeros(len(stamps))
    for f in frames:
        at = np.searchsorted(stamps, f.timestamps[1:])
        np.add.at(total, at, np.log(f.close[1:] / f.close[:-1]))
        np.add.at(count, at, 1.0)
    mean = np.divide(total, count, out=np.zeros(len(stamps)), where=count > 0)
    return MARKET, stamps, 100.0 * np.exp(np.cumsum(mean))
