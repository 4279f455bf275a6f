"""The execution policy in a high-volatility regime: cautious (passive, cap cut),
with the regime in its features and reasons; without a reading, unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradecore.domain import (
    ExecutionPolicy,
    ExecutionPolicySelector,
    MarketContext,
    PolicyThresholds,
    Side,
)
from tradecore.domain.errors import InvalidInput

MARKET = MarketContext(
    symbol="AAPL", price=100.0, spread_bps=4.0, volatility=0.02, adv=1_000_000.0
)


def _choose(qty: int, high_vol: float | None, limit: float = 0.7):  # type: ignore[no-untyped-def]
    selector = ExecutionPolicySelector(
        thresholds=PolicyThresholds(passive_high_vol_probability=limit)
    )
    return selector.select(
        side=Side.BUY,
        qty=Decimal(qty),
        market=MARKET,
        urgency_minutes=10.0,
        regime_high_vol=high_vol,
    )


def test_an_urgent_order_crosses_in_a_calm_regime_and_rests_in_a_volatile_one() -> None:
    calm = _choose(100, 0.2)
    assert calm.policy is ExecutionPolicy.MARKETABLE_LIMIT
    assert calm.features["regime_high_vol"] == 0.2
    wild = _choose(100, 0.9)
    assert wild.policy is ExecutionPolicy.PASSIVE_LIMIT
    assert wild.reasons[0] == "high-volatility regime (P 0.90 > 0.70)"
    assert wild.limit_offset_bps == pytest.approx(-2.0)


def test_a_scheduled_order_gets_the_cautious_cap_in_a_volatile_regime() -> None:
    calm, wild = _choose(20_000, 0.1), _choose(20_000, 0.95)
    assert calm.participation_cap == pytest.approx(0.10)
    assert wild.participation_cap == pytest.approx(0.05)


def test_without_a_regime_reading_the_choice_is_as_before() -> None:
    without = _choose(100, None)
    before = ExecutionPolicySelector().select(
        side=Side.BUY, qty=Decimal(100), market=MARKET, urgency_minutes=10.0
    )
    assert without.to_dict() == before.to_dict()
    assert "regime_high_vol" not in without.features


def test_the_threshold_is_a_probability() -> None:
    with pytest.raises(InvalidInput, match="passive_high_vol_probability"):
        PolicyThresholds(passive_high_vol_probability=1.5)
