"""The pre-trade cost model: each component against its formula, fees, versions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradecore.domain import (
    CostModel,
    CostModelParams,
    FeeModel,
    ImpactParams,
    MarketContext,
    PlannedOrder,
    Side,
)
from tradecore.domain.errors import InvalidInput


def market(**overrides: object) -> MarketContext:
    fields: dict[str, object] = {
        "symbol": "AAPL",
        "price": 100.0,
        "spread_bps": 4.0,
        "volatility": 0.02,
        "adv": 1_000_000.0,
    }
    fields.update(overrides)
    return MarketContext(**fields)  # type: ignore[arg-type]


def order(qty: int = 10_000, **overrides: object) -> PlannedOrder:
    fields: dict[str, object] = {
        "symbol": "AAPL",
        "side": Side.BUY,
        "qty": Decimal(qty),
        "horizon_minutes": 39.0,
    }
    fields.update(overrides)
    return PlannedOrder(**fields)  # type: ignore[arg-type]


def test_components_follow_their_formulas() -> None:
    model = CostModel(
        params=CostModelParams(default=ImpactParams(eta=0.2, beta=0.5, gamma=0.3))
    )
    estimate = model.estimate(order(), market())
    # 39 minutes of a 1M-share day is 100,000 shares: participation 10%.
    assert estimate.participation == pytest.approx(0.1)
    assert estimate.half_spread_bps == pytest.approx(2.0)
    assert estimate.temporary_impact_bps == pytest.approx(0.2 * 0.02 * 0.1**0.5 * 1e4)
    assert estimate.permanent_impact_bps == pytest.approx(0.5 * 0.3 * 0.02 * 0.01 * 1e4)
    assert estimate.fees_bps == 0.0
    assert estimate.total_bps == pytest.approx(2.0 + 12.6491106 + 0.3)
    assert estimate.notional == Decimal("1000000.00")
    assert estimate.total_cost == Decimal("1494.91")


def test_per_symbol_params_override_the_default() -> None:
    params = CostModelParams(per_symbol={"AAPL": ImpactParams(eta=0.0, gamma=0.0)})
    estimate = CostModel(params=params).estimate(order(), market())
    assert estimate.temporary_impact_bps == 0.0
    assert estimate.permanent_impact_bps == 0.0
    other = CostModel(params=params).estimate(
        order(symbol="MSFT"), market(symbol="MSFT")
    )
    assert other.temporary_impact_bps > 0


def test_resting_orders_pay_no_spread_and_slices_pay_part_of_it() -> None:
    model = CostModel()
    assert model.estimate(order(spread_paid=0.0), market()).half_spread_bps == 0.0
    assert model.estimate(order(spread_paid=0.5), market()).half_spread_bps == 1.0


def test_a_longer_horizon_lowers_temporary_impact_only() -> None:
    model = CostModel()
    fast = model.estimate(order(horizon_minutes=5.0), market())
    slow = model.estimate(order(horizon_minutes=200.0), market())
    assert slow.temporary_impact_bps < fast.temporary_impact_bps
    assert slow.permanent_impact_bps == fast.permanent_impact_bps


def test_thin_markets_cost_more() -> None:
    model = CostModel()
    normal = model.estimate(order(), market())
    thin = model.estimate(order(), market(liquidity_ratio=0.25))
    assert thin.participation == pytest.approx(4 * normal.participation)
    assert thin.total_bps > normal.total_bps


def test_fees_come_from_the_fee_model_to_the_cent() -> None:
    fees = FeeModel.us_regulatory(per_share=Decimal("0.005"))
    model = CostModel(fees=fees)
    buy = model.estimate(order(qty=100), market())
    sell = model.estimate(order(qty=100, side=Side.SELL), market())
    assert buy.fees == Decimal("0.50")
    # + SEC fee on $10,000 (0.278 -> 0.28) + TAF on 100 shares (0.0166 -> 0.02)
    assert sell.fees == Decimal("0.80")
    assert sell.fees_bps == pytest.approx(0.80 / 10_000 * 1e4)
    assert sell.total_cost - buy.total_cost == Decimal("0.30")


def test_estimate_serialises_for_the_decision_record() -> None:
    record = CostModel().estimate(order(), market()).to_dict()
    assert record["notional"] == "1000000.00"
    assert isinstance(record["total_bps"], float)


def test_order_and_market_must_be_the_same_symbol() -> None:
    with pytest.raises(InvalidInput, match=r"market\.symbol"):
        CostModel().estimate(order(), market(symbol="MSFT"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", 0.0), ("spread_bps", -1.0), ("volatility", float("inf")), ("adv", 0.0)],
)
def test_bad_market_values_name_the_field(field: str, value: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        market(**{field: value})
    assert caught.value.field == field


def test_spread_paid_must_be_a_share() -> None:
    with pytest.raises(InvalidInput, match="spread_paid"):
        order(spread_paid=1.5)


def test_param_versions_are_content_hashed_and_round_trip() -> None:
    params = CostModelParams(
        per_symbol={"MSFT": ImpactParams(eta=0.3), "AAPL": ImpactParams(eta=0.2)},
        fills_used=("x2", "x1"),
        parent_hash="abc",
    )
    again = CostModelParams.from_dict(params.to_dict())
    assert again == params
    assert again.version_hash == params.version_hash
    assert list(params.per_symbol) == ["AAPL", "MSFT"]  # canonical order
    changed = CostModelParams(
        per_symbol={"MSFT": ImpactParams(eta=0.3), "AAPL": ImpactParams(eta=0.21)},
        fills_used=("x2", "x1"),
        parent_hash="abc",
    )
    assert changed.version_hash != params.version_hash


def test_malformed_param_dicts_are_refused_by_name() -> None:
    good = CostModelParams().to_dict()
    with pytest.raises(InvalidInput, match="missing impact coefficients"):
        CostModelParams.from_dict({**good, "default": {"eta": 0.1}})
    with pytest.raises(InvalidInput, match="not a valid ticker"):
        CostModelParams.from_dict(
            {**good, "per_symbol": {"aapl": {"eta": 1, "beta": 1, "gamma": 1}}}
        )
    with pytest.raises(InvalidInput, match=r"default\.beta"):
        CostModelParams.from_dict(
            {**good, "default": {"eta": 0.1, "beta": "x", "gamma": 0.1}}
        )
