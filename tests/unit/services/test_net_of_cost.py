"""The net-of-cost planner: Kelly size, stale-model and cost-vs-edge gates, policy."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.risk_support import T0, RecordingAlerter
from tradecore.domain.execution.calibration import COST_MODEL_STALE
from tradecore.domain.execution.cost_params import CostModelParams, ImpactParams
from tradecore.domain.execution.policy import COST_EXCEEDS_EDGE, ExecutionPolicy
from tradecore.domain.market.features import FeatureConfig, FeatureTracker
from tradecore.domain.orders.spec import OrderType, Side
from tradecore.domain.sizing.kelly import KellyConfig
from tradecore.domain.strategies.protocol import Target
from tradecore.ports.alerts import AlertCode
from tradecore.services.execution.net_of_cost import NetOfCostConfig, NetOfCostPlanner

D = Decimal


def _planner(**config: object) -> NetOfCostPlanner:
    planner = NetOfCostPlanner(NetOfCostConfig(**config))  # type: ignore[arg-type]
    for i in range(40):  # a quiet, liquid market: 10k shares a minute
        planner.update("AAA", 100.0 + 0.01 * (i % 3), 10_000.0)
    return planner


def _plan(planner: NetOfCostPlanner, target: Target, current: int = 0) -> object:
    desired, sizing = planner.desired(target, D("100"), 1_000_000.0)
    return planner.plan(
        target, current=D(current), desired=desired, close=100.0, now=T0, sizing=sizing
    )


def test_a_target_without_probability_or_strength_keeps_its_quantity() -> None:
    planner = _planner()
    desired, sizing = planner.desired(Target("AAA", D(300)), D("100"), 1e6)
    assert (desired, sizing) == (D(300), None)


def test_kelly_sizes_within_the_targets_quantity_and_the_cap() -> None:
    planner = _planner(kelly=KellyConfig(prior_strength=400.0, max_fraction=0.15))
    sure = Target("AAA", D(100_000), probability=0.99, strength=1.0)
    desired, sizing = planner.desired(sure, D("100"), 1_000_000.0)
    assert sizing is not None
    assert sizing.reason == "capped_at_max_fraction"
    assert desired == D(1500)  # 15% of 1M at $100
    small = Target("AAA", D(-200), probability=0.99, strength=1.0)
    assert planner.desired(small, D("100"), 1_000_000.0)[0] == D(-200)


def test_an_unconvincing_probability_sizes_to_zero_with_the_reason() -> None:
    planner = _planner()
    desired, sizing = planner.desired(
        Target("AAA", D(500), probability=0.55, strength=1.0), D("100"), 1e6
    )
    assert desired == 0
    assert sizing is not None
    assert sizing.reason == "kelly_non_positive"


def test_a_single_order_is_a_limit_with_its_policy_cost_and_features() -> None:
    plan = _plan(_planner(urgency_minutes=20.0, spread_bps=4.0), Target("AAA", D(100)))
    assert plan.skip_reason is None
    assert plan.choice.policy is ExecutionPolicy.MARKETABLE_LIMIT
    assert plan.spec.order_type is OrderType.LIMIT
    assert plan.spec.limit_price > D("100")  # a buy crosses the spread
    policy = plan.details["policy"]
    assert policy["cost"]["total_bps"] > 0
    assert policy["features"]["spread_bps"] == 4.0
    assert policy["reasons"]


def test_a_wide_spread_rests_passively_below_the_mid() -> None:
    planner = _planner(spread_bps_by_symbol={"AAA": 60.0})
    plan = _plan(planner, Target("AAA", D(100)))
    assert plan.choice.policy is ExecutionPolicy.PASSIVE_LIMIT
    assert plan.spec.limit_price < D("100")


def test_a_large_order_is_scheduled() -> None:
    plan = _plan(_planner(urgency_minutes=60.0), Target("AAA", D(20_000)))
    assert plan.scheduled
    assert plan.choice.policy in (ExecutionPolicy.TWAP, ExecutionPolicy.POV)
    assert plan.choice.slices >= 2


def test_cost_above_the_edge_is_skipped_but_an_exit_is_never_gated() -> None:
    planner = _planner(spread_bps=6.0, urgency_minutes=20.0)
    entry = _plan(planner, Target("AAA", D(100), expected_edge_bps=1.0))
    assert entry.skip_reason == COST_EXCEEDS_EDGE
    assert entry.spec is None
    assert "no trade" in entry.details["policy"]["reasons"][-1]
    exit_ = _plan(planner, Target("AAA", D(0), expected_edge_bps=1.0), current=100)
    assert exit_.skip_reason is None
    assert exit_.side is Side.SELL


def test_a_coefficient_at_its_clamp_blocks_entries_and_alerts_once() -> None:
    alerter = RecordingAlerter()
    clamped = CostModelParams(per_symbol={"AAA": ImpactParams(eta=1.5)})
    planner = _planner(params=clamped, alerter=alerter)
    first = _plan(planner, Target("AAA", D(100)))
    second = _plan(planner, Target("AAA", D(100)))
    assert first.skip_reason == second.skip_reason == COST_MODEL_STALE
    assert "AAA eta=1.5 at clamp" in first.details["cost_model_stale"][0]
    assert alerter.codes() == [AlertCode.COST_MODEL_STALE]
    closing = _plan(planner, Target("AAA", D(0)), current=100)
    assert closing.skip_reason is None


def test_an_old_version_blocks_entries() -> None:
    planner = _planner(fitted_at=T0 - timedelta(days=6))
    plan = _plan(planner, Target("AAA", D(100)))
    assert plan.skip_reason == COST_MODEL_STALE
    fresh = _planner(fitted_at=T0 - timedelta(days=1))
    assert _plan(fresh, Target("AAA", D(100))).skip_reason is None


def test_a_closed_round_trip_updates_the_kelly_posterior() -> None:
    planner = _planner()
    planner.on_fill("AAA", "o1", D(10_000), D(100), D(0))
    planner.on_fill("AAA", "o1", D(-10_500), D(0), D(500))
    assert (planner.kelly.wins, planner.kelly.losses) == (1, 0)
    assert planner.kelly.win_total == pytest.approx(0.05)
    planner.on_fill("AAA", "o1", D(10_000), D(100), D(500))
    planner.on_fill("AAA", "o1", D(-9_000), D(0), D(-500))
    assert planner.kelly.losses == 1
    assert planner.kelly.loss_total == pytest.approx(0.1)


def test_features_are_priors_until_warm_then_track_the_bars() -> None:
    tracker = FeatureTracker(FeatureConfig(warmup=5, prior_daily_volatility=0.02))
    tracker.update("AAA", 100.0, 1_000.0)
    cold = tracker.features("AAA")
    assert cold.daily_volatility == 0.02
    for i in range(10):
        tracker.update("AAA", 100.0 * (1.01 if i % 2 else 1.0), 1_000.0)
    warm = tracker.features("AAA")
    assert warm.daily_volatility > 0.02  # 1% moves a minute are a wild day
    assert warm.adv == pytest.approx(1_000.0 * 390)
    tracker.update("AAA", 101.0, 100.0)
    assert tracker.features("AAA").liquidity_ratio < 0.2


def test_closed_trips_fit_the_probability_calibrator() -> None:
    planner = _planner(calibrate_probability_after=4)
    target = Target("AAA", D(100), probability=0.8, strength=1.0)
    for n in range(4):
        planner.desired(target, D("100"), 1e6)
        planner.sized_order(f"in{n}", 0.8)  # the entry is sized with p = 0.8
        assert planner.kelly.calibrator is None
        planner.on_fill("AAA", f"in{n}", D(10_000), D(100), D(-100 * n))
        planner.on_fill("AAA", f"out{n}", D(-9_900), D(0), D(-100 * (n + 1)))
    assert planner.kelly.calibrator is not None
    _, sizing = planner.desired(target, D("100"), 1e6)
    assert sizing is not None
    assert sizing.raw_probability == 0.8
    assert sizing.calibrated_probability == 0.0  # p = 0.8 has lost every time
    assert sizing.shares == 0


def test_a_trip_opened_by_an_order_sized_without_a_probability_is_not_paired() -> None:
    planner = _planner(calibrate_probability_after=1)
    planner.sized_order("parent", 0.7)
    planner.child_order("child", "parent")
    planner.on_fill("AAA", "other", D(10_000), D(100), D(0))
    planner.on_fill("AAA", "x", D(-9_900), D(0), D(-100))
    assert planner.kelly.calibrator is None  # the opening order had no probability
    planner.on_fill("AAA", "child", D(10_000), D(100), D(-100))
    planner.on_fill("AAA", "x", D(-9_900), D(0), D(-200))
    assert planner.kelly.calibrator is not None  # the child carried 0.7
    planner.forget_trades()
    assert planner.kelly.calibrator is None
    assert (planner.kelly.wins, planner.kelly.losses) == (0, 0)
