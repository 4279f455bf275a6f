"""The net-of-cost planner with regimes: Kelly sized by the regime multiplier (on
top of the volatility multiplier), execution passive in a volatile regime."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.unit.domain.regimes.support import MedianSplitFitter
from tradecore.domain.execution.policy import ExecutionPolicy
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.monitor import RegimeMonitor
from tradecore.domain.strategies.protocol import Target
from tradecore.services.execution.net_of_cost import NetOfCostConfig, NetOfCostPlanner

NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


class ScriptedRegimes(RegimeMonitor):
    """P(high volatility) and the multiplier as a test sets them."""

    def __init__(self, high: float, multiplier: float) -> None:
        super().__init__(RegimeModelConfig(), MedianSplitFitter())
        self.high, self.scale = high, multiplier

    def high_vol(self, symbol: str) -> float | None:
        return self.high

    def multiplier(self, symbol: str) -> float:
        return self.scale


def _sized(regimes: RegimeMonitor | None) -> tuple[Decimal, float]:
    planner = NetOfCostPlanner(NetOfCostConfig(), regimes)
    target = Target("AAA", Decimal(100_000), strength=1.0, probability=0.7)
    qty, decision = planner.desired(target, Decimal(100), 1_000_000.0)
    assert decision is not None
    return qty, decision.regime_multiplier


def test_kelly_is_scaled_by_the_regime_multiplier() -> None:
    full, one = _sized(None)
    half, scale = _sized(ScriptedRegimes(high=0.9, multiplier=0.5))
    assert (one, scale) == (1.0, 0.5)
    assert half == pytest.approx(full / 2, abs=1)
    zero, _ = _sized(ScriptedRegimes(high=0.99, multiplier=0.0))
    assert zero == 0


def test_the_plan_is_passive_in_a_volatile_regime() -> None:
    def plan(regimes: RegimeMonitor | None) -> ExecutionPolicy:
        planner = NetOfCostPlanner(NetOfCostConfig(urgency_minutes=10.0), regimes)
        for _ in range(30):
            planner.update("AAA", 100.0, 50_000.0)
        target = Target("AAA", Decimal(100))
        made = planner.plan(
            target,
            current=Decimal(0),
            desired=Decimal(100),
            close=100.0,
            now=NOW,
            sizing=None,
        )
        assert made.choice is not None
        return made.choice.policy

    assert plan(None) is ExecutionPolicy.MARKETABLE_LIMIT
    assert (
        plan(ScriptedRegimes(high=0.2, multiplier=1.0))
        is ExecutionPolicy.MARKETABLE_LIMIT
    )
    assert (
        plan(ScriptedRegimes(high=0.9, multiplier=1.0)) is ExecutionPolicy.PASSIVE_LIMIT
    )
