"""hmmlearn's GaussianHMM as the regime fitter (``pip install 'tradecore[regimes]'``).

Baum–Welch (EM) with a fixed iteration cap and tolerance, diagonal covariances,
and a deterministic start instead of k-means: observations sorted by volatility
and cut into ``states`` equal groups give the initial means and variances, the
transition matrix starts at 0.95 on the diagonal. The seed still goes to
``random_state``. The same window therefore gives the same parameters in any
process (hmmlearn's EM has no other source of randomness), and EM starts near the
volatility ordering the domain imposes afterwards
(https://hmmlearn.readthedocs.io/en/stable/api.html#gaussianhmm).
"""

from __future__ import annotations

import logging
from importlib.metadata import version

import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.regimes.params import VOL, RegimeParams

#: Probability of staying in a state at EM's start.
STAY = 0.95
#: hmmlearn's floor on variances, in standardised units.
MIN_COVAR = 1e-3


class HmmlearnFitter:
    """A :class:`~tradecore.ports.regimes.RegimeFitter` over hmmlearn."""

    def __init__(self) -> None:
        """Import hmmlearn now (a missing extra fails here, once)."""
        from hmmlearn.hmm import GaussianHMM

        self._model_class = GaussianHMM
        self.name = f"hmmlearn {version('hmmlearn')}"
        # EM's "not converging" notes are about rounding; the fit is still used.
        logging.getLogger("hmmlearn.base").setLevel(logging.ERROR)

    def fit(
        self,
        observations: NDArray[np.float64],
        states: int,
        *,
        seed: int,
        n_iter: int,
        tol: float,
    ) -> RegimeParams:
        """Fit ``states`` regimes to standardised ``observations`` (n × 2).

        Raises:
            InvalidInput: too few observations, EM failed, or it produced
                non-finite parameters.
        """
        x = np.ascontiguousarray(observations, dtype=np.float64)
        if x.ndim != 2 or len(x) < 2 * states:
            raise InvalidInput("regime observations", x.shape, "too few to fit")
        model = self._model_class(
            n_components=states,
            covariance_type="diag",
            min_covar=MIN_COVAR,
            n_iter=n_iter,
            tol=tol,
            random_state=seed,
            init_params="",
            params="stmc",
            implementation="log",
        )
        start_means, start_vars = _quantile_start(x, states)
        model.startprob_ = np.full(states, 1.0 / states)
        model.transmat_ = _sticky(states)
        model.means_ = start_means
        model.covars_ = start_vars
        try:
            model.fit(x)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
            # A degenerate window (e.g. a state left with no mass): the tracker
            # keeps the model in use rather than stopping the run.
            raise InvalidInput("regime fit", "EM", f"failed: {error}") from None
        return _params(model, x.shape[1])


def _quantile_start(
    x: NDArray[np.float64], states: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    order = np.argsort(x[:, VOL], kind="stable")
    groups = np.array_split(x[order], states)
    means = np.array([g.mean(axis=0) for g in groups])
    variances = np.array([g.var(axis=0) + MIN_COVAR for g in groups])
    return means, variances


def _sticky(states: int) -> NDArray[np.float64]:
    leave = (1.0 - STAY) / (states - 1)
    matrix = np.full((states, states), leave)
    np.fill_diagonal(matrix, STAY)
    return matrix


def _params(model: object, features: int) -> RegimeParams:
    start = np.asarray(model.startprob_)  # type: ignore[attr-defined]
    transmat = np.asarray(model.transmat_)  # type: ignore[attr-defined]
    means = np.asarray(model.means_)  # type: ignore[attr-defined]
    variances = np.diagonal(np.asarray(model.covars_), axis1=1, axis2=2)  # type: ignore[attr-defined]
    if not all(np.isfinite(a).all() for a in (start, transmat, means, variances)):
        raise InvalidInput("regime fit", "EM", "produced non-finite parameters")
    # Rows renormalised: EM's sums are 1 up to rounding, the domain checks 1e-6.
    transmat = transmat / transmat.sum(axis=1, keepdims=True)
    return RegimeParams(
        start=(start / start.sum()).tolist(),
        transmat=transmat.tolist(),
        means=means.tolist(),
        variances=variances.tolist(),
        center=[0.0] * features,
        scale=[1.0] * features,
    )
