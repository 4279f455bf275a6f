"""Risk parity by Newton on Spinu's convex problem: equal (or budgeted) risk."""

from __future__ import annotations

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.portfolio.risk_parity import (
    risk_budget_weights,
    risk_contributions,
)


def test_diagonal_covariance_gives_inverse_vol_weights() -> None:
    vols = np.array([0.1, 0.2, 0.4])
    weights = risk_budget_weights(np.diag(vols**2))
    expected = (1 / vols) / (1 / vols).sum()
    np.testing.assert_allclose(weights, expected, atol=1e-12)


def test_budgets_are_met() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 6))
    covariance = a @ a.T + 0.1 * np.eye(6)
    budgets = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 1.0])
    weights = risk_budget_weights(covariance, budgets)
    np.testing.assert_allclose(
        risk_contributions(covariance, weights), budgets / budgets.sum(), atol=1e-10
    )
    assert weights.sum() == pytest.approx(1.0)


def test_a_matrix_that_is_not_positive_definite_is_refused() -> None:
    with pytest.raises(InvalidInput, match="SPD"):
        risk_budget_weights(np.array([[1.0, 2.0], [2.0, 1.0]]))
