"""TWAP/POV parents through the engine: child ids, restart safety, parent cancel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.risk_support import T0, RecordingAlerter, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.errors import NotFound
from tradecore.domain.execution.parent_status import aggregate_parent
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.datagen import ShapeParams, generate_bars
from tradecore.domain.orders.client_order_id import slice_client_order_id
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import OutcomeKind
from tradecore.domain.orders.spec import OrderSpec
from tradecore.domain.risk.checks import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.risk.trading_state import TradingState
from tradecore.domain.strategies.protocol import NO_TARGETS, PortfolioView, Target
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel, LatencyConfig
from tradecore.ports.broker import BrokerOrder
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.execution.net_of_cost import NetOfCostConfig
from tradecore.services.execution.tca_store import parent_progress
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.replay import run_replay

D = Decimal
BIG = D(20_000)  # 40% of five minutes' volume: scheduled


class BuysOnce:
    """Wants ``qty`` AAA from bar ``at`` on (one target, the same reason)."""

    strategy_id = "buys_once"

    def __init__(self, qty: Decimal, at: int = 40) -> None:
        self.qty, self.at, self.seen = qty, at, 0

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        self.seen += 1
        if self.seen != self.at:
            return NO_TARGETS
        return (Target(symbol, self.qty, signal="go"),)


class CountingBroker(SimulatedBroker):
    """The simulated broker, counting submissions per client order id."""

    def __init__(self, clock: SimClock, config: VenueConfig) -> None:
        super().__init__(clock, config)
        self.submits: Counter[str] = Counter()

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        self.submits[client_order_id] += 1
        return super().submit(client_order_id, spec)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(tmp_path / "slices.db", clock)
    yield opened
    opened.close()


def _frames(n: int = 120) -> list[BarFrame]:
    # One fixed series: tests that need fewer bars take rows of it.
    params = ShapeParams(volatility=0.0005, volume=10_000.0)
    return generate_bars(("AAA",), n, start=T0, seed=5, params=params)


def _broker(clock: SimClock, model: FillModel | None = None) -> CountingBroker:
    return CountingBroker(
        clock,
        VenueConfig(
            seed=1,
            fill_model=model or FillModel.ideal(),
            calendar=MarketCalendar.always_open(),
            outside_hours=OutsideHours.QUEUE,
            starting_cash=D(10_000_000),
        ),
    )


def _engine(
    store: SqlStore, clock: SimClock, broker: SimulatedBroker, strategy: BuysOnce
) -> TradingEngine:
    commits = CommitEachStep(store)
    config = EngineConfig(
        opening_cash=D(10_000_000),
        net_of_cost=NetOfCostConfig(urgency_minutes=60.0, spread_bps=4.0),
    )
    return TradingEngine(
        strategy, OrderManager(broker, clock, commits), commits, clock, config
    )


def _run(
    engine: TradingEngine,
    broker: SimulatedBroker,
    clock: SimClock,
    frames: list[BarFrame],
) -> None:
    run_replay(frames, engine, broker, clock, interval=timedelta(minutes=1))


def test_a_large_order_becomes_twap_children_under_the_parent(
    store: SqlStore, clock: SimClock
) -> None:
    broker = _broker(clock)
    engine = _engine(store, clock, broker, BuysOnce(BIG))
    _run(engine, broker, clock, _frames())
    with store.unit_of_work() as uow:
        intents = uow.intents.by_status(*IntentStatus)
        outcomes = uow.decisions.all_outcomes()
        decisions = uow.decisions.all_decisions()
    parent_decision = next(
        d
        for d in decisions
        if "policy" in d.details and isinstance(d.details["policy"], dict)
    )
    assert parent_decision.details["policy"]["policy"] == "twap"
    parent_id = parent_decision.details["client_order_id"]
    assert all(i.parent_client_order_id == parent_id for i in intents)
    key = intents[0].decision_key
    assert key.qty == BIG
    assert [i.client_order_id for i in intents] == [
        slice_client_order_id(key, n) for n in range(len(intents))
    ]
    assert len(intents) == parent_decision.details["policy"]["slices"]
    assert sum(i.spec.qty for i in intents) == BIG
    assert all(i.execution_policy == "twap" for i in intents)
    parent_outcome = next(
        o for o in outcomes if o.decision_id == parent_decision.decision_id
    )
    assert parent_outcome.kind is OutcomeKind.SUBMITTED
    assert parent_outcome.client_order_id == parent_id
    progress = aggregate_parent(BIG, intents, slices_remaining=False)
    assert progress.status is IntentStatus.FILLED
    with store.unit_of_work() as uow:
        stored_progress = parent_progress(uow, str(parent_id))
        with pytest.raises(NotFound):
            parent_progress(uow, "no-such-parent")
    assert stored_progress == progress
    assert stored_progress.filled_qty == BIG
    assert engine.ledger.position("AAA") == BIG
    assert engine.position("AAA") == BIG
    assert max(broker.submits.values()) == 1


def test_a_restart_that_rederives_the_parent_sends_no_slice_twice(
    store: SqlStore, clock: SimClock, tmp_path: Path
) -> None:
    frames = [f.rows(0, 60) for f in _frames()]
    first_broker = _broker(clock)
    _run(
        _engine(store, clock, first_broker, BuysOnce(BIG)), first_broker, clock, frames
    )
    sent_before = set(first_broker.submits)
    assert len(sent_before) >= 2
    # The process dies; a new engine and order manager re-derive the same decision
    # from the same bars against the same store (as a replay --resume does).
    clock2 = SimClock(T0)
    second_broker = _broker(clock2)
    again = sqlite_store(tmp_path / "slices.db", clock2)
    try:
        engine = _engine(again, clock2, second_broker, BuysOnce(BIG))
        _run(engine, second_broker, clock2, _frames())
        with again.unit_of_work() as uow:
            intents = uow.intents.by_status(*IntentStatus)
    finally:
        again.close()
    assert not sent_before & set(second_broker.submits)
    ids = [i.client_order_id for i in intents]
    assert len(ids) == len(set(ids))
    assert sum(i.spec.qty for i in intents) == BIG


def _step(
    engine: TradingEngine,
    broker: SimulatedBroker,
    clock: SimClock,
    frame: BarFrame,
    row: int,
) -> None:
    """One bar as the replay driver does it: match, close, then decide.

    The broker sees a bar only while it has an order working, so an order sent on
    this bar's close waits for the next one (the driver's ``before_order`` is off).
    """
    bar = frame.bar(row)
    clock.advance_to(max(clock.now(), bar.timestamp))
    engine.on_events(broker.poll_events())
    if broker.needs_bar(frame.symbol):
        broker.on_bar(bar)
    clock.advance_to(bar.timestamp + timedelta(minutes=1))
    engine.on_events(broker.poll_events())
    engine.on_bar(frame.symbol, int(frame.timestamps[row]), bar.close, bar.volume)


def test_canceling_the_parent_cancels_open_children_and_sends_no_more(
    store: SqlStore, clock: SimClock
) -> None:
    slow_ack = FillModel.realistic(latency=LatencyConfig(ack_floor_s=120.0))
    broker = _broker(clock, slow_ack)  # child 0 is still open when we cancel
    engine = _engine(store, clock, broker, BuysOnce(BIG))
    frame = _frames()[0]
    engine.before_order = lambda symbol: None
    for row in range(41):  # bar 40 decides and sends child 0
        _step(engine, broker, clock, frame, row)
    parents = engine.working_parents()
    assert len(parents) == 1
    sent = len(broker.submits)
    assert sent == 1
    assert engine.cancel_parent(parents[0]) == 1  # child 0 was open at the broker
    assert engine.working_parents() == ()
    with pytest.raises(KeyError):
        engine.cancel_parent(parents[0])
    for row in range(41, 120):
        _step(engine, broker, clock, frame, row)
    assert len(broker.submits) == sent
    with store.unit_of_work() as uow:
        (child,) = uow.intents.by_status(*IntentStatus)
    assert child.status is IntentStatus.CANCELED
    assert engine.position("AAA") == engine.ledger.position("AAA") == 0


def test_a_halt_mid_schedule_stops_the_slices_and_ends_the_parent(
    store: SqlStore, clock: SimClock
) -> None:
    """Slices pass the risk gate like any order: HALTED refuses the next slice."""
    broker = _broker(clock)
    commits = CommitEachStep(store)
    gate = RiskGate(PreTradeChecker(RiskLimits()), commits, RecordingAlerter())
    config = EngineConfig(
        opening_cash=D(10_000_000),
        risk_gate=gate,
        net_of_cost=NetOfCostConfig(urgency_minutes=60.0, spread_bps=4.0),
        manifest_hash="m" * 64,
    )
    engine = TradingEngine(
        BuysOnce(BIG), OrderManager(broker, clock, commits), commits, clock, config
    )
    frame = _frames()[0]
    engine.before_order = lambda symbol: None
    for row in range(43):  # bar 40 decides and sends child 0; more slices follow
        _step(engine, broker, clock, frame, row)
    (parent,) = engine.working_parents()
    sent = len(broker.submits)
    assert 1 <= sent < 10
    with store.unit_of_work() as uow:
        uow.controls.set_trading_state(TradingState.HALTED, "operator halt")
        uow.commit()
    for row in range(43, 120):
        _step(engine, broker, clock, frame, row)
    assert len(broker.submits) == sent  # no slice after the halt
    assert engine.working_parents() == ()
    with store.unit_of_work() as uow:
        outcomes = uow.decisions.all_outcomes()
        decisions = {d.decision_id: d for d in uow.decisions.all_decisions()}
    refused = [
        o
        for o in outcomes
        if o.kind is OutcomeKind.SKIPPED
        and decisions[o.decision_id].details.get("parent_client_order_id") == parent
    ]
    assert len(refused) == 1
    assert str(refused[0].reason).startswith("risk:")
    assert any(o.reason == "parent_canceled" for o in outcomes)
    # Every decision (parent, slices, the refused slice, the cancel) names the
    # manifest in force.
    assert {d.manifest_hash for d in decisions.values()} == {"m" * 64}
