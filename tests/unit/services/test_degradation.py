"""The engine obeys the degradation mode; health comes from broker, data, store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.calendars import xnys
from tests.risk_support import T0, RecordingAlerter, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.errors import StoreUnavailable, TransientBrokerError
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.records import OutcomeKind
from tradecore.domain.orders.spec import Side
from tradecore.domain.risk.degradation import (
    ALLOWED,
    Component,
    Health,
    Mode,
    OrderAction,
)
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.strategies.protocol import PortfolioView, Target
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.broker import BrokerOrder
from tradecore.ports.store import UnitOfWork
from tradecore.services.controls.degradation import DegradationMonitor, MonitoredCommits
from tradecore.services.controls.monitored_broker import MonitoredBroker
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig

D = Decimal
MINUTE = timedelta(minutes=1)


class Targets:
    """Asks for the next target of its list on every bar."""

    strategy_id = "targets"

    def __init__(self, targets: list[int]) -> None:
        self._targets = iter(targets)

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        qty = next(self._targets)
        return (Target(symbol, D(qty), signal=f"t{qty}"),)


class Rig:
    def __init__(self, store: SqlStore, clock: SimClock, targets: list[int]) -> None:
        self.store, self.clock = store, clock
        self.alerter = RecordingAlerter()
        self.monitor = DegradationMonitor(alerter=self.alerter)
        self.broker = SimulatedBroker(
            clock,
            VenueConfig(
                seed=1,
                fill_model=FillModel.ideal(),
                calendar=MarketCalendar.always_open(),
                outside_hours=OutsideHours.QUEUE,
            ),
        )
        commits = MonitoredCommits(CommitEachStep(store), self.monitor)
        self.engine = TradingEngine(
            Targets(targets),
            OrderManager(self.broker, clock, commits),
            commits,
            clock,
            EngineConfig(opening_cash=D(1_000_000), degradation=self.monitor),
        )

    def bar(self, *, late: timedelta = timedelta(0)) -> None:
        """One bar of AAA stamped ``late`` before now, then a minute passes."""
        at = self.clock.now() - late
        self.broker.on_bar(Bar(symbol="AAA", timestamp=at, open=100.0, high=100.0,
                               low=100.0, close=100.0, volume=1e6))  # fmt: skip
        self.engine.on_bar("AAA", to_ns(at), 100.0, 1e6)
        self.clock.advance(60)

    def outcomes(self) -> list[str]:
        with self.store.unit_of_work() as uow:
            decisions = {d.decision_id: d for d in uow.decisions.all_decisions()}
            rows = sorted(
                uow.decisions.all_outcomes(),
                key=lambda o: decisions[o.decision_id].decided_at,
            )
        return [
            "submitted" if o.kind is OutcomeKind.SUBMITTED else str(o.reason)
            for o in rows
        ]


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(tmp_path / "degrade.db", clock)
    yield opened
    opened.close()


def test_the_engine_obeys_each_mode(store: SqlStore, clock: SimClock) -> None:
    rig = Rig(store, clock, [100, 200, 60, 30, 0, 100])
    rig.bar()  # FULL: enter 100
    for failed in (True, True, False, False, False):
        rig.monitor.on_broker_call(clock.now(), failed=failed)  # 40% failed
    rig.bar()  # NO_NEW_ENTRIES: 100 -> 200 refused
    rig.bar()  # 100 -> 60 reduces: allowed
    rig.monitor.set_model_health(Health.DOWN)
    rig.bar()  # EMERGENCY_CLOSE (model down outranks the broker): 60 -> 30 refused
    rig.bar()  # 60 -> 0 closes: allowed
    for _ in range(3):
        rig.monitor.on_store_result(failed=True)
    rig.bar()  # MONITOR_ONLY: nothing, not even an entry

    assert rig.outcomes() == [
        "submitted",
        "degraded:no_new_entries",
        "submitted",
        "degraded:emergency_close",
        "submitted",
        "degraded:monitor_only",
    ]
    assert [a.context["to"] for a in rig.alerter.alerts] == [
        "no_new_entries",
        "emergency_close",
        "monitor_only",
    ]
    assert rig.alerter.alerts[0].context["broker"] == "degraded"


def test_a_late_bar_means_a_degraded_feed(store: SqlStore, clock: SimClock) -> None:
    rig = Rig(store, clock, [100, 200])
    rig.bar()
    clock.advance(600)
    rig.bar(late=5 * MINUTE)  # newer than the last bar, but 5 intervals old
    assert rig.engine.rejected_bars == 0  # staleness is not a data-quality rule here
    assert rig.outcomes() == ["submitted", "degraded:no_new_entries"]
    with store.unit_of_work() as uow:
        (refused,) = [o for o in uow.decisions.all_outcomes() if o.reason]
    assert refused.details["data_age_s"] == "300.0"
    assert refused.details["action"] == "enter"


class _FailingCommits:
    """A commit policy whose store is gone."""

    @contextmanager
    def step(self) -> Iterator[UnitOfWork]:
        raise StoreUnavailable("database is locked")
        yield  # pragma: no cover

    def flush(self) -> None:
        raise StoreUnavailable("database is locked")


def test_store_errors_in_a_row_turn_the_store_down() -> None:
    monitor = DegradationMonitor()
    commits = MonitoredCommits(_FailingCommits(), monitor)
    for expected in (Health.DEGRADED, Health.DEGRADED, Health.DOWN):
        with pytest.raises(StoreUnavailable), commits.step():
            pass
        assert monitor.health(T0, 0.0)[Component.STORE] is expected
    assert monitor.mode(T0, 0.0) is Mode.MONITOR_ONLY
    monitor.on_store_result(failed=False)  # one success resets the count
    assert monitor.mode(T0, 0.0) is Mode.FULL


class _Flaky(SimulatedBroker):
    down = False

    def open_orders(self) -> Sequence[BrokerOrder]:
        if self.down:
            raise TransientBrokerError("timeout")
        return super().open_orders()


def test_the_monitored_broker_reports_call_health(
    store: SqlStore, clock: SimClock
) -> None:
    broker = _Flaky(
        clock, VenueConfig(calendar=xnys(), seed=1, fill_model=FillModel.ideal())
    )
    monitor = DegradationMonitor()
    gate = RiskGate(
        PreTradeChecker(RiskLimits()), CommitEachStep(store), RecordingAlerter()
    )
    wrapped = MonitoredBroker(broker, gate, clock, health=monitor)
    for _ in range(5):
        wrapped.open_orders()
    assert monitor.health(clock.now(), 0.0)[Component.BROKER] is Health.OK
    broker.down = True
    for _ in range(5):
        with pytest.raises(TransientBrokerError):
            wrapped.open_orders()
    assert monitor.health(clock.now(), 0.0)[Component.BROKER] is Health.DOWN
    clock.advance(301)  # the window forgets
    assert monitor.health(clock.now(), 0.0)[Component.BROKER] is Health.OK


def test_full_mode_refuses_nothing_without_classifying_the_order() -> None:
    """``refusal`` answers FULL mode with no verdict before classifying the order:
    that holds only while FULL allows every action."""
    assert ALLOWED[Mode.FULL] == frozenset(OrderAction)
    monitor = DegradationMonitor()
    now = T0 + timedelta(minutes=1)
    for side in Side:
        assert monitor.refusal(now, to_ns(T0), side, Decimal(5), Decimal(-5)) is None
