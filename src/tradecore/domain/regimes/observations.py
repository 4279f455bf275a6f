"""The HMM's observations, bar by bar: (log return, log realised volatility).

Realised volatility is the root mean square of the last ``window`` log returns
(zero-mean, the usual high-frequency estimator: Andersen, Bollerslev, Diebold &
Labys 2003, "Modeling and forecasting realized volatility", Econometrica 71(2));
its log is close to Gaussian, which is what the HMM's emissions assume. Only the
current and earlier closes enter an observation.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

#: Floor under realised volatility before the log (a flat window).
VOL_FLOOR = 1e-12


class ObservationStream:
    """Closes in, observations out (``None`` until ``window`` returns are seen)."""

    def __init__(self, window: int) -> None:
        """A stream over ``window`` returns of realised volatility."""
        self.window = window
        self._squares: deque[float] = deque(maxlen=window)
        self._last_close: float | None = None

    def update(self, close: float) -> tuple[float, float] | None:
        """Fold in one close; the observation it completes, if any."""
        previous, self._last_close = self._last_close, close
        if previous is None or not (previous > 0 and close > 0):
            return None
        r = math.log(close / previous)
        self._squares.append(r * r)
        if len(self._squares) < self.window:
            return None
        # Summed afresh (not a running sum): the same float on every path.
        vol = math.sqrt(math.fsum(self._squares) / self.window)
        return (r, math.log(max(vol, VOL_FLOOR)))


def observation_series(
    closes: Sequence[float], window: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Every observation of ``closes``: the bar indices that make one, and the
    observations (m × 2), exactly as :class:`ObservationStream` yields them."""
    stream = ObservationStream(window)
    index, rows = [], []
    for i, close in enumerate(closes):
        observation = stream.update(float(close))
        if observation is not None:
            index.append(i)
            rows.append(observation)
    return (
        np.asarray(index, dtype=np.int64),
        np.asarray(rows, dtype=np.float64).reshape(len(rows), 2),
    )
