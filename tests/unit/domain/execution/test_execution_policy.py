"""The execution-policy selector: each rule, its parameters, reasons and the cost gate."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tradecore.domain import (
    COST_EXCEEDS_EDGE,
    ExecutionPolicy,
    ExecutionPolicySelector,
    MarketContext,
    PolicyChoice,
    PolicyThresholds,
    Provenance,
    Side,
    limit_price,
)
from tradecore.domain.errors import InvalidInput

P = ExecutionPolicy
SELECTOR = ExecutionPolicySelector()


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


def select(
    qty: int = 100,
    urgency: float = 10.0,
    edge: float | None = None,
    selector: ExecutionPolicySelector = SELECTOR,
    **market_fields: object,
) -> PolicyChoice:
    return selector.select(
        side=Side.BUY,
        qty=Decimal(qty),
        market=market(**market_fields),
        urgency_minutes=urgency,
        expected_edge_bps=edge,
    )


def test_urgent_order_in_a_tight_market_crosses_with_a_marketable_limit() -> None:
    choice = select(urgency=10.0, spread_bps=4.0)
    assert choice.policy is P.MARKETABLE_LIMIT
    assert choice.limit_offset_bps == pytest.approx(2.0 + 2.0)  # half-spread + buffer
    assert choice.slices == 1
    assert choice.cost.half_spread_bps == pytest.approx(2.0)
    assert "marketable limit" in choice.reasons[0]


def test_patient_order_rests_at_the_near_touch() -> None:
    choice = select(urgency=120.0)
    assert choice.policy is P.PASSIVE_LIMIT
    assert choice.limit_offset_bps == pytest.approx(-2.0)
    assert choice.cost.half_spread_bps == 0.0


@pytest.mark.parametrize("provenance", [Provenance.IEX, Provenance.DELAYED_SIP])
def test_degraded_data_makes_an_urgent_order_passive(provenance: Provenance) -> None:
    choice = select(urgency=5.0, provenance=provenance)
    assert choice.policy is P.PASSIVE_LIMIT
    assert f"provenance {provenance.value} is degraded" in choice.reasons[0]
    assert choice.features["provenance"] == provenance.value


def test_wide_spread_makes_an_urgent_order_passive() -> None:
    choice = select(urgency=5.0, spread_bps=40.0)
    assert choice.policy is P.PASSIVE_LIMIT
    assert "spread 40.0 bps > wide 25.0 bps" in choice.reasons[0]


def test_a_medium_spread_is_not_tight_enough_to_cross() -> None:
    assert select(urgency=5.0, spread_bps=12.0).policy is P.PASSIVE_LIMIT
    looser = ExecutionPolicySelector(thresholds=PolicyThresholds(tight_spread_bps=15.0))
    assert select(urgency=5.0, spread_bps=12.0, selector=looser).policy is (
        P.MARKETABLE_LIMIT
    )


def test_large_order_with_time_is_a_twap_over_the_ac_horizon() -> None:
    # 20,000 shares is 156% of five minutes' volume; a full day at <= 10% suffices.
    choice = select(qty=20_000, urgency=390.0)
    assert choice.policy is P.TWAP
    assert choice.participation_cap == pytest.approx(0.10)
    assert 78.0 <= choice.horizon_minutes <= 390.0
    assert choice.slices == pytest.approx(choice.horizon_minutes / 5.0, abs=1)
    assert choice.limit_offset_bps is None
    assert "Almgren-Chriss horizon" in choice.reasons[1]
    assert choice.cost.participation <= 0.10 + 1e-12


def test_more_risk_aversion_shortens_the_twap_horizon() -> None:
    patient = select(qty=20_000, urgency=390.0)
    averse = ExecutionPolicySelector(thresholds=PolicyThresholds(risk_aversion=1e-4))
    hurried = select(qty=20_000, urgency=390.0, selector=averse)
    assert hurried.policy is P.TWAP
    assert hurried.horizon_minutes < patient.horizon_minutes
    assert hurried.cost.temporary_impact_bps > patient.cost.temporary_impact_bps


def test_when_the_cap_cannot_finish_in_the_window_it_follows_volume() -> None:
    choice = select(qty=20_000, urgency=30.0)
    assert choice.policy is P.POV
    # At 10% of 2,564 shares a minute, 20,000 shares need 78 minutes.
    assert choice.horizon_minutes == pytest.approx(78.0)
    assert "follow volume (POV)" in choice.reasons[1]


def test_thin_volume_prefers_pov_to_a_fixed_schedule() -> None:
    choice = select(qty=20_000, urgency=390.0, liquidity_ratio=0.3)
    assert choice.policy is P.POV
    assert "0.30x usual" in choice.reasons[1]


def test_degraded_data_halves_the_participation_cap() -> None:
    choice = select(qty=20_000, urgency=390.0, provenance=Provenance.IEX)
    assert choice.participation_cap == pytest.approx(0.05)
    assert choice.horizon_minutes >= 156.0 - 1e-9


def test_cost_above_edge_is_no_trade_and_says_why() -> None:
    choice = select(qty=200_000, urgency=60.0, edge=5.0)
    assert choice.skip_reason == COST_EXCEEDS_EDGE
    assert not choice.trade
    assert "> expected edge 5.0 bps: no trade" in choice.reasons[-1]


def test_edge_above_cost_trades() -> None:
    choice = select(qty=100, urgency=10.0, edge=50.0)
    assert choice.trade
    assert choice.skip_reason is None
    assert choice.cost.total_bps < 50.0


def test_choice_serialises_to_json_for_the_decision_record() -> None:
    record = select(qty=20_000, urgency=390.0, edge=20.0).to_dict()
    decoded = json.loads(json.dumps(record))
    assert decoded["policy"] == "twap"
    assert decoded["features"]["participation_immediate"] == pytest.approx(1.56)
    assert decoded["features"]["qty"] == 20_000.0
    assert decoded["features"]["adv"] == 1_000_000.0
    assert decoded["reasons"]


def test_limit_price_is_offset_from_mid_in_the_paying_direction() -> None:
    assert limit_price(Side.BUY, 100.0, 4.0) == Decimal("100.04")
    assert limit_price(Side.SELL, 100.0, 4.0) == Decimal("99.96")
    assert limit_price(Side.BUY, 100.0, -2.0) == Decimal("99.98")


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("urgency_minutes", {"urgency": 0.0}),
        ("expected_edge_bps", {"edge": float("nan")}),
    ],
)
def test_bad_requests_name_the_field(field: str, kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidInput) as caught:
        select(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_non_positive_quantity_is_refused() -> None:
    with pytest.raises(InvalidInput, match="qty"):
        SELECTOR.select(
            side=Side.BUY, qty=Decimal(0), market=market(), urgency_minutes=5.0
        )


def test_thresholds_must_be_consistent() -> None:
    with pytest.raises(InvalidInput, match="tight_spread_bps"):
        PolicyThresholds(tight_spread_bps=30.0, wide_spread_bps=20.0)
    with pytest.raises(InvalidInput, match="participation_cap"):
        PolicyThresholds(participation_cap=0.0)
