"""Point-in-time estimators: Ledoit-Wolf equals scikit-learn's, EWMA and the window
behave as documented, and too little history is a reason, not an error."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.covariance import LedoitWolf

from tradecore.domain.portfolio.covariance import (
    estimate,
    ewma_covariance,
    ledoit_wolf,
    ledoit_wolf_shrinkage,
    sample_covariance,
)
from tradecore.domain.portfolio.inputs import CovarianceKind, EstimationConfig


@pytest.mark.parametrize(
    ("rows", "columns", "seed"), [(40, 5, 1), (10, 30, 2), (250, 12, 3), (3, 2, 4)]
)
def test_ledoit_wolf_equals_sklearn(rows: int, columns: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(columns, columns))
    data = rng.normal(0.001, 0.02, size=(rows, columns)) @ mixing
    reference = LedoitWolf().fit(data)
    centred = data - data.mean(axis=0)
    assert ledoit_wolf_shrinkage(centred) == pytest.approx(
        reference.shrinkage_, abs=1e-10
    )
    np.testing.assert_allclose(
        ledoit_wolf(data), reference.covariance_, rtol=0, atol=1e-10
    )


def test_ledoit_wolf_single_column_is_the_sample_variance() -> None:
    data = np.random.default_rng(5).normal(size=(30, 1))
    np.testing.assert_allclose(ledoit_wolf(data), sample_covariance(data), atol=1e-15)
    np.testing.assert_allclose(
        ledoit_wolf(data), LedoitWolf().fit(data).covariance_, atol=1e-12
    )


def test_ewma_with_a_long_halflife_approaches_the_sample() -> None:
    data = np.random.default_rng(6).normal(size=(50, 3))
    np.testing.assert_allclose(
        ewma_covariance(data, 1e9), sample_covariance(data), atol=1e-9
    )


def test_ewma_weighs_recent_rows_more() -> None:
    calm_then_wild = np.concatenate(
        [
            np.full((50, 1), 0.0) + np.tile([[0.001], [-0.001]], (25, 1)),
            np.tile([[0.05], [-0.05]], (5, 1)),
        ]
    )
    assert (
        ewma_covariance(calm_then_wild, 5.0)[0, 0]
        > 3 * sample_covariance(calm_then_wild)[0, 0]
    )


def test_only_the_last_window_of_complete_rows_counts() -> None:
    data = np.random.default_rng(7).normal(size=(100, 2))
    data[-5, 1] = np.nan
    config = EstimationConfig(
        window=30, min_observations=10, covariance=CovarianceKind.SAMPLE
    )
    result, reason = estimate(data, [0, 1], config)
    assert result is not None
    assert reason == ""
    assert result.rows == 29
    window = data[-30:]
    complete = window[np.isfinite(window).all(axis=1)]
    np.testing.assert_allclose(result.covariance, sample_covariance(complete))


def test_too_little_history_is_a_reason() -> None:
    data = np.random.default_rng(8).normal(size=(12, 2))
    result, reason = estimate(data, [0, 1], EstimationConfig(min_observations=20))
    assert result is None
    assert reason.startswith("insufficient_history: 12 complete rows")


def test_a_symbol_that_never_moved_is_insufficient() -> None:
    data = np.random.default_rng(9).normal(size=(80, 2))
    data[:, 1] = 0.0
    result, reason = estimate(data, [0, 1], EstimationConfig(min_observations=20))
    assert result is None
    assert "zero variance" in reason
