"""The best of many trials, and the deflated Sharpe ratio of choosing it."""

from __future__ import annotations

import math

import pytest

from tradecore.domain.research.statistics import deflated_sharpe_ratio
from tradecore.domain.research.trials import (
    NOT_SIGNIFICANT,
    SIGNIFICANT,
    UNDETERMINED,
    TrialSharpe,
    best_index,
    selection_verdict,
)


def test_best_index_skips_nan_and_keeps_the_first_of_ties() -> None:
    assert best_index([math.nan, 1.0, 3.0, 3.0]) == 2
    assert best_index([2.0, -1.0, math.inf], higher_is_better=False) == 1
    assert best_index([math.nan]) is None


def test_the_verdict_uses_the_paper_formula_over_the_trials_run() -> None:
    sharpes = [0.01, -0.02, 0.03, 0.00, math.nan]  # the NaN trial is not counted
    best = TrialSharpe(sharpe=0.03, n_obs=1000, skew=0.0, kurtosis=3.0)
    verdict = selection_verdict(best, sharpes)
    finite = [0.01, -0.02, 0.03, 0.00]
    mean = sum(finite) / 4
    variance = sum((s - mean) ** 2 for s in finite) / 3
    assert verdict.n_trials == 4
    assert verdict.trials_sr_variance == pytest.approx(variance)
    assert verdict.deflated_sharpe == pytest.approx(
        deflated_sharpe_ratio(0.03, 1000, 0.0, 3.0, 4, variance)
    )
    assert verdict.verdict == NOT_SIGNIFICANT


def test_a_clear_winner_over_many_observations_is_significant() -> None:
    best = TrialSharpe(sharpe=0.2, n_obs=5000, skew=0.0, kurtosis=3.0)
    verdict = selection_verdict(best, [0.2, 0.0, 0.01, -0.01])
    assert verdict.deflated_sharpe > 0.95
    assert verdict.verdict == SIGNIFICANT


def test_one_trial_or_undefined_moments_are_undetermined() -> None:
    best = TrialSharpe(sharpe=0.1, n_obs=100, skew=0.0, kurtosis=3.0)
    assert selection_verdict(best, [0.1]).verdict == UNDETERMINED
    odd = TrialSharpe(sharpe=0.1, n_obs=100, skew=math.nan, kurtosis=3.0)
    assert selection_verdict(odd, [0.1, 0.0]).verdict == UNDETERMINED
