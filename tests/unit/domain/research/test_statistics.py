"""Return statistics and the probabilistic / deflated Sharpe ratios.

The deflated Sharpe ratio reproduces the numerical example of Bailey & López de
Prado (2014), "The Deflated Sharpe Ratio: Correcting for Selection Bias, Backtest
Overfitting and Non-Normality", Journal of Portfolio Management 40(5), working-paper
version of 31 July 2014 (SSRN 2460551), section "Numerical example", pp. 9-10:
N = 100 trials, V[SR_n] = 1/2 (annualized), T = 1250 daily returns (250 a year),
annualized SR 2.5, skewness -3, kurtosis 10 -> SR0 ~ 0.1132 per period, DSR ~ 0.9004;
with N = 46 the DSR would have been 0.9505, and with normal returns (0, 3) N = 88
gives 0.9505.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.statistics import (
    EULER_MASCHERONI,
    cagr,
    calmar_ratio,
    deflated_sharpe_ratio,
    downside_deviation,
    expected_max_sharpe,
    kurtosis,
    probabilistic_sharpe_ratio,
    psr_of_returns,
    return_statistics,
    skewness,
    sortino_ratio,
)

# The paper's example, in per-period units (250 observations a year).
PAPER_SR = 2.5 / math.sqrt(250)
PAPER_VARIANCE = 0.5 / 250


def test_expected_max_sharpe_matches_the_papers_example() -> None:
    assert expected_max_sharpe(100, PAPER_VARIANCE) == pytest.approx(0.1132, abs=5e-5)


def test_deflated_sharpe_reproduces_the_papers_example() -> None:
    dsr = deflated_sharpe_ratio(PAPER_SR, 1250, -3.0, 10.0, 100, PAPER_VARIANCE)
    assert round(dsr, 4) == 0.9004


def test_deflated_sharpe_reproduces_the_papers_counterfactuals() -> None:
    fewer_trials = deflated_sharpe_ratio(PAPER_SR, 1250, -3.0, 10.0, 46, PAPER_VARIANCE)
    normal = deflated_sharpe_ratio(PAPER_SR, 1250, 0.0, 3.0, 88, PAPER_VARIANCE)
    assert round(fewer_trials, 4) == 0.9505
    assert round(normal, 4) == 0.9505
    # ... and one more trial in each case drops below the 95 % level.
    assert deflated_sharpe_ratio(PAPER_SR, 1250, -3.0, 10.0, 47, PAPER_VARIANCE) < 0.95
    assert deflated_sharpe_ratio(PAPER_SR, 1250, 0.0, 3.0, 89, PAPER_VARIANCE) < 0.95


def test_deflated_sharpe_is_psr_against_the_expected_maximum() -> None:
    sr0 = expected_max_sharpe(100, PAPER_VARIANCE)
    psr = probabilistic_sharpe_ratio(PAPER_SR, sr0, 1250, -3.0, 10.0)
    assert deflated_sharpe_ratio(PAPER_SR, 1250, -3.0, 10.0, 100, PAPER_VARIANCE) == psr


def test_psr_formula_by_hand() -> None:
    sr, n, g3, g4 = 0.1, 500, -0.5, 6.0
    z = sr * math.sqrt(n - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    expected = scipy.stats.norm.cdf(z)
    assert probabilistic_sharpe_ratio(sr, 0.0, n, g3, g4) == pytest.approx(expected)
    assert probabilistic_sharpe_ratio(0.0, 0.0, n, g3, g4) == 0.5


def test_single_trial_is_not_deflated() -> None:
    assert expected_max_sharpe(1, 0.3) == 0.0
    assert deflated_sharpe_ratio(0.1, 100, 0.0, 3.0, 1, 0.3) == pytest.approx(
        probabilistic_sharpe_ratio(0.1, 0.0, 100, 0.0, 3.0)
    )


def test_euler_mascheroni_constant() -> None:
    assert float(np.euler_gamma) == EULER_MASCHERONI


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0.1, 0.0, 1, 0.0, 3.0), "n_obs"),
        ((0.1, 0.0, 100, 0.0, 0.5), "kurtosis"),
        ((1.0, 0.0, 100, 5.0, 3.0), "skew"),
    ],
)
def test_psr_rejects_bad_moments(
    args: tuple[float, float, int, float, float], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        probabilistic_sharpe_ratio(*args)
    assert raised.value.field == field


def test_expected_max_sharpe_rejects_bad_trials() -> None:
    with pytest.raises(InvalidInput):
        expected_max_sharpe(0, 1.0)
    with pytest.raises(InvalidInput):
        expected_max_sharpe(10, -1.0)


@given(
    sr=st.floats(-0.3, 0.3),
    n_obs=st.integers(10, 5000),
    skew=st.floats(-1.0, 1.0),
    excess=st.floats(0.0, 10.0),
    n_trials=st.integers(1, 500),
    variance=st.floats(1e-6, 0.05),
)
def test_dsr_falls_as_trials_grow(
    sr: float, n_obs: int, skew: float, excess: float, n_trials: int, variance: float
) -> None:
    kurt = 3.0 + excess
    fewer = deflated_sharpe_ratio(sr, n_obs, skew, kurt, n_trials, variance)
    more = deflated_sharpe_ratio(sr, n_obs, skew, kurt, n_trials + 1, variance)
    assert 0.0 <= more <= fewer <= 1.0


@given(
    sr=st.floats(1e-4, 0.3),
    n_obs=st.integers(2, 5000),
    skew=st.floats(-1.0, 1.0),
    excess=st.floats(0.0, 10.0),
)
def test_psr_rises_with_observations_for_a_positive_sharpe(
    sr: float, n_obs: int, skew: float, excess: float
) -> None:
    kurt = 3.0 + excess
    shorter = probabilistic_sharpe_ratio(sr, 0.0, n_obs, skew, kurt)
    longer = probabilistic_sharpe_ratio(sr, 0.0, n_obs + 1, skew, kurt)
    assert 0.5 <= shorter <= longer <= 1.0


@given(
    sr=st.floats(-0.3, 0.3),
    benchmark=st.floats(-0.3, 0.3),
    n_obs=st.integers(2, 5000),
)
def test_psr_falls_as_the_benchmark_rises(
    sr: float, benchmark: float, n_obs: int
) -> None:
    low = probabilistic_sharpe_ratio(sr, benchmark, n_obs, 0.0, 3.0)
    high = probabilistic_sharpe_ratio(sr, benchmark + 0.01, n_obs, 0.0, 3.0)
    assert high <= low


def test_moments_match_scipy() -> None:
    rng = np.random.default_rng(7)
    returns = rng.standard_t(4, size=500) * 0.01
    assert skewness(returns) == pytest.approx(scipy.stats.skew(returns), rel=1e-10)
    assert kurtosis(returns) == pytest.approx(
        scipy.stats.kurtosis(returns, fisher=False), rel=1e-10
    )
    assert math.isnan(skewness([0.01, 0.01, 0.01]))
    assert math.isnan(kurtosis([0.01]))


def test_psr_of_returns_uses_the_per_period_sharpe_and_moments() -> None:
    rng = np.random.default_rng(3)
    returns = rng.normal(0.001, 0.01, size=300)
    sr = returns.mean() / returns.std(ddof=1)
    expected = probabilistic_sharpe_ratio(
        sr,
        0.0,
        300,
        scipy.stats.skew(returns),
        scipy.stats.kurtosis(returns, fisher=False),
    )
    assert psr_of_returns(returns) == pytest.approx(expected, rel=1e-9)
    assert math.isnan(psr_of_returns([0.01, 0.02]))


# A hand-built curve: returns +10 %, -5 %, +10 %, -5 % over four periods.
CURVE = [100.0, 110.0, 104.5, 114.95, 109.2025]


def test_downside_deviation_counts_every_return() -> None:
    returns = [0.10, -0.05, 0.10, -0.05]
    assert downside_deviation(returns) == pytest.approx(math.sqrt(2 * 0.05**2 / 4))
    assert math.isnan(downside_deviation([]))


def test_sortino_by_hand() -> None:
    returns = [0.10, -0.05, 0.10, -0.05]
    # mean 0.025, TDD sqrt(0.0025 / 2) = 0.0353553...
    expected = 0.025 / math.sqrt(0.00125) * math.sqrt(252)
    assert sortino_ratio(returns, 252) == pytest.approx(expected)
    assert sortino_ratio([0.01, 0.02], 252) == math.inf
    assert math.isnan(sortino_ratio([0.0, 0.0], 252))
    assert math.isnan(sortino_ratio([0.01], 252))


def test_cagr_by_hand() -> None:
    # 9.2025 % over 4 periods of a 12-period year: three times that span a year.
    assert cagr(CURVE, 12) == pytest.approx(1.092025**3 - 1)
    # Doubling in exactly one year of 252 periods is a CAGR of 100 %.
    doubling = np.geomspace(1.0, 2.0, 253)
    assert cagr(doubling, 252) == pytest.approx(1.0)
    assert math.isnan(cagr([100.0], 252))


def test_calmar_by_hand() -> None:
    # Deepest drawdown: 110 -> 104.5 and 114.95 -> 109.2025, both 5 %.
    assert calmar_ratio(CURVE, 12) == pytest.approx((1.092025**3 - 1) / 0.05)
    assert math.isnan(calmar_ratio([1.0, 2.0, 3.0], 252))


def test_return_statistics_bundle() -> None:
    stats = return_statistics(CURVE, 12)
    returns = [0.10, -0.05, 0.10, -0.05]
    assert stats.as_dict() == {
        "cagr": pytest.approx(1.092025**3 - 1),
        "annualized_volatility": pytest.approx(np.std(returns, ddof=1) * math.sqrt(12)),
        "sortino": pytest.approx(0.025 / math.sqrt(0.00125) * math.sqrt(12)),
        "calmar": pytest.approx((1.092025**3 - 1) / 0.05),
        "skew": pytest.approx(0.0, abs=1e-12),
        "kurtosis": pytest.approx(1.0),
        "psr": pytest.approx(psr_of_returns(returns)),
    }
