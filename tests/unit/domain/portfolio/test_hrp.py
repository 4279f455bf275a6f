"""Hierarchical risk parity: the textbook answer on a block covariance, and the
same weights as a plain transcription of López de Prado's (2016) pseudo-code."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import squareform

from tradecore.domain.portfolio.hrp import correlation_distance, hrp_weights


def _block(size: int, vol: float, rho: float) -> np.ndarray:
    corr = np.full((size, size), rho)
    np.fill_diagonal(corr, 1.0)
    return corr * vol**2


def test_two_uncorrelated_blocks_of_identical_assets() -> None:
    """By hand: the dendrogram splits the blocks first; each block's inverse-variance
    portfolio is equal-weighted with variance ``s^2 (1 + 3 rho) / 4`` (4 assets), so
    block A gets ``V_B / (V_A + V_B)``, shared equally by its four assets."""
    vol_a, rho_a, vol_b, rho_b = 0.1, 0.5, 0.3, 0.2
    covariance = np.zeros((8, 8))
    covariance[:4, :4] = _block(4, vol_a, rho_a)
    covariance[4:, 4:] = _block(4, vol_b, rho_b)
    var_a = vol_a**2 * (1 + 3 * rho_a) / 4
    var_b = vol_b**2 * (1 + 3 * rho_b) / 4
    share_a = var_b / (var_a + var_b)
    weights = hrp_weights(covariance)
    np.testing.assert_allclose(weights[:4], share_a / 4, atol=1e-14)
    np.testing.assert_allclose(weights[4:], (1 - share_a) / 4, atol=1e-14)
    assert share_a == pytest.approx(0.036 / (0.00625 + 0.036))  # 0.852...


def test_interleaved_blocks_are_found_by_the_clustering() -> None:
    """The same two blocks with their assets interleaved: the clustering, not the
    input order, must decide the split."""
    covariance = np.zeros((4, 4))
    a, b = [0, 2], [1, 3]
    covariance[np.ix_(a, a)] = _block(2, 0.1, 0.9)
    covariance[np.ix_(b, b)] = _block(2, 0.2, 0.9)
    weights = hrp_weights(covariance)
    var_a, var_b = 0.01 * 0.95, 0.04 * 0.95
    np.testing.assert_allclose(weights[a], var_b / (var_a + var_b) / 2, atol=1e-14)


# --- the paper's pseudo-code, transcribed (Snippets 16.2-16.4, no pandas) -----------


def _paper_quasi_diag(link: np.ndarray) -> list[int]:
    link = link.astype(int)
    items = link[-1, 3]
    order = [link[-1, 0], link[-1, 1]]
    while max(order) >= items:
        expanded: list[int] = []
        for i in order:
            if i >= items:
                expanded += [link[i - items, 0], link[i - items, 1]]
            else:
                expanded.append(i)
        order = expanded
    return [int(i) for i in order]


def _paper_cluster_var(cov: np.ndarray, items: list[int]) -> float:
    sub = cov[np.ix_(items, items)]
    ivp = 1.0 / np.diag(sub)
    ivp /= ivp.sum()
    return float(ivp @ sub @ ivp)


def _paper_rec_bipart(cov: np.ndarray, order: list[int]) -> np.ndarray:
    w = np.ones(len(order))
    clusters = [order]
    while clusters:
        clusters = [
            c[j:k]
            for c in clusters
            for j, k in ((0, len(c) // 2), (len(c) // 2, len(c)))
            if len(c) > 1
        ]
        for i in range(0, len(clusters), 2):
            left, right = clusters[i], clusters[i + 1]
            v_left = _paper_cluster_var(cov, left)
            v_right = _paper_cluster_var(cov, right)
            alpha = 1 - v_left / (v_left + v_right)
            w[left] *= alpha
            w[right] *= 1 - alpha
    return w


@pytest.mark.parametrize("seed", range(8))
def test_matches_the_papers_pseudo_code(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 12))
    factors = rng.normal(size=(size, 3))
    covariance = factors @ factors.T * 1e-4 + np.diag(rng.uniform(1e-5, 1e-3, size))
    link = linkage(squareform(correlation_distance(covariance), checks=False), "single")
    expected = _paper_rec_bipart(covariance, _paper_quasi_diag(link))
    np.testing.assert_allclose(hrp_weights(covariance), expected, atol=1e-13)
    assert hrp_weights(covariance).sum() == pytest.approx(1.0)
