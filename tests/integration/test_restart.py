"""Warm and cold restarts at every crash point of the order path.

The broker and the market (``World``) outlive our process. A *warm* restart rebuilds
every object of ours on the same store handle; a *cold* restart closes the store and
opens the database file again, so only what was committed survives. After each
crash the restart runs :func:`tradecore.services.trading.recovery.recover`, then trades one
more bar. What must hold (a known failure of mature engines is the last two):

* the broker accepted exactly one order, under the intent's client order id;
* every decision has exactly one outcome, and the ledger equals the broker's position;
* no fill was invented (every stored execution id is one the broker reported);
* no opposite (SELL) order was ever created to "fix" anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.errors import OrderNotFound
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.strategies.protocol import PortfolioView, Target
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.broker import BrokerOrder
from tradecore.ports.store import Store, UnitOfWork
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.recovery import recover

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


class Crash(BaseException):
    """The process dies here (not an Exception: nothing may catch and carry on)."""


class HoldLong:
    """Wants 100 AAPL, always: any second order would be a duplicate."""

    strategy_id = "hold_long"

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        view: PortfolioView,
    ) -> list[Target]:
        return [Target(symbol=symbol, qty=Decimal(100), signal="long")]


class World(SimulatedBroker):
    """The broker and its market; it can kill our process around a submit."""

    def __init__(self) -> None:
        self.clock = SimClock(T0)
        super().__init__(
            self.clock,
            VenueConfig(
                seed=1,
                fill_model=FillModel.ideal(),
                calendar=MarketCalendar.always_open(),
            ),
        )
        self.t = T0
        self.crash_before_submit = False
        self.crash_after_submit = False
        self.accepted: list[str] = []
        self.executions: set[str] = set()

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        if self.crash_before_submit:
            self.crash_before_submit = False
            raise Crash("died before the broker call")
        order = super().submit(client_order_id, spec)
        self.accepted.append(client_order_id)
        if self.crash_after_submit:
            self.crash_after_submit = False
            raise Crash("died after the broker accepted, before the ack was stored")
        return order

    def poll_events(self):  # type: ignore[no-untyped-def]
        events = super().poll_events()
        self.executions |= {e.fill.execution_id for e in events if e.fill is not None}
        return events

    def step(self, engine: TradingEngine | None) -> None:
        """One bar: the market moves; our engine (if running) sees it close."""
        bar = Bar(symbol="AAPL", timestamp=self.t, open=100.0, high=101.0, low=99.0,
                  close=100.5, volume=1e6)  # fmt: skip
        self.clock.advance_to(self.t)
        self.on_bar(bar)
        self.t += MINUTE
        self.clock.advance_to(self.t)
        if engine is not None:
            engine.on_events(self.poll_events())
            engine.on_bar("AAPL", int(bar.timestamp.timestamp() * 1e9), 100.5, 1e6)


class CrashingCommits(CommitEachStep):
    """Dies on entering step ``crash_at`` (1 = intent commit, 2 = SUBMITTED, 3 = ack)."""

    def __init__(self, store: Store, crash_at: int | None) -> None:
        super().__init__(store)
        self.crash_at = crash_at
        self.steps = 0

    def step(self):  # type: ignore[no-untyped-def,override]
        self.steps += 1
        if self.steps == self.crash_at:
            raise Crash(f"died entering step {self.steps}")
        return super().step()


class Process:
    """Everything of ours that a crash destroys."""

    def __init__(self, world: World, store: Store, crash_at: int | None = None) -> None:
        self.commits = CrashingCommits(store, crash_at)
        self.orders = OrderManager(world, world.clock, self.commits)
        self.engine = TradingEngine(
            HoldLong(),
            self.orders,
            self.commits,
            world.clock,
            EngineConfig(opening_cash=Decimal(1_000_000)),
        )
        self.reconciler = Reconciler(world, world.clock, self.commits, self.orders)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'live.db'}"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def first_store(db_url: str) -> Iterator[Store]:
    store = open_store(db_url, upgrade=True)
    yield store
    store.close()


def _crash_first_process(world: World, store: Store, crash_point: str) -> None:
    at = {"intent_committed": 2, "broker_accepted_ack_lost": 3}.get(crash_point)
    world.crash_before_submit = crash_point == "submitted_not_sent"
    world.crash_after_submit = crash_point == "broker_accepted_ack_lost"
    first = Process(world, store, crash_at=at)
    if crash_point == "broker_accepted_ack_lost":
        first.commits.crash_at = None  # the broker wrapper kills it instead
    if crash_point == "fill_while_down":
        world.step(first.engine)  # placed and acknowledged, then the process stops
        return
    with pytest.raises(Crash):
        world.step(first.engine)


def _restart(kind: str, store: Store, db_url: str) -> Store:
    if kind == "warm":
        return store
    store.close()
    return open_store(db_url)


CRASH_POINTS = [
    "intent_committed",  # after the intent commit, before SUBMITTED
    "submitted_not_sent",  # after the SUBMITTED commit, before the broker call
    "broker_accepted_ack_lost",  # the broker has it; we never stored the ack
    "fill_while_down",  # acknowledged, then filled while we were down
]


@pytest.mark.parametrize("kind", ["warm", "cold"])
@pytest.mark.parametrize("crash_point", CRASH_POINTS)
def test_restart_heals_without_duplicates_or_invented_fills(
    world: World, first_store: Store, db_url: str, kind: str, crash_point: str
) -> None:
    _crash_first_process(world, first_store, crash_point)
    if crash_point == "fill_while_down":
        world.step(None)  # the market moves on while nobody is listening
    store = _restart(kind, first_store, db_url)
    second = Process(world, store)
    report = recover(second.engine, second.reconciler, world, second.commits)
    for _ in range(3):
        world.step(second.engine)
    with store.unit_of_work() as uow:
        _assert_healed(uow, world, second.engine, crash_point)
    assert all(d.kind != "lost_order" for d in report.discrepancies)
    if store is not first_store:
        store.close()


def _assert_healed(
    uow: UnitOfWork, world: World, engine: TradingEngine, crash_point: str
) -> None:
    intents = uow.intents.by_status(*IntentStatus)
    sent = [i for i in intents if i.client_order_id in world.accepted]
    assert len(world.accepted) == len(set(world.accepted)) == 1, world.accepted
    assert all(i.spec.side is Side.BUY for i in intents), "an opposite order appeared"
    assert len(sent) == 1
    assert sent[0].status is IntentStatus.FILLED
    if crash_point == "intent_committed":
        # The never-sent intent failed; the strategy's next decision (a new signal
        # time, the same key) is not re-sent under that id: one order in all.
        assert {i.status for i in intents} <= {IntentStatus.FAILED, IntentStatus.FILLED}
    fills = uow.fills.all()
    assert {f.execution_id for f in fills} <= world.executions, "a fill was invented"
    broker_qty = {p.symbol: p.qty for p in world.positions()}.get("AAPL")
    assert sum(f.qty for f in fills) == broker_qty == Decimal(100)
    assert engine.ledger.position("AAPL") == Decimal(100)
    assert engine.position("AAPL") == Decimal(100)  # nothing pending any more
    assert uow.decisions.decisions_without_outcome() == []


def test_recovery_submits_nothing_when_all_is_settled(
    world: World, first_store: Store, db_url: str
) -> None:
    """A clean restart is a no-op at the broker: no order, no cancel, no resend."""
    first = Process(world, first_store)
    for _ in range(3):
        world.step(first.engine)
    before = list(world.accepted)
    second = Process(world, open_store(db_url))
    report = recover(second.engine, second.reconciler, world, second.commits)
    assert world.accepted == before
    assert report.clean
    assert second.engine.ledger.positions() == first.engine.ledger.positions()
    with pytest.raises(OrderNotFound):
        world.get_order_by_client_id("never-sent")
