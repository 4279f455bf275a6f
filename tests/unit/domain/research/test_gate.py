"""The promotion gate: every criterion is reported, each with value and threshold."""

from __future__ import annotations

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.gate import (
    PromotionCriteria,
    RunMetrics,
    evaluate_gate,
    null_trials_sr_variance,
)
from tradecore.domain.research.leakage import Leak, LeakageReport

CLEAN = LeakageReport(cuts_ns=(1, 2), subject="strategy:x")
LEAKY = LeakageReport(
    cuts_ns=(1, 2),
    subject="strategy:x",
    leak=Leak(
        cut_ns=1, timestamp_ns=1, symbol="A", what="decision", full="a", truncated="b"
    ),
)


def run(
    seed: int, sharpe: float = 2.0, net: float = 0.05, dd: float = 0.05
) -> RunMetrics:
    return RunMetrics(
        seed=seed,
        sharpe=sharpe,
        sharpe_per_period=sharpe / 100,
        net_return=net,
        max_drawdown=dd,
        turnover=10.0,
        fills=50,
        costs=10.0,
        n_obs=1000,
        skew=0.0,
        kurtosis=3.0,
    )


def test_good_runs_pass_every_criterion() -> None:
    result = evaluate_gate(
        PromotionCriteria(), [run(1), run(2, 2.2)], dsr=0.99, leakage=CLEAN
    )
    assert result.passed
    assert [c.name for c in result.criteria] == [
        "mean_sharpe",
        "sharpe_std",
        "max_drawdown",
        "net_return",
        "turnover_min",
        "turnover_max",
        "dsr",
        "leakage",
    ]
    assert result.criteria[0].value == pytest.approx(2.1)


def test_a_failing_gate_reports_every_failure_not_just_the_first() -> None:
    runs = [run(1, sharpe=-1.0, net=-0.01, dd=0.4), run(2, sharpe=1.5)]
    result = evaluate_gate(PromotionCriteria(), runs, dsr=0.2, leakage=LEAKY)
    assert not result.passed
    assert {c.name for c in result.failures} == {
        "mean_sharpe",
        "sharpe_std",
        "max_drawdown",
        "net_return",
        "dsr",
        "leakage",
    }
    net = next(c for c in result.criteria if c.name == "net_return")
    assert (net.value, net.comparison, net.threshold) == (-0.01, ">", 0.0)
    document = result.to_dict()
    assert document["passed"] is False
    assert len(document["criteria"]) == len(result.criteria)  # type: ignore[arg-type]


def test_zero_net_return_is_not_above_zero() -> None:
    result = evaluate_gate(
        PromotionCriteria(), [run(1, net=0.0)], dsr=1.0, leakage=CLEAN
    )
    assert [c.name for c in result.failures] == ["net_return"]


def test_a_missing_leakage_check_fails_when_required_and_not_otherwise() -> None:
    missing = evaluate_gate(PromotionCriteria(), [run(1)], dsr=1.0)
    assert [c.name for c in missing.failures] == ["leakage"]
    relaxed = PromotionCriteria(require_no_leakage=False)
    assert evaluate_gate(relaxed, [run(1)], dsr=1.0).passed


def test_stress_runs_have_their_own_criterion() -> None:
    stress = {"costs=3x": [run(1, net=-0.2)]}
    result = evaluate_gate(
        PromotionCriteria(), [run(1)], dsr=1.0, stress=stress, leakage=CLEAN
    )
    assert [c.name for c in result.failures] == ["stress_net_return"]


def test_turnover_bounds_are_checked() -> None:
    tight = PromotionCriteria(min_turnover=20.0, max_turnover=5.0)
    result = evaluate_gate(tight, [run(1)], dsr=1.0, leakage=CLEAN)
    assert {c.name for c in result.failures} == {"turnover_min", "turnover_max"}


def test_a_nan_value_never_passes() -> None:
    result = evaluate_gate(
        PromotionCriteria(), [run(1)], dsr=float("nan"), leakage=CLEAN
    )
    assert [c.name for c in result.failures] == ["dsr"]


def test_no_runs_and_bad_thresholds_are_refused() -> None:
    with pytest.raises(InvalidInput, match="seeds"):
        evaluate_gate(PromotionCriteria(), [], dsr=1.0)
    with pytest.raises(InvalidInput, match="min_dsr"):
        PromotionCriteria(min_dsr=float("inf"))
    with pytest.raises(InvalidInput, match="max_drawdown"):
        PromotionCriteria(max_drawdown="0.2")  # type: ignore[arg-type]


def test_the_null_variance_of_trials_is_the_estimation_noise() -> None:
    assert null_trials_sr_variance(101) == pytest.approx(0.01)
    with pytest.raises(InvalidInput):
        null_trials_sr_variance(1)
