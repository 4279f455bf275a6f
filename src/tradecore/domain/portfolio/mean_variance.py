"""Mean-variance weights of one sleeve under a shrunk covariance.

Maximises ``mu'w - (lambda/2) w'Cw`` over weights that keep each symbol on the side
the sleeve asked for (``s_i w_i >= 0``) and sum, signed, to a gross of one
(``sum_i s_i w_i = 1``): Markowitz (1952), "Portfolio selection", J. Finance 7(1),
with ``C`` the Ledoit-Wolf shrunk covariance by default (a sample covariance is too
noisy to invert at typical T/N; Ledoit & Wolf 2004). With no expected returns
(``mu = 0``) this is the sign-constrained minimum-variance sleeve. The constraints are
linear and the objective is a convex quadratic, so SLSQP (scipy.optimize, Kraft 1988)
finds the global optimum; it starts from equal weights.
"""

from __future__ import annotations

import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.portfolio.inputs import FloatArray


def mean_variance_weights(
    covariance: FloatArray,
    expected: FloatArray,
    signs: FloatArray,
    risk_aversion: float,
) -> FloatArray:
    """Signed weights with ``sum |w| = 1`` (see the module docstring).

    Raises:
        InvalidInput: the optimiser failed.
    """
    size = len(signs)
    if size == 1:
        return signs.astype(np.float64)
    # Imported on use: scipy.optimize would slow every ``import tradecore``.
    from scipy.optimize import minimize

    # Work in y = s * w >= 0 (the unsigned sizes): C_y = S C S, mu_y = S mu.
    cov_y = covariance * np.outer(signs, signs)
    mu_y = expected * signs

    def objective(y: FloatArray) -> float:
        return float(0.5 * risk_aversion * y @ cov_y @ y - mu_y @ y)

    def gradient(y: FloatArray) -> FloatArray:
        grad: FloatArray = risk_aversion * cov_y @ y - mu_y
        return grad

    result = minimize(
        objective,
        np.full(size, 1.0 / size),
        jac=gradient,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * size,
        constraints=[{"type": "eq", "fun": lambda y: float(y.sum()) - 1.0}],
        options={"ftol": 1e-15, "maxiter": 500},
    )
    if not result.success:
        raise InvalidInput("mean_variance", result.message, "optimiser failed")
    sizes = np.clip(np.asarray(result.x, dtype=np.float64), 0.0, None)
    weights: FloatArray = signs * sizes / sizes.sum()
    return weights
