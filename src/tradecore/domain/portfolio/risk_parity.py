"""Equal (or budgeted) risk contributions, solved by Newton's method on Spinu's
convex formulation.

Why this method: F. Spinu (2013), "An algorithm for computing risk parity weights",
SSRN 2297383, shows that the long-only risk-budgeting weights are the normalised
minimiser of the strictly convex function

    f(x) = 1/2 x'Cx - sum_i b_i ln x_i,   x > 0,

whose first-order condition ``x_i (Cx)_i = b_i`` *is* the risk-budget condition. So a
damped Newton iteration (gradient ``Cx - b/x``, Hessian ``C + diag(b/x^2)``, step
halved until x stays positive and f decreases) converges quadratically from any
positive start, with no tuning and no scipy. Risk contributions
``RC_i = w_i (Cw)_i / w'Cw`` then equal ``b_i`` to machine precision.
"""

from __future__ import annotations

import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.portfolio.inputs import FloatArray

_MAX_ITERATIONS = 200
_TOLERANCE = 1e-14
#: Full Newton steps after the decrement is tiny: quadratic convergence takes the
#: risk contributions from ~1e-7 to rounding noise in one or two.
_POLISH_STEPS = 3


def _objective(covariance: FloatArray, budgets: FloatArray, x: FloatArray) -> float:
    return float(0.5 * x @ covariance @ x - budgets @ np.log(x))


def risk_budget_weights(
    covariance: FloatArray, budgets: FloatArray | None = None
) -> FloatArray:
    """Long-only weights (summing to 1) whose risk contributions equal ``budgets``
    (normalised; equal when ``None``).

    Raises:
        InvalidInput: the covariance is not symmetric positive definite, or the
            iteration did not converge.
    """
    size = covariance.shape[0]
    b = np.full(size, 1.0 / size) if budgets is None else budgets / budgets.sum()
    if np.linalg.eigvalsh(covariance).min() <= 0:
        raise InvalidInput("covariance", "not SPD", "risk parity needs an SPD matrix")
    x = b / np.sqrt(np.diag(covariance))
    for _ in range(_MAX_ITERATIONS):
        gradient = covariance @ x - b / x
        hessian = covariance + np.diag(b / x**2)
        step = np.linalg.solve(hessian, gradient)
        decrement = float(gradient @ step)
        if decrement <= _TOLERANCE:
            break
        x = _damped(covariance, b, x, step)
    else:
        raise InvalidInput("covariance", size, "risk parity did not converge")
    for _ in range(_POLISH_STEPS):
        step = np.linalg.solve(covariance + np.diag(b / x**2), covariance @ x - b / x)
        if (x - step > 0).all():
            x = x - step
    weights: FloatArray = x / x.sum()
    return weights


def _damped(
    covariance: FloatArray, budgets: FloatArray, x: FloatArray, step: FloatArray
) -> FloatArray:
    """The Newton step, halved until x stays positive and f does not increase."""
    current = _objective(covariance, budgets, x)
    length = 1.0
    while length > 1e-12:
        candidate = x - length * step
        if (candidate > 0).all() and _objective(
            covariance, budgets, candidate
        ) <= current:
            return candidate
        length /= 2.0
    return x - length * step if (x - length * step > 0).all() else x


def risk_contributions(covariance: FloatArray, weights: FloatArray) -> FloatArray:
    """Each weight's share of the portfolio variance: ``w_i (Cw)_i / w'Cw``."""
    marginal = covariance @ weights
    shares: FloatArray = weights * marginal / float(weights @ marginal)
    return shares
