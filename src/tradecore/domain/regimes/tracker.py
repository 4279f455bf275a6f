"""A regime model run forward through time: observe, refit on schedule, filter.

:class:`RegimeTracker` is fed one bar at a time (timestamp, session, close). When a
refit is due it fits on the observations it already holds (every one strictly
before the current bar; the last ``window`` of them when rolling), relabels the
states by volatility, and re-filters the most recent ``refilter`` observations
with the new parameters (from their stationary distribution) to get the prior
for the current bar. Then the current observation is folded in by the forward
recursion. Nothing ever reads a later bar, so a run cut at any bar gives exactly
the prefix of the full run: the property the leakage check tests.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.fitter import RegimeFitter
from tradecore.domain.regimes.forward import CompiledFilter, filter_run
from tradecore.domain.regimes.observations import ObservationStream
from tradecore.domain.regimes.params import RegimeParams


@attrs.frozen(slots=True)
class RegimeFit:
    """One refit: when (the bar it was made at), on how many observations, result."""

    at_ns: int
    observations: int
    fitter: str
    params: RegimeParams

    def to_dict(self) -> dict[str, object]:
        """JSON-able (the params file; hashed into the run manifest)."""
        return {
            "at_ns": self.at_ns,
            "observations": self.observations,
            "fitter": self.fitter,
            "params": self.params.to_dict(),
        }


@attrs.frozen(slots=True)
class RegimeReading:
    """The filtered probabilities at one bar (state 0 = calmest) and the fit used."""

    probabilities: tuple[float, ...]
    fit_index: int

    @property
    def state(self) -> int:
        """The most probable state (the lower on a tie)."""
        p = self.probabilities
        return max(range(len(p)), key=lambda k: (p[k], -k))

    @property
    def high_vol(self) -> float:
        """P(the most volatile state)."""
        return self.probabilities[-1]


def standardisation(window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations of ``window`` (a flat column: 1)."""
    center = window.mean(axis=0)
    scale = window.std(axis=0)
    return center, np.where(scale > 0, scale, 1.0)


def fit_window(
    fitter: RegimeFitter, observations: np.ndarray, config: RegimeModelConfig
) -> RegimeParams:
    """Fit ``observations`` (n × 2, raw units), standardised by their own moments,
    states ordered calmest first."""
    center, scale = standardisation(observations)
    fitted = fitter.fit(
        (observations - center) / scale,
        config.states,
        seed=config.seed,
        n_iter=config.n_iter,
        tol=config.tol,
    )
    return attrs.evolve(
        fitted, center=center.tolist(), scale=scale.tolist()
    ).ordered_by_volatility()


class RegimeTracker:
    """Bar-by-bar regime probabilities of one series (module docstring)."""

    def __init__(self, config: RegimeModelConfig, fitter: RegimeFitter) -> None:
        """No bar seen yet; fits through ``fitter``."""
        self.config = config
        self.fitter = fitter
        self.fits: list[RegimeFit] = []
        self._stream = ObservationStream(config.vol_window)
        maxlen = config.window or None
        self._history: deque[tuple[float, float]] = deque(maxlen=maxlen)
        self._seen = 0
        self._since_fit = 0
        self._session: int | None = None
        self._params: RegimeParams | None = None
        self._filter: CompiledFilter | None = None
        self._every = config.refit_bars
        self._min_history = config.min_history
        self._probs: tuple[float, ...] = ()

    @property
    def params(self) -> RegimeParams | None:
        """The parameters in use (``None`` before the first fit)."""
        return self._params

    def update(
        self, timestamp_ns: int, session: int, close: float
    ) -> RegimeReading | None:
        """Fold in one closed bar; its reading (``None`` before the first fit or
        when the bar makes no observation)."""
        new_session = self._session is not None and session != self._session
        self._session = session
        if self._due(new_session):
            self._refit(timestamp_ns)
        observation = self._stream.update(close)
        if observation is None:
            return None
        self._history.append(observation)
        self._seen += 1
        self._since_fit += 1
        if self._filter is None:
            return None
        self._probs = self._filter.step(self._probs, observation)
        return RegimeReading(self._probs, len(self.fits) - 1)

    def _due(self, new_session: bool) -> bool:
        if self._seen < self._min_history:
            return False
        every = self._every
        if every is None:
            return new_session
        return self._params is None or self._since_fit >= every

    def _refit(self, timestamp_ns: int) -> None:
        window = np.array(self._history, dtype=np.float64)
        try:
            params = fit_window(self.fitter, window, self.config)
        except InvalidInput:
            return  # a failed fit keeps the model in use (and its schedule)
        finally:
            self._since_fit = 0
        tail = list(self._history)[-self.config.refilter :]
        self._probs = filter_run(params, tail)
        self._params = params
        self._filter = CompiledFilter(params)
        self.fits.append(RegimeFit(timestamp_ns, len(window), self.fitter.name, params))


def track_series(
    tracker: RegimeTracker,
    timestamps: Sequence[int],
    sessions: Sequence[int],
    closes: Sequence[float],
) -> NDArray[np.float64]:
    """Feed a whole series through ``tracker``; n × states filtered probabilities
    (NaN rows before the first fit and where a bar makes no observation)."""
    out = np.full((len(closes), tracker.config.states), np.nan)
    rows = zip(timestamps, sessions, closes, strict=True)
    for i, (ts, session, close) in enumerate(rows):
        reading = tracker.update(int(ts), int(session), float(close))
        if reading is not None:
            out[i] = reading.probabilities
    return out
