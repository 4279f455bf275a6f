"""Point-in-time vol and covariance estimates from a window of past returns.

Only the rows handed in are used (the caller passes returns *before* the decision
bar), the last ``window`` of them, and only rows where every symbol of interest has a
return (complete cases). Too few complete rows is not an error: :func:`estimate`
returns ``None`` with the reason, and the allocator falls back to equal weights.

Estimators:

* sample: the maximum-likelihood covariance of the demeaned window (divides by T,
  as Ledoit-Wolf does, so the two differ only by shrinkage);
* EWMA: exponentially weighted, weights ``0.5 ** (age / halflife)`` normalised to 1
  (RiskMetrics, J.P. Morgan 1996, Technical Document, sec. 5.2), around the weighted
  mean;
* Ledoit-Wolf: shrinkage of the sample covariance toward ``mu * I`` with the
  asymptotically optimal intensity of Ledoit & Wolf (2004), "A well-conditioned
  estimator for large-dimensional covariance matrices", J. Multivariate Analysis
  88(2), 365-411, Lemmas 3.2-3.4 and Theorem 3.1 -- computed exactly as
  ``sklearn.covariance.ledoit_wolf`` does (the tests check equality to 1e-10).
"""

from __future__ import annotations

import attrs
import numpy as np

from tradecore.domain.portfolio.inputs import (
    CovarianceKind,
    EstimationConfig,
    FloatArray,
)


@attrs.frozen(slots=True)
class RiskEstimate:
    """A covariance over ``columns`` (indices into the market symbols), and how many
    complete rows it came from."""

    covariance: FloatArray = attrs.field(eq=False)
    rows: int


def ledoit_wolf_shrinkage(centered: FloatArray) -> float:
    """The Ledoit-Wolf (2004) shrinkage intensity for already-centred data (T x N).

    ``delta`` is the squared Frobenius distance of the sample covariance S to
    ``mu * I`` (their d^2), ``beta`` the estimated error of S (their b^2, capped by
    d^2); the intensity is ``b^2 / d^2`` in [0, 1].
    """
    rows, features = centered.shape
    if features == 1:
        return 0.0
    squared = centered**2
    variances = squared.sum(axis=0) / rows
    mu = float(variances.sum()) / features
    beta_sum = float((squared.T @ squared).sum())
    delta_sum = float(((centered.T @ centered) ** 2).sum()) / rows**2
    beta = (beta_sum / rows - delta_sum) / (features * rows)
    delta = (
        delta_sum - 2.0 * mu * float(variances.sum()) + features * mu**2
    ) / features
    beta = min(beta, delta)
    return 0.0 if beta == 0.0 else beta / delta


def ledoit_wolf(returns: FloatArray) -> FloatArray:
    """The Ledoit-Wolf shrunk covariance of ``returns`` (T x N, T >= 1)."""
    centered = returns - returns.mean(axis=0)
    rows, features = centered.shape
    sample = (centered.T @ centered) / rows
    shrinkage = ledoit_wolf_shrinkage(centered)
    target = np.trace(sample) / features * np.eye(features)
    shrunk: FloatArray = (1.0 - shrinkage) * sample + shrinkage * target
    return shrunk


def sample_covariance(returns: FloatArray) -> FloatArray:
    """The maximum-likelihood (divide-by-T) covariance of ``returns``."""
    centered = returns - returns.mean(axis=0)
    covariance: FloatArray = (centered.T @ centered) / len(returns)
    return covariance


def ewma_covariance(returns: FloatArray, halflife: float) -> FloatArray:
    """Exponentially weighted covariance; the newest row weighs most."""
    ages = np.arange(len(returns) - 1, -1, -1, dtype=np.float64)
    weights = 0.5 ** (ages / halflife)
    weights /= weights.sum()
    mean = weights @ returns
    centered = returns - mean
    covariance: FloatArray = (centered * weights[:, None]).T @ centered
    return covariance


def complete_window(returns: FloatArray, columns: list[int], window: int) -> FloatArray:
    """The complete-case rows of ``columns`` among the last ``window`` rows."""
    recent = returns[-window:, columns] if len(returns) else returns[:, columns]
    mask = np.isfinite(recent).all(axis=1)
    complete: FloatArray = recent[mask]
    return complete


def estimate(
    returns: FloatArray, columns: list[int], config: EstimationConfig
) -> tuple[RiskEstimate | None, str]:
    """The covariance of ``columns``, or ``None`` and why there is none.

    A zero-variance column (a symbol that never moved in the window) makes inverse-
    vol and risk-parity weights meaningless, so it also counts as insufficient.
    """
    rows = complete_window(returns, columns, config.window)
    if len(rows) < max(config.min_observations, 2):
        return None, (
            f"insufficient_history: {len(rows)} complete rows in the last "
            f"{config.window} < {max(config.min_observations, 2)}"
        )
    if (rows.var(axis=0) <= 1e-20).any():
        return None, "insufficient_history: a symbol has zero variance in the window"
    if config.covariance is CovarianceKind.LEDOIT_WOLF:
        covariance = ledoit_wolf(rows)
    elif config.covariance is CovarianceKind.EWMA:
        covariance = ewma_covariance(rows, config.ewma_halflife)
    else:
        covariance = sample_covariance(rows)
    return RiskEstimate(covariance=covariance, rows=len(rows)), ""
