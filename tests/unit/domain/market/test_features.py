"""Market features scaled by the calendar's bars per session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tests.calendars import ALWAYS_OPEN, xnys
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.datagen import ShapeParams, generate_bars
from tradecore.domain.market.features import FeatureConfig, FeatureTracker


@pytest.mark.parametrize(
    ("interval", "per_day"),
    [
        (timedelta(minutes=1), 390.0),
        (timedelta(minutes=5), 78.0),
        (timedelta(hours=1), 6.5),
        (timedelta(days=1), 1.0),
    ],
)
def test_bars_per_day_follow_the_interval_on_xnys(
    interval: timedelta, per_day: float
) -> None:
    config = FeatureConfig.for_interval(xnys(), interval, warmup=5)
    assert config.bars_per_day == per_day
    assert config.warmup == 5


def test_always_open_minutes_make_a_1440_bar_day() -> None:
    config = FeatureConfig.for_interval(ALWAYS_OPEN, timedelta(minutes=1))
    assert config.bars_per_day == 1440.0


def test_for_interval_refuses_a_non_positive_interval() -> None:
    with pytest.raises(InvalidInput, match="interval"):
        FeatureConfig.for_interval(xnys(), timedelta(0))


def test_daily_bars_give_per_day_volatility_and_volume() -> None:
    (frame,) = generate_bars(
        ["AAA"],
        2_000,
        start=datetime(2016, 1, 4, tzinfo=UTC),
        seed=9,
        interval=timedelta(days=1),
        calendar=xnys(),
        params=ShapeParams(volatility=0.02, volume=1_000_000.0),
    )
    daily = FeatureConfig.for_interval(xnys(), timedelta(days=1), smoothing=0.01)
    per_minute = FeatureConfig(smoothing=0.01)  # the old fixed 390 bars a day
    right, wrong = FeatureTracker(daily), FeatureTracker(per_minute)
    for close, volume in zip(frame.close, frame.volume, strict=True):
        right.update("AAA", float(close), float(volume))
        wrong.update("AAA", float(close), float(volume))
    stdev = float(np.std(np.diff(np.log(frame.close)), ddof=1))
    mean_volume = float(np.mean(frame.volume))
    features = right.features("AAA")
    assert features.daily_volatility == pytest.approx(stdev, rel=0.15)
    assert features.adv == pytest.approx(mean_volume, rel=0.15)
    stale = wrong.features("AAA")
    assert stale.daily_volatility / features.daily_volatility == pytest.approx(
        np.sqrt(390)
    )
    assert stale.adv / features.adv == pytest.approx(390)
