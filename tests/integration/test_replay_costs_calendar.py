"""The replay's net-of-cost config takes its bars per day from the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.calendars import xnys
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.config.execution import ExecutionSettings
from tradecore.apps.replay.costs import live_net_of_cost, pin_cost_model
from tradecore.domain.execution.fees import FeeModel

NOW = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("interval", "per_day"),
    [(None, 390.0), (timedelta(minutes=5), 78.0), (timedelta(days=1), 1.0)],
)
def test_features_scale_to_the_calendar_session(
    tmp_path: Path, interval: timedelta | None, per_day: float
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}", upgrade=True)
    try:
        setup = pin_cost_model(
            ExecutionSettings(enabled=True),
            store,
            fees=FeeModel(),
            start=NOW,
            calendar=xnys(),
            interval=interval,
        )
        live = live_net_of_cost(
            ExecutionSettings(enabled=True),
            store,
            now=NOW,
            alerter=None,
            calendar=xnys(),
            interval=interval,
        )
    finally:
        store.close()
    assert setup.config.features.bars_per_day == per_day
    assert live is not None
    assert live.features.bars_per_day == per_day
    assert setup.config.features.smoothing == 0.05  # the rest is kept
