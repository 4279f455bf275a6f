"""Operator controls: audited state changes, breaker approvals, status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.calendars import xnys
from tests.factories import intent
from tests.risk_support import T0, RecordingAlerter, audit_rows, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side
from tradecore.domain.risk.trading_state import TradingState
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.services.controls.operator import Controls

D = Decimal


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0 + timedelta(days=1))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "controls.db"


@pytest.fixture
def store(db: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(db, clock)
    yield opened
    opened.close()


def _trip(store: SqlStore, name: str = "daily_loss") -> None:
    with store.unit_of_work() as uow:
        uow.controls.set_breaker(name, tripped=True, reason="tripped: loss=2000")
        uow.commit()


def test_going_active_with_a_tripped_breaker_needs_force(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    controls = Controls(store, clock, RecordingAlerter())
    _trip(store)
    with pytest.raises(InvalidInput, match="breakers still tripped: daily_loss"):
        controls.set_state(TradingState.ACTIVE, "looks fine")
    controls.set_state(TradingState.REDUCING, "tightening is always allowed")
    record = controls.set_state(TradingState.ACTIVE, "risk officer", force=True)
    assert record.state is TradingState.ACTIVE
    changes = audit_rows(db, "trading_state_changed")
    assert [(p["state"], p["forced"]) for _, p in changes] == [
        ("reducing", False),
        ("active", True),
    ]


def test_a_state_change_needs_a_reason(store: SqlStore, clock: SimClock) -> None:
    with pytest.raises(InvalidInput, match="needs a reason"):
        Controls(store, clock, RecordingAlerter()).set_state(TradingState.HALTED, "")


def test_approve_marks_the_breaker_and_is_audited(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    alerter = RecordingAlerter()
    controls = Controls(store, clock, alerter)
    _trip(store)
    row = controls.approve("daily_loss", "loss explained by the gap")
    assert row.tripped
    assert row.reason == "approved: loss explained by the gap"
    assert audit_rows(db, "breaker_approved")[0][1] == {
        "breaker": "daily_loss",
        "reason": "loss explained by the gap",
    }
    assert alerter.codes() == ["breaker_approved"]


def test_approve_refuses_unknown_and_untripped_breakers(
    store: SqlStore, clock: SimClock
) -> None:
    controls = Controls(store, clock, RecordingAlerter())
    _trip(store)
    with pytest.raises(InvalidInput, match=r"no such breaker \(known: daily_loss\)"):
        controls.approve("dialy_loss", "typo")
    with store.unit_of_work() as uow:
        uow.controls.set_breaker("reject_rate", tripped=False, reason="cleared: x")
        uow.commit()
    with pytest.raises(InvalidInput, match="is not tripped"):
        controls.approve("reject_rate", "nothing to approve")


def _fill(cid: str, side: Side, qty: str, price: str, days_ago: int, n: int) -> Fill:
    return Fill(
        execution_id=f"x{n}",
        client_order_id=cid,
        symbol="AAPL",
        side=side,
        qty=D(qty),
        price=D(price),
        filled_at=T0 + timedelta(days=1 - days_ago),
    )


def test_status_shows_the_store_and_says_the_broker_is_missing(
    store: SqlStore, clock: SimClock
) -> None:
    buy, sell = intent(D(100)), intent(D(60), Side.SELL)
    with store.unit_of_work() as uow:
        uow.intents.create(buy)
        uow.intents.create(sell)
        uow.fills.record(_fill(buy.client_order_id, Side.BUY, "100", "10", 1, 1))
        uow.fills.record(_fill(sell.client_order_id, Side.SELL, "60", "12", 0, 2))
        uow.commit()
    _trip(store)
    report = Controls(store, clock, RecordingAlerter()).status(None)
    assert report.state.state is TradingState.ACTIVE
    assert [b.name for b in report.breakers] == ["daily_loss"]
    assert len(report.open_intents) == 2
    assert [(p.symbol, p.qty) for p in report.positions] == [("AAPL", D(40))]
    assert report.fills_today == 1
    assert report.realized_pnl_today == D(120)  # 60 sold at 12 bought at 10
    assert report.broker.error == "no broker configured"


def test_status_with_a_broker_shows_its_view(store: SqlStore, clock: SimClock) -> None:
    broker = SimulatedBroker(
        clock, VenueConfig(calendar=xnys(), seed=1, fill_model=FillModel.ideal())
    )
    report = Controls(store, clock, RecordingAlerter()).status(broker)
    assert report.broker.error is None
    assert report.broker.account is not None
    assert report.broker.account.cash == D(100_000)
