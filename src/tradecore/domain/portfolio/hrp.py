"""Hierarchical risk parity.

Source: M. López de Prado (2016), "Building diversified portfolios that outperform
out of sample", J. Portfolio Management 42(4), 59-69 (the algorithm in its
appendix). Three steps:

1. tree clustering: the correlation distance ``d_ij = sqrt((1 - rho_ij) / 2)`` and
   single linkage (scipy.cluster.hierarchy; we cluster on ``d`` itself, as the
   paper's text states -- its code snippet passes the square matrix, which scipy
   reads as observations, i.e. clusters on the Euclidean distance between columns
   of ``d``);
2. quasi-diagonalisation: the leaf order of the dendrogram;
3. recursive bisection: split the ordered list in halves; each half's variance is
   that of its inverse-variance portfolio ``V = w'Cw``, ``w ∝ 1/diag(C)``; the left
   half gets ``alpha = 1 - V_left / (V_left + V_right)`` of the parent's weight.

Deterministic: the input order (symbols sorted by the caller) fixes scipy's
tie-breaking.
"""

from __future__ import annotations

import numpy as np

from tradecore.domain.portfolio.inputs import FloatArray


def correlation_distance(covariance: FloatArray) -> FloatArray:
    """``sqrt((1 - rho) / 2)`` for every pair, zero on the diagonal."""
    vols = np.sqrt(np.diag(covariance))
    correlation = np.clip(covariance / np.outer(vols, vols), -1.0, 1.0)
    distance: FloatArray = np.sqrt(np.clip((1.0 - correlation) / 2.0, 0.0, 1.0))
    np.fill_diagonal(distance, 0.0)
    return distance


def quasi_diagonal_order(covariance: FloatArray) -> list[int]:
    """Indices in the leaf order of the single-linkage dendrogram."""
    if covariance.shape[0] < 2:
        return list(range(covariance.shape[0]))
    # Imported on use: scipy.cluster would slow every ``import tradecore``.
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    condensed = squareform(correlation_distance(covariance), checks=False)
    return [int(i) for i in leaves_list(linkage(condensed, method="single"))]


def cluster_variance(covariance: FloatArray, members: list[int]) -> float:
    """The variance of the inverse-variance portfolio of ``members``."""
    sub = covariance[np.ix_(members, members)]
    inverse = 1.0 / np.diag(sub)
    weights = inverse / inverse.sum()
    return float(weights @ sub @ weights)


def hrp_weights(covariance: FloatArray) -> FloatArray:
    """Long-only HRP weights summing to 1, in the input's column order."""
    weights = np.ones(covariance.shape[0])
    pending = [quasi_diagonal_order(covariance)]
    while pending:
        cluster = pending.pop()
        if len(cluster) < 2:
            continue
        half = len(cluster) // 2
        left, right = cluster[:half], cluster[half:]
        left_var = cluster_variance(covariance, left)
        right_var = cluster_variance(covariance, right)
        alpha = 1.0 - left_var / (left_var + right_var)
        weights[left] *= alpha
        weights[right] *= 1.0 - alpha
        pending.extend([right, left])
    result: FloatArray = weights / weights.sum()
    return result
