"""A net-of-cost engine killed mid-parent and restored goes on exactly as one never killed.

Two runs over the same bars: a reference engine that runs through, and an engine
that is dropped after :data:`KILL_AFTER` (mid-TWAP-parent, after three Kelly-sized
round trips) and replaced by a fresh engine, order manager and strategy over the same
store and broker, restored by :func:`recover`. The broker outlives the process (as a
real one does). Both stores must then hold the same orders, fills and decisions:
the remaining slices went out under the same ids, none twice, and every later
Kelly sizing is the reference's to the last digit.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from tests.integration.net_restart_strategy import PARENT_BAR, START, ScriptedTargets
from tests.risk_support import sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.datagen import ShapeParams, generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import OrderSpec
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.broker import BrokerOrder
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.execution.net_of_cost import NetOfCostConfig
from tradecore.services.execution.tca_store import parent_progress
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.recovery import recover

D = Decimal
BARS = 130
KILL_AFTER = PARENT_BAR + 7  # two slices of the parent sent, more to come
RESTART = START + timedelta(minutes=KILL_AFTER + 1)
CASH = D(1_000_000)


class CountingBroker(SimulatedBroker):
    """The simulated broker, counting submissions per client order id."""

    def __init__(self, clock: SimClock) -> None:
        super().__init__(
            clock,
            VenueConfig(
                seed=1,
                fill_model=FillModel.ideal(),
                calendar=MarketCalendar.always_open(),
                outside_hours=OutsideHours.QUEUE,
                starting_cash=CASH,
            ),
        )
        self.submits: Counter[str] = Counter()

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        self.submits[client_order_id] += 1
        return super().submit(client_order_id, spec)


def _frame() -> BarFrame:
    params = ShapeParams(volatility=0.002, volume=10_000.0)
    (frame,) = generate_bars(("AAA",), BARS, start=START, seed=11, params=params)
    return frame


def _engine(store: SqlStore, clock: SimClock, broker: SimulatedBroker) -> TradingEngine:
    commits = CommitEachStep(store)
    config = EngineConfig(
        opening_cash=CASH,
        net_of_cost=NetOfCostConfig(
            urgency_minutes=20.0, spread_bps=4.0, calibrate_probability_after=2
        ),
    )
    orders = OrderManager(broker, clock, commits)
    engine = TradingEngine(ScriptedTargets(), orders, commits, clock, config)
    engine.before_order = lambda symbol: None
    return engine


def _restored(
    store: SqlStore, clock: SimClock, broker: SimulatedBroker
) -> TradingEngine:
    engine = _engine(store, clock, broker)
    commits = CommitEachStep(store)
    orders = OrderManager(broker, clock, commits)
    recover(engine, Reconciler(broker, clock, commits, orders), broker, commits)
    return engine


def _step(
    engine: TradingEngine, broker: SimulatedBroker, clock: SimClock, row: int
) -> None:
    """One bar as the live loop does it: events, the market, the engine, events."""
    frame = _frame_cache
    bar = frame.bar(row)
    clock.advance_to(bar.timestamp + timedelta(minutes=1))
    engine.on_events(broker.poll_events())
    if broker.needs_bar(frame.symbol):
        broker.on_bar(bar)
    engine.on_bar(frame.symbol, int(frame.timestamps[row]), bar.close, bar.volume)
    engine.on_events(broker.poll_events())


_frame_cache = _frame()


def _books(store: SqlStore) -> tuple[list[object], list[object], list[object]]:
    with store.unit_of_work() as uow:
        intents = [
            (i.client_order_id, i.status, i.spec.qty, i.filled_qty, i.decided_at)
            for i in uow.intents.by_status(*IntentStatus)
        ]
        fills = [(f.client_order_id, f.qty, f.price) for f in uow.fills.all()]
        decisions = [
            (d.decision_id, _what_restarts_keep(d.details), d.decided_at)
            for d in uow.decisions.all_decisions()
        ]
    return intents, fills, decisions


def _what_restarts_keep(details: dict[str, object]) -> dict[str, object]:
    """A decision's details but the market features (in memory only: a restarted
    process starts them from their priors, so the cost forecast may differ)."""
    return {k: v for k, v in details.items() if k not in {"policy", "features"}}


def _parent_status(store: SqlStore, parent_id: str) -> object:
    with store.unit_of_work() as uow:
        return parent_progress(uow, parent_id)


def test_a_restored_engine_sends_the_remaining_slices_and_sizes_as_the_reference(
    tmp_path: Path,
) -> None:
    ref_clock = SimClock(START)
    ref_store = sqlite_store(tmp_path / "ref.db", ref_clock)
    ref_broker = CountingBroker(ref_clock)
    reference = _engine(ref_store, ref_clock, ref_broker)
    for row in range(BARS):
        _step(reference, ref_broker, ref_clock, row)

    clock = SimClock(START)
    store = sqlite_store(tmp_path / "killed.db", clock)
    broker = CountingBroker(clock)
    first = _engine(store, clock, broker)
    for row in range(KILL_AFTER + 1):
        _step(first, broker, clock, row)
    parents = first.working_parents()
    sent_before = set(broker.submits)
    del first  # the process dies; the broker and the store live on
    second = _restored(store, clock, broker)
    assert second.working_parents() == parents
    for row in range(KILL_AFTER + 1, BARS):
        _step(second, broker, clock, row)

    try:
        ref_books, books = _books(ref_store), _books(store)
        (parent_id,) = parents
        status = _parent_status(store, parent_id)
        assert status == _parent_status(ref_store, parent_id)
    finally:
        ref_store.close()
        store.close()
    assert status.status is IntentStatus.FILLED  # type: ignore[attr-defined]
    # Same orders (ids, sizes, statuses, fills) and the same decisions: every Kelly
    # sizing after the restart, posterior and calibrated probability included, is
    # the reference's.
    assert books == ref_books
    later = [d for d in books[2] if d[2] > RESTART and "sizing" in d[1]]
    assert len(later) == 2
    assert broker.submits == ref_broker.submits  # the remaining slices, no other
    assert max(broker.submits.values()) == 1  # no slice twice
    assert len(set(broker.submits) - sent_before) >= 2 + 2 + 3


def _killed_mid_parent(
    tmp_path: Path,
) -> tuple[SqlStore, SimClock, CountingBroker, TradingEngine]:
    clock = SimClock(START)
    store = sqlite_store(tmp_path / "killed.db", clock)
    broker = CountingBroker(clock)
    first = _engine(store, clock, broker)
    for row in range(KILL_AFTER + 1):
        _step(first, broker, clock, row)
    return store, clock, broker, first


def _children_of(store: SqlStore, parent_id: str) -> list[str]:
    with store.unit_of_work() as uow:
        return [
            i.client_order_id
            for i in uow.intents.by_status(*IntentStatus)
            if i.parent_client_order_id == parent_id
        ]


def test_a_parent_past_its_horizon_at_restart_is_over(tmp_path: Path) -> None:
    store, clock, broker, first = _killed_mid_parent(tmp_path)
    (parent_id,) = first.working_parents()
    held = first.ledger.position("AAA")
    assert first.position("AAA") > held  # its unsent slices counted as working
    try:
        down_until = PARENT_BAR + 30  # the process was down past the parent's end
        clock.advance_to(START + timedelta(minutes=down_until))
        second = _restored(store, clock, broker)
        assert second.working_parents() == ()  # ended at its deadline, as ever
        assert second.position("AAA") == second.ledger.position("AAA") == held
        for row in range(down_until, 74):  # up to the exit
            _step(second, broker, clock, row)
        assert len(_children_of(store, parent_id)) == 2  # none sent late
    finally:
        store.close()


def test_a_parent_canceled_before_the_crash_is_not_resumed(tmp_path: Path) -> None:
    store, clock, broker, first = _killed_mid_parent(tmp_path)
    (parent_id,) = first.working_parents()
    try:
        assert first.cancel_parent(parent_id) == 0  # both slices already filled
        second = _restored(store, clock, broker)
        assert second.working_parents() == ()
        assert second.position("AAA") == second.ledger.position("AAA")
        for row in range(KILL_AFTER + 1, 74):
            _step(second, broker, clock, row)
        assert len(_children_of(store, parent_id)) == 2
        with store.unit_of_work() as uow:
            reasons = [o.reason for o in uow.decisions.all_outcomes()]
    finally:
        store.close()
    assert reasons.count("parent_canceled") == 1
