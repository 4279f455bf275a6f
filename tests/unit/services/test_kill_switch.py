"""The kill switch: HALTED first, then cancels, flatten, and an honest report."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import key
from tests.risk_support import T0, RecordingAlerter, audit_rows, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.errors import (
    InvalidInput,
    OrderNotCancelable,
    TransientBrokerError,
)
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.risk.kill_request import kill_request_of, kill_state_reason
from tradecore.domain.risk.trading_state import TradingState, TradingStateRecord
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.alerts import Severity
from tradecore.ports.broker import BrokerOrder
from tradecore.services.controls.kill_switch import (
    KILL_STRATEGY_ID,
    NO_BROKER,
    KillSwitch,
)
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager

D = Decimal


def _bar(symbol: str, price: float, clock: SimClock) -> Bar:
    return Bar(
        symbol=symbol,
        timestamp=clock.now(),
        open=price,
        high=price,
        low=price,
        close=price,
        volume=1e7,
    )


class Venue(SimulatedBroker):
    """The simulator, with optional faults and a note of the state at first look."""

    def __init__(self, clock: SimClock, db: Path | None = None) -> None:
        config = VenueConfig(
            seed=1,
            fill_model=FillModel.ideal(),
            calendar=MarketCalendar.always_open(),
            starting_cash=D(1_000_000),
        )
        super().__init__(clock, config)
        self.db = db
        self.state_seen: TradingState | None = None
        self.down = False
        self.final: set[str] = set()

    def open_orders(self) -> Sequence[BrokerOrder]:
        if self.down:
            raise TransientBrokerError("connection refused")
        if self.db is not None and self.state_seen is None:
            probe = sqlite_store(self.db)
            try:
                with probe.unit_of_work() as uow:
                    self.state_seen = uow.controls.get_trading_state().state
            finally:
                probe.close()
        return super().open_orders()

    def cancel(self, broker_order_id: str) -> None:
        if self.get_order(broker_order_id).client_order_id in self.final:
            raise OrderNotCancelable("already filled")
        super().cancel(broker_order_id)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "kill.db"


@pytest.fixture
def store(db: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(db, clock)
    yield opened
    opened.close()


def _place(orders: OrderManager, clock: SimClock, spec: OrderSpec) -> OrderIntent:
    assert spec.qty is not None
    k = key(symbol=spec.symbol, side=spec.side, qty=spec.qty, signal_hash=str(spec))
    intent = OrderIntent.create(k, spec, decided_at=clock.now())
    decision = DecisionRecord(
        decision_id=intent.client_order_id[:32],
        strategy_id="s1",
        symbol=spec.symbol,
        decided_at=clock.now(),
    )
    return orders.place(decision, intent)


def _book(store: SqlStore, clock: SimClock, venue: Venue) -> list[OrderIntent]:
    """Hold 100 AAPL; leave two MSFT bids working far below the market."""
    orders = OrderManager(venue, clock, CommitEachStep(store))
    venue.on_bar(_bar("AAPL", 100.0, clock))
    venue.on_bar(_bar("MSFT", 50.0, clock))
    _place(orders, clock, OrderSpec(symbol="AAPL", side=Side.BUY, qty=D(100)))
    bids = [
        _place(
            orders,
            clock,
            OrderSpec(
                symbol="MSFT",
                side=Side.BUY,
                qty=D(n),
                order_type=OrderType.LIMIT,
                limit_price=D(10),
            ),
        )
        for n in (5, 6)
    ]
    clock.advance(1)
    venue.on_bar(_bar("AAPL", 100.0, clock))
    venue.on_bar(_bar("MSFT", 50.0, clock))
    clock.advance(60)
    with store.unit_of_work() as uow:
        for event in venue.poll_events():
            orders.apply(uow, event)
        uow.commit()
    assert [p.symbol for p in venue.positions()] == ["AAPL"]
    return bids


def test_kill_halts_first_cancels_everything_and_flattens(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    venue = Venue(clock, db)
    bids = _book(store, clock, venue)
    alerter = RecordingAlerter()
    report = KillSwitch(store, venue, clock, alerter).kill("runaway", flatten=True)

    assert venue.state_seen is TradingState.HALTED  # persisted before the broker call
    assert set(report.canceled) == {b.client_order_id for b in bids}
    assert report.complete
    still_open = {o.client_order_id for o in venue.open_orders()}
    assert not still_open & set(report.canceled)
    assert len(report.flatten_orders) == 1
    assert report.flatten_orders[0].startswith("killswit-")
    venue.on_bar(_bar("AAPL", 99.0, clock))
    clock.advance(60)
    assert venue.positions() == []
    with store.unit_of_work() as uow:
        state = uow.controls.get_trading_state()
    assert state.state is TradingState.HALTED
    assert state.reason == "kill+flatten: runaway"  # the flatten request is persisted
    kinds = [k for k, _ in audit_rows(db) if k.startswith("kill")]
    assert kinds == ["kill_switch", "kill_switch_done"]
    done = audit_rows(db, "kill_switch_done")[0][1]
    assert done["complete"] is True
    assert done["flatten_orders"] == list(report.flatten_orders)
    assert alerter.alerts[-1].severity is Severity.CRITICAL


def test_an_unreachable_broker_still_leaves_trading_halted(
    store: SqlStore, clock: SimClock
) -> None:
    venue = Venue(clock)
    bids = _book(store, clock, venue)
    venue.down = True
    report = KillSwitch(store, venue, clock, RecordingAlerter()).kill(
        "feed is garbage", flatten=True
    )
    assert not report.complete
    assert report.broker_error == "broker unreachable: connection refused"
    assert {cid for cid, _ in report.not_canceled} == {b.client_order_id for b in bids}
    assert report.not_flattened == (("*", report.broker_error),)
    with store.unit_of_work() as uow:
        assert uow.controls.get_trading_state().state is TradingState.HALTED


def test_without_a_broker_the_kill_says_it_cancelled_nothing(
    store: SqlStore, clock: SimClock
) -> None:
    bids = _book(store, clock, Venue(clock))
    report = KillSwitch(store, None, clock, RecordingAlerter()).kill("no broker")
    assert report.broker_error == NO_BROKER
    assert [cid for cid, _ in report.not_canceled] == [b.client_order_id for b in bids]
    assert not report.complete


def test_an_order_that_filled_meanwhile_is_reported_as_final(
    store: SqlStore, clock: SimClock
) -> None:
    venue = Venue(clock)
    bids = _book(store, clock, venue)
    venue.final = {bids[0].client_order_id}
    report = KillSwitch(store, venue, clock, RecordingAlerter()).kill("test")
    assert report.already_final == (bids[0].client_order_id,)
    assert report.canceled == (bids[1].client_order_id,)
    assert report.complete


def test_a_kill_needs_a_reason_and_changes_nothing_without_one(
    store: SqlStore, clock: SimClock
) -> None:
    with pytest.raises(InvalidInput, match="needs a reason"):
        KillSwitch(store, None, clock, RecordingAlerter()).kill("  ")
    with store.unit_of_work() as uow:
        assert uow.controls.get_trading_state().state is TradingState.ACTIVE


def test_the_trading_process_answers_a_kill_with_the_same_flatten_ids(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    """A kill command and the trading process derive one id per flatten order."""
    venue = Venue(clock)
    bids = _book(store, clock, venue)
    (cli_flatten,) = (
        KillSwitch(store, venue, clock, RecordingAlerter())
        .kill("runaway", flatten=True)
        .flatten_orders
    )
    with store.unit_of_work() as uow:
        request = kill_request_of(uow.controls.get_trading_state())
    assert request is not None
    assert request.flatten

    report = KillSwitch(store, venue, clock, RecordingAlerter()).carry_out(request)
    assert report.flatten_orders == (cli_flatten,)  # the same order, not a second
    with store.unit_of_work() as uow:
        kill_intents = [
            i
            for i in uow.intents.by_status(*IntentStatus)
            if i.decision_key.strategy_id == KILL_STRATEGY_ID
        ]
        state = uow.controls.get_trading_state()
    assert [i.client_order_id for i in kill_intents] == [cli_flatten]
    assert state.reason == "kill+flatten: runaway"  # carry_out leaves the state be
    done = [p for _, p in audit_rows(db, "kill_switch_done")]
    assert [d["by"] for d in done] == ["kill command", "trading process"]
    assert {d["kill_id"] for d in done} == {request.kill_id}
    assert set(done[0]["canceled"]) == {b.client_order_id for b in bids}


def test_kill_requests_are_read_only_from_a_kills_halt() -> None:
    def record(state: TradingState, reason: str) -> TradingStateRecord:
        return TradingStateRecord(state=state, reason=reason, changed_at=T0)

    plain = kill_request_of(record(TradingState.HALTED, "kill: x"))
    assert plain is not None
    assert (plain.reason, plain.flatten, plain.killed_at) == ("x", False, T0)
    assert kill_state_reason("y", flatten=True) == "kill+flatten: y"
    flat = kill_request_of(record(TradingState.HALTED, "kill+flatten: y"))
    assert flat is not None
    assert (flat.reason, flat.flatten) == ("y", True)
    assert flat.kill_id != plain.kill_id
    assert kill_request_of(record(TradingState.HALTED, "by hand")) is None
    assert kill_request_of(record(TradingState.REDUCING, "kill: x")) is None
    never_set = TradingStateRecord(state=TradingState.HALTED, reason="kill: x")
    assert kill_request_of(never_set) is None


def _settle(store: SqlStore, clock: SimClock, venue: Venue) -> None:
    """Let a bar pass and store every event it caused."""
    clock.advance(60)
    venue.on_bar(_bar("AAPL", 100.0, clock))
    clock.advance(60)
    orders = OrderManager(venue, clock, CommitEachStep(store))
    with store.unit_of_work() as uow:
        for event in venue.poll_events():
            orders.apply(uow, event)
        uow.commit()


def test_fill_after_cancel_request_during_a_kill_flattens_the_rest_as_its_own_decision(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    """Found by the chaos campaign: an order whose cancel was acknowledged kept
    filling after the kill's flatten, and the next carry-out's flatten of that rest
    reused the first flatten's decision id, so the second order had no decision or
    outcome of its own."""
    venue = Venue(clock)
    _book(store, clock, venue)
    switch = KillSwitch(store, venue, clock, RecordingAlerter())
    (first,) = switch.kill("runaway", flatten=True).flatten_orders
    _settle(store, clock, venue)
    # the fill that arrived after the cancel request: 30 more AAPL
    orders = OrderManager(venue, clock, CommitEachStep(store))
    _place(orders, clock, OrderSpec(symbol="AAPL", side=Side.BUY, qty=D(30)))
    _settle(store, clock, venue)
    with store.unit_of_work() as uow:
        request = kill_request_of(uow.controls.get_trading_state())
    assert request is not None

    (second,) = switch.carry_out(request).flatten_orders
    assert second != first
    with store.unit_of_work() as uow:
        assert uow.intents.get(second).spec.qty == D(30)
        outcomes = {
            o.client_order_id: o.decision_id
            for o in uow.decisions.all_outcomes()
            if o.client_order_id in (first, second)
        }
    assert set(outcomes) == {first, second}  # each order has its own outcome...
    assert len(set(outcomes.values())) == 2  # ...of its own decision
