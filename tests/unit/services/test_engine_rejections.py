"""Broker rejections through the engine: the policy acts, capped, under new ids."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from tests.risk_support import T0, RecordingAlerter, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import OutcomeKind
from tradecore.domain.risk.rejection_policy import RejectionAction
from tradecore.domain.strategies.protocol import PortfolioView, Target
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.services.controls.rejection_handler import RejectionHandler
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig

D = Decimal


class Wants:
    """Wants ``qty`` shares of AAA on every bar, for the same reason each time."""

    strategy_id = "wants"

    def __init__(self, qty: int) -> None:
        self.qty = D(qty)

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        return (Target(symbol, self.qty, signal="wants"),)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(tmp_path / "rejects.db", clock)
    yield opened
    opened.close()


def _rig(
    store: SqlStore, clock: SimClock, cash: int, qty: int
) -> tuple[TradingEngine, SimulatedBroker, RejectionHandler, RecordingAlerter]:
    broker = SimulatedBroker(
        clock,
        VenueConfig(
            seed=1,
            fill_model=FillModel.ideal(),
            calendar=MarketCalendar.always_open(),
            outside_hours=OutsideHours.QUEUE,
            starting_cash=D(cash),
        ),
    )
    commits = CommitEachStep(store)
    orders = OrderManager(broker, clock, commits)
    alerter = RecordingAlerter()
    handler = RejectionHandler(orders, clock, alerter)
    engine = TradingEngine(
        Wants(qty),
        orders,
        commits,
        clock,
        EngineConfig(opening_cash=D(cash), rejections=handler),
    )
    return engine, broker, handler, alerter


def _bars(
    engine: TradingEngine, broker: SimulatedBroker, clock: SimClock, n: int
) -> None:
    for _ in range(n):
        at = clock.now()
        broker.on_bar(Bar(symbol="AAA", timestamp=at, open=100.0, high=100.0,
                          low=100.0, close=100.0, volume=1e7))  # fmt: skip
        engine.on_events(broker.poll_events())
        engine.on_bar("AAA", to_ns(at), 100.0, 1e7)
        clock.advance(60)
    engine.on_events(broker.poll_events())


def test_buying_power_rejection_one_reduced_retry_then_give_up(
    store: SqlStore, clock: SimClock
) -> None:
    # 1000 shares need 100,000; 500 need 50,000; there is 40,000
    engine, broker, handler, alerter = _rig(store, clock, cash=40_000, qty=1000)
    _bars(engine, broker, clock, 4)  # the strategy asks again on every bar

    with store.unit_of_work() as uow:
        intents = sorted(uow.intents.by_status(*IntentStatus), key=lambda i: i.attempt)
        failed = [
            o for o in uow.decisions.all_outcomes() if o.kind is OutcomeKind.FAILED
        ]
    assert [(i.attempt, i.spec.qty, i.status) for i in intents] == [
        (1, D(1000), IntentStatus.REJECTED),
        (2, D(500), IntentStatus.REJECTED),
    ]
    first, retry = intents
    assert retry.client_order_id != first.client_order_id
    assert first.client_order_id.endswith("-1")
    assert retry.client_order_id.endswith("-2")
    assert retry.parent_client_order_id == first.client_order_id
    assert [d.action for d in handler.decisions] == [
        RejectionAction.REDUCE_SIZE,
        RejectionAction.GIVE_UP,
    ]
    assert {o.reason for o in failed} == {"rejected:insufficient_buying_power"}
    assert len(failed) == 2
    assert alerter.codes() == ["order_rejected"]  # once, not once per bar
    assert engine.position("AAA") == 0


def test_a_reduced_retry_that_fits_is_placed_and_filled(
    store: SqlStore, clock: SimClock
) -> None:
    engine, broker, handler, alerter = _rig(store, clock, cash=60_000, qty=1000)
    _bars(engine, broker, clock, 4)

    with store.unit_of_work() as uow:
        intents = sorted(
            uow.intents.by_status(*IntentStatus),
            key=lambda i: (i.decided_at, i.attempt),
        )
    assert [(i.attempt, i.spec.qty, i.status) for i in intents] == [
        (1, D(1000), IntentStatus.REJECTED),  # bar 1: 100,000 > 60,000
        (2, D(500), IntentStatus.FILLED),  # its reduced retry fits
        (1, D(500), IntentStatus.REJECTED),  # bar 2: the 500 still wanted
        (2, D(250), IntentStatus.REJECTED),  # reduced once, still too big
    ]  # bars 3 and 4 ask for the same 500 again: handled once, nothing new
    assert engine.ledger.position("AAA") == 500
    assert [d.action for d in handler.decisions] == [
        RejectionAction.REDUCE_SIZE,
        RejectionAction.REDUCE_SIZE,
        RejectionAction.GIVE_UP,
    ]
    assert alerter.codes() == ["order_rejected"]


def test_a_rejection_arriving_as_an_event_is_handled_too(
    store: SqlStore, clock: SimClock
) -> None:
    engine, broker, handler, alerter = _rig(store, clock, cash=1_000_000, qty=100)
    broker.venue.config = attrs.evolve(broker.venue.config, random_reject_rate=1.0)
    _bars(engine, broker, clock, 3)

    with store.unit_of_work() as uow:
        intents = list(uow.intents.by_status(*IntentStatus))
    assert [(i.attempt, i.status) for i in intents] == [(1, IntentStatus.REJECTED)]
    assert len(handler.decisions) == 1
    assert handler.decisions[0].gives_up
    assert alerter.codes() == ["order_rejected"]
