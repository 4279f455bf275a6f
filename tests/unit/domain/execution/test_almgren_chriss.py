"""Almgren–Chriss: the closed form against an independent solve, TWAP limit, edges."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradecore.domain import (
    almgren_chriss_kappa,
    almgren_chriss_trajectory,
    completion_time,
)
from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.almgren_chriss import holdings_fraction

X, T, N = 1_000.0, 10.0, 5
SIGMA, ETA, GAMMA = 0.5, 0.01, 0.001


def _numerical_optimum(lam: float) -> np.ndarray:
    """Minimise E + λV over x_1..x_{N-1} by solving the first-order linear system.

    E + λV = const + (η̃/τ)·Σ(x_{j−1} − x_j)² + λσ²τ·Σ x_j² is quadratic in the
    interior holdings; its gradient is a tridiagonal linear system, solved here with
    numpy — an independent check of the closed form.
    """
    tau = T / N
    eta_tilde = ETA - GAMMA * tau / 2
    a, c = eta_tilde / tau, lam * SIGMA**2 * tau
    m = N - 1
    matrix = np.zeros((m, m))
    rhs = np.zeros(m)
    for i in range(m):
        matrix[i, i] = 2 * a + c
        if i > 0:
            matrix[i, i - 1] = -a
        if i < m - 1:
            matrix[i, i + 1] = -a
    rhs[0] = a * X
    return np.concatenate([[X], np.linalg.solve(matrix, rhs), [0.0]])


@pytest.mark.parametrize("lam", [1e-4, 1e-3, 1e-2, 0.1])
def test_closed_form_matches_the_numerically_optimal_schedule(lam: float) -> None:
    trajectory = almgren_chriss_trajectory(X, T, N, SIGMA, ETA, GAMMA, lam)
    np.testing.assert_allclose(trajectory.holdings, _numerical_optimum(lam), rtol=1e-9)


def test_zero_risk_aversion_is_exactly_twap() -> None:
    trajectory = almgren_chriss_trajectory(X, T, N, SIGMA, ETA, GAMMA, 0.0)
    assert trajectory.kappa == 0.0
    assert trajectory.holdings == (1000.0, 800.0, 600.0, 400.0, 200.0, 0.0)
    assert trajectory.trades == (200.0,) * 5


def test_vanishing_risk_aversion_tends_to_twap() -> None:
    twap = np.linspace(X, 0.0, N + 1)

    def distance(lam: float) -> float:
        run = almgren_chriss_trajectory(X, T, N, SIGMA, ETA, GAMMA, lam)
        return float(np.max(np.abs(np.array(run.holdings) - twap)))

    errors = [distance(lam) for lam in (1e-2, 1e-4, 1e-6, 1e-9)]
    assert errors == sorted(errors, reverse=True)
    # The deviation is O(κ²) = O(λ): a thousand times less λ, a thousand times closer.
    assert errors[-1] == pytest.approx(errors[-2] / 1000, rel=0.01)
    assert errors[-1] < 1e-3


def test_expected_cost_and_variance_of_twap_match_the_textbook_values() -> None:
    trajectory = almgren_chriss_trajectory(
        X, T, N, SIGMA, ETA, GAMMA, 0.0, epsilon=0.02
    )
    tau = T / N
    eta_tilde = ETA - GAMMA * tau / 2
    # E = ½γX² + εX + η̃X²/T and V = σ²τ·Σx_j² for the straight line.
    assert trajectory.expected_cost == pytest.approx(
        0.5 * GAMMA * X**2 + 0.02 * X + eta_tilde * X**2 / T
    )
    assert trajectory.variance == pytest.approx(
        SIGMA**2 * tau * sum((X * (1 - j / N)) ** 2 for j in range(1, N + 1))
    )


def test_more_risk_aversion_trades_cost_for_variance() -> None:
    runs = [
        almgren_chriss_trajectory(X, T, N, SIGMA, ETA, GAMMA, lam)
        for lam in (0.0, 1e-3, 1e-2, 1e-1)
    ]
    costs = [r.expected_cost for r in runs]
    variances = [r.variance for r in runs]
    assert costs == sorted(costs)
    assert variances == sorted(variances, reverse=True)
    assert runs[-1].trades[0] > runs[-1].trades[-1]  # front-loaded


def test_schedule_liquidates_exactly_and_never_reverses() -> None:
    trajectory = almgren_chriss_trajectory(1e6, 390.0, 78, 2.0, 1e-4, 1e-7, 1e-3)
    assert trajectory.holdings[0] == 1e6
    assert trajectory.holdings[-1] == 0.0
    assert sum(trajectory.trades) == pytest.approx(1e6)
    assert all(t >= 0 for t in trajectory.trades)


def test_huge_kappa_does_not_overflow() -> None:
    trajectory = almgren_chriss_trajectory(1000.0, 1000.0, 1000, 10.0, 1e-6, 0.0, 1.0)
    assert all(math.isfinite(h) for h in trajectory.holdings)
    assert trajectory.holdings[1] < 1.0  # essentially all traded in the first step


def test_kappa_solves_the_discrete_equation() -> None:
    tau, sigma, eta_tilde, lam = 2.0, 0.5, 0.009, 1e-2
    kappa = almgren_chriss_kappa(tau, sigma, eta_tilde, lam)
    kappa_tilde_sq = lam * sigma**2 / eta_tilde
    assert math.cosh(kappa * tau) == pytest.approx(1 + kappa_tilde_sq * tau**2 / 2)


def test_kappa_keeps_its_digits_for_tiny_risk_aversion() -> None:
    # cosh(κτ) = 1 + z loses z below machine epsilon; the log1p form does not.
    kappa = almgren_chriss_kappa(1.0, 1.0, 1.0, 1e-20)
    assert kappa == pytest.approx(1e-10, rel=1e-6)


def test_completion_time_inverts_the_holdings_curve() -> None:
    for kappa in (0.0, 0.01, 0.5, 3.0):
        t = completion_time(kappa, 60.0, 0.05)
        assert holdings_fraction(kappa, 60.0, t) == pytest.approx(0.05, abs=1e-9)


def test_completion_time_shrinks_as_kappa_grows_and_survives_huge_kappa() -> None:
    times = [completion_time(k, 390.0, 0.05) for k in (0.0, 0.01, 0.1, 1.0, 100.0)]
    assert times == sorted(times, reverse=True)
    assert times[0] == pytest.approx(0.95 * 390.0)
    assert times[-1] == pytest.approx(-math.log(0.05) / 100.0)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("shares", {"shares": 0.0}),
        ("horizon", {"horizon": -1.0}),
        ("n_intervals", {"n_intervals": 0}),
        ("eta", {"eta": 0.0}),
        ("sigma", {"sigma": float("nan")}),
        ("risk_aversion", {"risk_aversion": -1.0}),
        ("eta", {"gamma": 1.0}),  # eta - gamma*tau/2 <= 0
    ],
)
def test_bad_arguments_name_the_field(field: str, kwargs: dict[str, float]) -> None:
    args: dict[str, float] = {
        "shares": X,
        "horizon": T,
        "n_intervals": N,
        "sigma": SIGMA,
        "eta": ETA,
        "gamma": GAMMA,
        "risk_aversion": 0.0,
    }
    args.update(kwargs)
    with pytest.raises(InvalidInput) as caught:
        almgren_chriss_trajectory(**args)  # type: ignore[arg-type]
    assert caught.value.field == field
