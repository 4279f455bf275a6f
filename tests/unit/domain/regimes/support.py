"""A quick, deterministic regime fitter for the domain's tests (no EM).

It splits the window at its median volatility and takes each half's moments: a
real (if crude) two-state fit, fast enough to run thousands of times, and it
records every window it was given so a test can check what each fit saw.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.regimes.params import VOL, RegimeParams


class MedianSplitFitter:
    """Two or more states from volatility quantiles; remembers its inputs."""

    name = "median-split"

    def __init__(self, fail_after: int | None = None) -> None:
        self.windows: list[NDArray[np.float64]] = []
        self.fail_after = fail_after

    def fit(
        self,
        observations: NDArray[np.float64],
        states: int,
        *,
        seed: int,
        n_iter: int,
        tol: float,
    ) -> RegimeParams:
        self.windows.append(observations.copy())
        if self.fail_after is not None and len(self.windows) > self.fail_after:
            raise InvalidInput("regime fit", "test", "refused")
        order = np.argsort(observations[:, VOL], kind="stable")
        # Deliberately returned most volatile first: the domain must reorder.
        groups = np.array_split(observations[order], states)[::-1]
        stay = 0.98
        leave = (1 - stay) / (states - 1)
        transmat = np.full((states, states), leave)
        np.fill_diagonal(transmat, stay)
        return RegimeParams(
            start=[1.0 / states] * states,
            transmat=transmat.tolist(),
            means=[g.mean(axis=0).tolist() for g in groups],
            variances=[(g.var(axis=0) + 1e-3).tolist() for g in groups],
            center=[0.0, 0.0],
            scale=[1.0, 1.0],
        )
