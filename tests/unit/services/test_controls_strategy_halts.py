"""A strategy halt (``tradecore-live strategy halt``) is a control row, not a breaker:
going ACTIVE is not refused because one sub-strategy of a portfolio is halted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.risk_support import T0, RecordingAlerter, sqlite_store
from tradecore.adapters.sim import SimClock
from tradecore.domain.errors import InvalidInput
from tradecore.domain.risk.trading_state import TradingState
from tradecore.domain.strategies.portfolio_halts import (
    halt_control_name,
    requested_halts,
)
from tradecore.services.controls.operator import Controls


def test_going_active_ignores_strategy_halts_but_not_breakers(tmp_path: Path) -> None:
    clock = SimClock(T0 + timedelta(days=1))
    store = sqlite_store(tmp_path / "c.db", clock)
    try:
        with store.unit_of_work() as uow:
            uow.controls.set_breaker(
                halt_control_name("trend"), tripped=True, reason="drawdown"
            )
            uow.commit()
        controls = Controls(store, clock, RecordingAlerter())
        controls.set_state(TradingState.HALTED, "test")
        record = controls.set_state(TradingState.ACTIVE, "back")
        assert record.state is TradingState.ACTIVE
        with store.unit_of_work() as uow:
            uow.controls.set_breaker("daily_loss", tripped=True, reason="loss")
            uow.commit()
        with pytest.raises(InvalidInput, match="daily_loss"):
            controls.set_state(TradingState.ACTIVE, "again")
    finally:
        store.close()


def test_requested_halts_reads_only_strategy_rows() -> None:
    rows = [
        (halt_control_name("trend"), True),
        (halt_control_name("carry"), False),
        ("daily_loss", True),
    ]
    assert requested_halts(rows) == {"trend": True, "carry": False}
