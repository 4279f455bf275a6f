"""Bars with planted volatility regimes: the ground truth a regime model is scored on.

A two-state (or K-state) Markov chain picks each bar's regime; regime ``k``'s log
returns are Gaussian with volatility ``base_vol * ratios[k]`` (calm first). The
chain switches with probability ``1 / mean_duration`` per bar, so regimes persist
for ``mean_duration`` bars on average (Hamilton 1989's switching model, used here
as a generator). Seeded: one seed, one series, in every process.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.datagen import bar_timestamps


@attrs.frozen(slots=True, eq=False)
class PlantedRegimes:
    """The bars and the regime each bar was drawn in (0 = calmest)."""

    frame: BarFrame
    states: NDArray[np.int64]


def planted_regime_bars(
    n_bars: int,
    *,
    seed: int,
    start: datetime,
    symbol: str = "REGM",
    base_vol: float = 0.001,
    ratios: Sequence[float] = (1.0, 3.0),
    mean_duration: float = 400.0,
    calendar: MarketCalendar | None = None,
) -> PlantedRegimes:
    """``n_bars`` one-minute bars of ``symbol`` with planted regimes.

    Raises:
        InvalidInput: fewer than 2 regimes, ratios not increasing, or a mean
            duration below 1 bar.
    """
    if len(ratios) < 2 or any(b <= a for a, b in itertools.pairwise(ratios)):
        raise InvalidInput("ratios", tuple(ratios), "need >= 2, strictly increasing")
    if mean_duration < 1:
        raise InvalidInput("mean_duration", mean_duration, "must be >= 1 bar")
    rng = np.random.default_rng(seed)
    states = _chain(rng, n_bars, len(ratios), 1.0 / mean_duration)
    vol = base_vol * np.asarray(ratios, dtype=np.float64)[states]
    steps = vol * rng.standard_normal(n_bars)
    log_close = np.log(100.0) + np.cumsum(steps)
    log_open = np.r_[np.log(100.0), log_close[:-1]]
    wick = 0.5 * vol * np.abs(rng.standard_normal((2, n_bars)))
    stamps = bar_timestamps(
        n_bars, start=start, interval=timedelta(minutes=1), calendar=calendar
    )
    frame = BarFrame(
        symbol=symbol,
        timestamps=stamps,
        open=np.exp(log_open),
        high=np.exp(np.maximum(log_open, log_close) + wick[0]),
        low=np.exp(np.minimum(log_open, log_close) - wick[1]),
        close=np.exp(log_close),
        volume=np.rint(10_000.0 * rng.lognormal(0.0, 0.3, n_bars)),
        provenance=Provenance.SIMULATED,
    )
    return PlantedRegimes(frame=frame, states=states)


def _chain(
    rng: np.random.Generator, n: int, k: int, switch: float
) -> NDArray[np.int64]:
    flips = rng.random(n) < switch
    jumps = rng.integers(1, k, n)  # to any other state
    states = np.zeros(n, dtype=np.int64)
    state = 0
    for i in range(n):
        if flips[i]:
            state = (state + int(jumps[i])) % k
        states[i] = state
    return states
