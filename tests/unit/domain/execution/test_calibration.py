"""The calibration loop: bounded EWMA steps, observations from TCA, versions, staleness."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from tests.factories import T0
from tradecore.domain import (
    COST_MODEL_STALE,
    CalibrationConfig,
    CostModelParams,
    ExecutionAnalysis,
    Fill,
    ImpactObservation,
    ImpactParams,
    ParamBounds,
    ParentExecution,
    Side,
    analyze_execution,
    bounded_ewma_step,
    calibrate_impact,
    check_staleness,
    observe_impact,
)
from tradecore.domain.errors import InvalidInput

BOUNDS = ParamBounds(low=0.01, high=1.5)
CONFIG = CalibrationConfig()


def step(current: float, observed: float) -> float:
    return bounded_ewma_step(
        current, observed, smoothing=0.1, max_step=0.25, bounds=BOUNDS
    )


def test_small_surprises_take_a_plain_ewma_step() -> None:
    assert step(0.10, 0.12) == pytest.approx(0.102)


def test_large_surprises_are_capped_at_a_share_of_the_current_value() -> None:
    assert step(0.10, 10.0) == pytest.approx(0.125)
    assert step(0.10, -10.0) == pytest.approx(0.075)
    assert step(0.10, math.inf) == pytest.approx(0.125)


def test_results_are_clamped_to_the_bounds() -> None:
    assert step(1.45, 100.0) == 1.5
    assert step(0.011, -100.0) == 0.01
    assert step(5.0, 5.0) == 1.5  # a value outside the bounds is pulled in


def test_nan_observations_are_refused() -> None:
    with pytest.raises(InvalidInput, match="observed"):
        step(0.1, math.nan)


def observation(impact_bps: float, **overrides: object) -> ImpactObservation:
    fields: dict[str, object] = {
        "symbol": "AAPL",
        "execution_ids": ("x1",),
        "participation": 0.04,
        "volatility": 0.02,
        "impact_bps": impact_bps,
    }
    fields.update(overrides)
    return ImpactObservation(**fields)  # type: ignore[arg-type]


def test_implied_coefficients_invert_the_cost_model() -> None:
    # eta=0.3, beta=0.5: impact = 0.3 x 0.02 x 0.04**0.5 = 12 bps
    obs = observation(12.0, size_over_adv=0.01, permanent_bps=6.0)
    assert obs.implied_eta(0.5) == pytest.approx(0.3)
    assert obs.implied_gamma() == pytest.approx(6e-4 / (0.02 * 0.01))
    assert observation(12.0).implied_gamma() is None


def test_calibration_converges_toward_the_truth_and_records_its_inputs() -> None:
    start = CostModelParams(default=ImpactParams(eta=0.1, beta=0.5))
    observations = [observation(12.0, execution_ids=(f"x{i:03d}",)) for i in range(200)]
    fitted = calibrate_impact(start, observations, CONFIG)
    assert fitted.for_symbol("AAPL").eta == pytest.approx(0.3, rel=1e-6)
    assert fitted.for_symbol("MSFT") == start.default  # untouched symbols
    assert fitted.parent_hash == start.version_hash
    assert fitted.fills_used == tuple(f"x{i:03d}" for i in range(200))
    assert fitted.version_hash != start.version_hash


def test_one_wild_fill_moves_a_coefficient_by_at_most_the_step_cap() -> None:
    start = CostModelParams(default=ImpactParams(eta=0.2, beta=0.5))
    fitted = calibrate_impact(start, [observation(5_000.0)], CONFIG)
    assert fitted.for_symbol("AAPL").eta == pytest.approx(0.25)


def test_calibration_without_observations_keeps_the_version() -> None:
    start = CostModelParams()
    assert calibrate_impact(start, [], CONFIG) is start


def test_calibration_is_deterministic() -> None:
    obs = [observation(12.0 + i, execution_ids=(f"x{i}",)) for i in range(5)]
    first = calibrate_impact(CostModelParams(), obs, CONFIG)
    second = calibrate_impact(CostModelParams(), obs, CONFIG)
    assert first.version_hash == second.version_hash


def _analysis(fill_price: str) -> ExecutionAnalysis:
    parent = ParentExecution(
        client_order_id="p1",
        strategy_id="s",
        symbol="AAPL",
        side=Side.BUY,
        session_date=date(2026, 1, 5),
        policy="twap",
        ordered_qty=Decimal(1000),
        decision_price=Decimal("100.00"),
        arrival_price=Decimal("100.00"),
        end_price=Decimal("100.00"),
        arrival_spread_bps=4.0,
        spread_paid=0.5,
        fills=(
            Fill(
                execution_id="x9",
                client_order_id="p1",
                symbol="AAPL",
                side=Side.BUY,
                qty=Decimal(1000),
                price=Decimal(fill_price),
                filled_at=T0,
            ),
        ),
    )
    return analyze_execution(parent)


def test_observations_come_from_analysed_executions() -> None:
    obs = observe_impact(
        _analysis("100.11"),
        volatility=0.02,
        market_volume=25_000.0,
        adv=1_000_000.0,
        post_price=Decimal("100.05"),
    )
    assert obs is not None
    assert obs.execution_ids == ("x9",)
    assert obs.participation == pytest.approx(0.04)
    # execution 11 bps less 1 bp of spread (half of a 4 bps spread, half paid)
    assert obs.impact_bps == pytest.approx(10.0)
    assert obs.size_over_adv == pytest.approx(0.001)
    assert obs.permanent_bps == pytest.approx(5.0)


def test_nothing_filled_is_nothing_to_learn() -> None:
    unfilled = attrs.evolve(_analysis("100.11").execution, fills=())
    empty = analyze_execution(unfilled)
    assert observe_impact(empty, volatility=0.02, market_volume=1.0, adv=1.0) is None


def test_fresh_model_is_not_stale() -> None:
    params = CostModelParams(per_symbol={"AAPL": ImpactParams(eta=0.2, gamma=0.3)})
    check = check_staleness(
        params, fitted_at=T0, now=T0 + timedelta(days=1), config=CONFIG
    )
    assert not check.stale
    assert check.reason is None


def test_old_model_is_stale() -> None:
    check = check_staleness(
        CostModelParams(), fitted_at=T0, now=T0 + timedelta(days=6), config=CONFIG
    )
    assert check.stale
    assert check.reason == COST_MODEL_STALE
    assert "max age 5 days" in check.details[0]


def test_a_coefficient_at_a_clamp_makes_the_model_stale() -> None:
    params = CostModelParams(per_symbol={"AAPL": ImpactParams(eta=1.5, gamma=0.3)})
    check = check_staleness(params, fitted_at=T0, now=T0, config=CONFIG)
    assert check.reason == COST_MODEL_STALE
    assert check.details == ("AAPL eta=1.5 at clamp [0.01, 1.5]",)


def test_staleness_needs_utc_timestamps() -> None:
    with pytest.raises(InvalidInput, match="fitted_at"):
        check_staleness(
            CostModelParams(),
            fitted_at=datetime(2026, 1, 5, 9, 30),
            now=T0,
            config=CONFIG,
        )


def test_bounds_and_observations_are_validated() -> None:
    with pytest.raises(InvalidInput, match="high"):
        ParamBounds(low=1.0, high=0.5)
    with pytest.raises(InvalidInput, match="execution_ids"):
        observation(1.0, execution_ids=())
    with pytest.raises(InvalidInput, match="participation"):
        observation(1.0, participation=0.0)
    with pytest.raises(InvalidInput, match="impact_bps"):
        observation(math.inf)
