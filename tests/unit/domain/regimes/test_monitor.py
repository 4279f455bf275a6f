"""The regime monitor: per-symbol trackers, the probability-weighted sizing
multiplier, and the regime a decision records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.domain.regimes.support import MedianSplitFitter
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.planted_regimes import planted_regime_bars
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.monitor import REGIME, RegimeMonitor, utc_day

CONFIG = RegimeModelConfig(refit="100", min_history=120)


def _fed(multipliers: tuple[float, ...] = (1.0, 0.25)) -> RegimeMonitor:
    monitor = RegimeMonitor(CONFIG, MedianSplitFitter(), multipliers=multipliers)
    frame = planted_regime_bars(
        600, seed=3, start=datetime(2026, 1, 5, tzinfo=UTC), mean_duration=100
    ).frame
    for ts, close in zip(frame.timestamps.tolist(), frame.close.tolist(), strict=True):
        monitor.observe("AAA", ts, close)
    return monitor


def test_no_reading_before_the_first_fit_changes_nothing() -> None:
    monitor = RegimeMonitor(CONFIG, MedianSplitFitter(), multipliers=(1.0, 0.0))
    monitor.observe("AAA", 0, 100.0)
    assert monitor.reading("AAA") is None
    assert monitor.high_vol("AAA") is None
    assert monitor.multiplier("AAA") == 1.0
    assert monitor.with_details("AAA", {"x": 1}) == {"x": 1}
    assert monitor.with_details("AAA", None) is None


def test_the_multiplier_weights_each_state_by_its_probability() -> None:
    monitor = _fed()
    reading = monitor.reading("AAA")
    assert reading is not None
    p0, p1 = reading.probabilities
    assert monitor.multiplier("AAA") == pytest.approx(p0 * 1.0 + p1 * 0.25)
    assert monitor.high_vol("AAA") == p1
    details = monitor.with_details("AAA", {"x": 1})
    assert details is not None
    assert details["x"] == 1
    assert details[REGIME] == {
        "state": reading.state,
        "probabilities": [round(p0, 6), round(p1, 6)],
        "fit": reading.fit_index,
        "multiplier": round(p0 + 0.25 * p1, 6),
    }
    assert len(monitor.fits()["AAA"]) == reading.fit_index + 1


def test_without_multipliers_sizing_is_unchanged() -> None:
    assert _fed(()).multiplier("AAA") == 1.0


@pytest.mark.parametrize("multipliers", [(1.0,), (1.0, -0.5)])
def test_bad_multipliers_are_refused(multipliers: tuple[float, ...]) -> None:
    with pytest.raises(InvalidInput, match="regime multipliers"):
        RegimeMonitor(CONFIG, MedianSplitFitter(), multipliers=multipliers)


def test_the_default_session_is_the_utc_day() -> None:
    day = 86_400 * 10**9
    assert utc_day(3 * day + 5) == 3
    assert utc_day(3 * day - 1) == 2
