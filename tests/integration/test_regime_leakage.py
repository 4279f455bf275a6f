"""The strategy leakage check on regime strategies: one that reads the past-only
``regime`` feature passes; one that fits its HMM on the full series is caught."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.regime_strategies import FullSeriesRegimeTimer, RegimeTimer
from tradecore.apps.replay.demo_data import demo_calendar
from tradecore.apps.replay.leakage import check_strategy_leakage
from tradecore.apps.replay.research_data import LoadedData
from tradecore.apps.replay.runner import replay
from tradecore.domain.market.planted_regimes import planted_regime_bars

CUTS = 3


@pytest.fixture(scope="module")
def data() -> LoadedData:
    calendar = demo_calendar()
    planted = planted_regime_bars(
        900,
        seed=21,
        start=datetime(2026, 1, 5, tzinfo=UTC),
        calendar=calendar,
        mean_duration=120,
    )
    return LoadedData(frames=[planted.frame], calendar=calendar)


def test_a_strategy_on_the_regime_feature_passes(data: LoadedData) -> None:
    made = replay(data.frames, RegimeTimer, calendar=data.calendar, progress=False)
    assert len(made.decisions) >= 4  # it traded regime changes the check compares
    report = check_strategy_leakage(data, RegimeTimer, cuts=CUTS)
    assert report.passed, report.leak and report.leak.describe()
    assert len(report.cuts_ns) == CUTS


def test_a_strategy_fitting_the_whole_series_is_caught(data: LoadedData) -> None:
    report = check_strategy_leakage(
        data, FullSeriesRegimeTimer, cuts=CUTS, make_strategy=FullSeriesRegimeTimer
    )
    assert report.leak is not None
    assert report.leak.symbol == "REGM"
    assert report.leak.timestamp_ns <= max(report.cuts_ns) + 60_000_000_000
