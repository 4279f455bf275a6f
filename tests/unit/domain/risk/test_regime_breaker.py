"""The regime breaker: a high-volatility regime held for N bars moves trading to
REDUCING; a shorter one does not; the count restarts when the regime calms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.domain.regimes.support import MedianSplitFitter
from tradecore.domain.errors import InvalidInput
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.monitor import RegimeMonitor
from tradecore.domain.risk.breakers import (
    BreakerEvent,
    RegimeBreaker,
    RegimeBreakerConfig,
)
from tradecore.domain.risk.trading_state import TradingState

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


class ScriptedRegimes(RegimeMonitor):
    """A monitor whose P(high volatility) a test sets directly."""

    def __init__(self) -> None:
        super().__init__(RegimeModelConfig(), MedianSplitFitter())
        self.now: dict[str, float | None] = {}

    def high_vol(self, symbol: str) -> float | None:
        return self.now.get(symbol)


def _feed(
    breaker: RegimeBreaker, regimes: ScriptedRegimes, values: list[float | None]
) -> list[BreakerEvent | None]:
    events = []
    for i, p in enumerate(values):
        regimes.now["AAA"] = p
        events.append(breaker.update(T0 + i * MINUTE, "AAA").event)
    return events


def test_a_persistent_high_volatility_regime_trips_to_reducing() -> None:
    regimes = ScriptedRegimes()
    breaker = RegimeBreaker(RegimeBreakerConfig(probability=0.8, bars=3), regimes)
    events = _feed(breaker, regimes, [None, 0.9, 0.95, 0.99])
    assert events == [None, None, None, BreakerEvent.TRIPPED]
    assert breaker.config.trip_state is TradingState.REDUCING
    assert breaker.latch.trip_inputs["symbol"] == "AAA"
    assert breaker.latch.trip_inputs["high_vol_bars"] == "3"
    assert breaker.latch.trip_inputs["p_high_vol"] == "0.9900"


def test_a_streak_broken_by_a_calm_bar_starts_again() -> None:
    regimes = ScriptedRegimes()
    breaker = RegimeBreaker(RegimeBreakerConfig(probability=0.8, bars=3), regimes)
    events = _feed(breaker, regimes, [0.9, 0.9, 0.5, 0.9, 0.9, 0.8])
    assert BreakerEvent.TRIPPED not in events  # 0.8 is not above 0.8
    assert not breaker.tripped


def test_it_recovers_after_a_quiet_period_when_auto_clearing() -> None:
    regimes = ScriptedRegimes()
    config = RegimeBreakerConfig(
        probability=0.8, bars=2, quiet_period_s=120, auto_clear=True
    )
    breaker = RegimeBreaker(config, regimes)
    events = _feed(breaker, regimes, [0.9, 0.9, 0.1, 0.1, 0.1, 0.1])
    assert events[1] is BreakerEvent.TRIPPED
    assert BreakerEvent.CLEARED in events[2:]


@pytest.mark.parametrize(("field", "value"), [("probability", 1.0), ("bars", 0)])
def test_bad_config_is_refused(field: str, value: float) -> None:
    with pytest.raises(InvalidInput, match=field):
        RegimeBreakerConfig(**{field: value})  # type: ignore[arg-type]
