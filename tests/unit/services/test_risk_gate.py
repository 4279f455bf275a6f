"""The risk gate against a real SQLite store: state per cycle, trips, recovery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.calendars import xnys
from tests.risk_support import T0, Book, RecordingAlerter, audit_rows, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.errors import BrokerRejected, TransientBrokerError
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.breakers import (
    Breaker,
    BrokerErrorRateBreaker,
    DailyLossBreaker,
    DailyLossConfig,
    FailureRateConfig,
    LosingStreakBreaker,
    LosingStreakConfig,
    RejectRateBreaker,
)
from tradecore.domain.risk.kill_request import KillRequest
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.risk.trading_state import TradingState
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.alerts import Severity
from tradecore.ports.broker import BrokerOrder
from tradecore.services.controls.monitored_broker import MonitoredBroker
from tradecore.services.controls.operator import Controls
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep

D = Decimal
MINUTE = timedelta(minutes=1)
BUY = OrderSpec(symbol="AAPL", side=Side.BUY, qty=D(10))
SELL = OrderSpec(symbol="AAPL", side=Side.SELL, qty=D(10))


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "risk.db"


@pytest.fixture
def store(db: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(db, clock)
    yield opened
    opened.close()


def gate(
    store: SqlStore,
    limits: RiskLimits | None = None,
    breakers: tuple[Breaker, ...] = (),
    alerter: RecordingAlerter | None = None,
) -> RiskGate:
    return RiskGate(
        PreTradeChecker(limits or RiskLimits()),
        CommitEachStep(store),
        alerter or RecordingAlerter(),
        breakers=breakers,
    )


def priced_book() -> Book:
    book = Book()
    book.prices["AAPL"] = 100.0
    return book


def test_orders_obey_the_stored_trading_state(store: SqlStore, clock: SimClock) -> None:
    g = gate(store)
    book = priced_book()
    book.fill("AAPL", "10", "100")
    with store.unit_of_work() as uow:
        uow.controls.set_trading_state(TradingState.REDUCING, "desk says so")
        uow.commit()
    verdict = g.check(book, "s1", BUY, T0)
    assert verdict.rule == "trading_reducing"
    assert g.check(book, "s1", SELL, T0).passed


def test_a_kill_from_another_store_handle_is_seen_from_the_next_cycle(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    g = gate(store)
    book = priced_book()
    assert g.check(book, "s1", BUY, T0).passed
    other = sqlite_store(db, clock)  # a second process on the same file
    try:
        with other.unit_of_work() as uow:
            uow.controls.set_trading_state(TradingState.HALTED, "kill: test")
            uow.commit()
    finally:
        other.close()
    assert g.check(book, "s1", BUY, T0).passed  # same cycle: cached state
    assert g.check(book, "s1", BUY, T0 + MINUTE).rule == "trading_halted"


def test_a_replay_gate_reads_the_store_once_and_keeps_its_own_state(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    with store.unit_of_work() as uow:  # a resumed run: the state it stopped in
        uow.controls.set_trading_state(TradingState.REDUCING, "desk says so")
        uow.commit()
    g = RiskGate(
        PreTradeChecker(RiskLimits()),
        CommitEachStep(store),
        RecordingAlerter(),
        shared_store=False,
    )
    book = priced_book()
    book.fill("AAPL", "10", "100")
    assert g.check(book, "s1", BUY, T0).rule == "trading_reducing"
    other = sqlite_store(db, clock)
    try:
        with other.unit_of_work() as uow:
            uow.controls.set_trading_state(TradingState.ACTIVE, "not seen")
            uow.commit()
    finally:
        other.close()
    assert g.check(book, "s1", BUY, T0 + MINUTE).rule == "trading_reducing"


def test_passed_orders_count_against_the_rate_limit(store: SqlStore) -> None:
    g = gate(store, RiskLimits(max_orders_per_second=2))
    book = priced_book()
    assert g.check(book, "s1", BUY, T0).passed
    assert g.check(book, "s1", BUY, T0).passed
    refused = g.check(book, "s1", BUY, T0)
    assert refused.rule == "max_orders_per_second"
    assert g.check(book, "s1", BUY, T0 + timedelta(seconds=1)).passed


def test_daily_loss_limit_uses_the_books_equity(store: SqlStore) -> None:
    g = gate(store, RiskLimits(max_daily_loss=D(500)))
    book = priced_book()
    book.fill("AAPL", "100", "100")
    assert g.check(book, "s1", BUY, T0).passed  # opens the day at 100_000
    book.prices["AAPL"] = 94.99  # 100 shares down 5.01: a 501 loss
    verdict = g.check(book, "s1", BUY, T0 + MINUTE)
    assert verdict.rule == "max_daily_loss"
    assert verdict.values == {"limit": "500", "value": "501.00"}
    assert g.check(book, "s1", SELL, T0 + MINUTE).passed


@pytest.mark.parametrize(("on_sessions", "refused"), [(True, True), (False, False)])
def test_the_day_pnl_resets_on_the_calendars_trading_day(
    store: SqlStore, on_sessions: bool, refused: bool
) -> None:
    g = RiskGate(
        PreTradeChecker(RiskLimits(max_daily_loss=D(500))),
        CommitEachStep(store),
        RecordingAlerter(),
        calendar=xnys() if on_sessions else None,
    )
    book = priced_book()
    book.fill("AAPL", "100", "100")
    evening = datetime(2026, 1, 13, 23, 0, tzinfo=UTC)  # 18:00 New York
    assert g.check(book, "s1", BUY, evening).passed  # opens the 14th's session
    book.prices["AAPL"] = 94.99  # a 501 loss by 09:35 New York on the 14th
    verdict = g.check(book, "s1", BUY, datetime(2026, 1, 14, 14, 35, tzinfo=UTC))
    assert (verdict.rule == "max_daily_loss") is refused


def _loss_gate(
    store: SqlStore, alerter: RecordingAlerter, **recovery: object
) -> RiskGate:
    config = DailyLossConfig(max_loss=D(1000), quiet_period_s=600, **recovery)  # type: ignore[arg-type]
    return gate(store, breakers=(DailyLossBreaker(config),), alerter=alerter)


def _crash(g: RiskGate, book: Book) -> None:
    book.fill("AAPL", "100", "100")
    g.on_bar("AAPL", T0, 100.0, book.ledger)
    g.on_bar("AAPL", T0 + MINUTE, 89.0, book.ledger)  # -1100


def test_a_trip_is_persisted_audited_alerted_and_moves_the_state(
    db: Path, store: SqlStore
) -> None:
    alerter = RecordingAlerter()
    g = _loss_gate(store, alerter)
    _crash(g, Book())
    with store.unit_of_work() as uow:
        state = uow.controls.get_trading_state()
        row = uow.controls.get_breaker("daily_loss")
    assert state.state is TradingState.REDUCING
    assert state.reason == "breaker:daily_loss tripped"
    assert row is not None
    assert row.tripped
    assert "loss=1100.00" in row.reason
    (_, payload), *_ = audit_rows(db, "breaker_tripped")
    assert payload["inputs"]["loss"] == "1100.00"
    assert payload["trip_state"] == "reducing"
    assert alerter.codes() == ["breaker.tripped"]
    assert alerter.alerts[0].severity is Severity.WARNING
    assert alerter.alerts[0].context["max_loss"] == "1000"


def test_recovery_needs_quiet_and_an_approval_given_elsewhere(
    db: Path, store: SqlStore, clock: SimClock
) -> None:
    alerter = RecordingAlerter()
    g = _loss_gate(store, alerter)
    _crash(g, Book())
    next_day = T0 + timedelta(days=1)  # the daily loss resets: the condition clears
    g.tick(next_day)
    g.tick(next_day + timedelta(minutes=11))
    assert g.board.state.state is TradingState.REDUCING  # quiet, but not approved
    clock.advance_to(next_day + timedelta(minutes=12))
    operator = sqlite_store(db, clock)
    try:
        Controls(operator, clock, RecordingAlerter()).approve(
            "daily_loss", "loss understood"
        )
    finally:
        operator.close()
    g.tick(next_day + timedelta(minutes=13))
    assert g.board.state.state is TradingState.ACTIVE
    assert alerter.codes() == ["breaker.tripped", "breaker.recovered"]
    with store.unit_of_work() as uow:
        row = uow.controls.get_breaker("daily_loss")
    assert row is not None
    assert not row.tripped
    assert "approved: loss understood" in row.reason


def test_a_breaker_never_lifts_a_halt_a_person_set(store: SqlStore) -> None:
    g = _loss_gate(store, RecordingAlerter(), auto_clear=True)
    _crash(g, Book())
    with store.unit_of_work() as uow:
        uow.controls.set_trading_state(TradingState.HALTED, "kill: by hand")
        uow.commit()
    next_day = T0 + timedelta(days=1)
    g.tick(next_day)
    g.tick(next_day + timedelta(minutes=10))
    with store.unit_of_work() as uow:
        assert not uow.controls.get_breaker("daily_loss").tripped  # type: ignore[union-attr]
        assert uow.controls.get_trading_state().state is TradingState.HALTED


def test_a_restarted_gate_restores_the_trip(store: SqlStore) -> None:
    _crash(_loss_gate(store, RecordingAlerter()), Book())
    fresh = _loss_gate(store, RecordingAlerter())
    fresh.tick(T0 + timedelta(days=1))
    fresh.tick(T0 + timedelta(days=2))  # quiet for a day, but nobody approved
    assert fresh.board.get("daily_loss").tripped  # type: ignore[union-attr]
    assert fresh.board.state.state is TradingState.REDUCING


def test_reject_events_trip_the_reject_rate_breaker(store: SqlStore) -> None:
    breaker = RejectRateBreaker(
        FailureRateConfig(max_rate=0.5, min_events=4, trip_state=TradingState.HALTED)
    )
    alerter = RecordingAlerter()
    g = gate(store, breakers=(breaker,), alerter=alerter)
    events = [
        OrderEvent(
            kind=OrderEventKind.REJECTED if i % 4 else OrderEventKind.ACCEPTED,
            client_order_id=f"c{i}",
            occurred_at=T0,
            reason="random reject",
        )
        for i in range(4)
    ]
    g.on_events(events, T0)
    assert g.board.state.state is TradingState.HALTED
    assert alerter.alerts[0].severity is Severity.CRITICAL
    assert alerter.alerts[0].context["rejected"] == "3"


def test_losing_trades_come_from_fills(store: SqlStore) -> None:
    g = gate(store, breakers=(LosingStreakBreaker(LosingStreakConfig(max_losses=1)),))
    book = Book()
    fills = [
        book.fill("AAPL", "10", "100"),
        book.fill("AAPL", "-10", "99"),  # loss 1
        book.fill("AAPL", "10", "100"),
        book.fill("AAPL", "-10", "98"),  # loss 2: over the limit of 1
    ]
    events = [
        OrderEvent(
            kind=OrderEventKind.FILL,
            client_order_id=f.client_order_id,
            occurred_at=T0,
            fill=f,
        )
        for f in fills
    ]
    g.on_events(events[:2], T0)
    assert g.board.state.state is TradingState.ACTIVE
    g.on_events(events, T0)  # the first two again: de-duplicated by execution id
    assert g.board.state.state is TradingState.REDUCING
    assert g.board.events[0].inputs["last_trade_pnl"] == "-20"


class FlakyBroker(SimulatedBroker):
    """Times out on three submits of every four."""

    def __init__(self, clock: SimClock) -> None:
        super().__init__(
            clock, VenueConfig(calendar=xnys(), seed=1, fill_model=FillModel.ideal())
        )
        self.calls = 0

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        self.calls += 1
        if self.calls % 4:
            raise TransientBrokerError("timeout")
        raise BrokerRejected("insufficient buying power")


def test_the_monitored_broker_feeds_error_and_reject_rates(
    store: SqlStore, clock: SimClock
) -> None:
    errors = BrokerErrorRateBreaker(FailureRateConfig(max_rate=0.5, min_events=4))
    rejects = RejectRateBreaker(FailureRateConfig(max_rate=0.5, min_events=1))
    g = gate(store, breakers=(errors, rejects))
    broker = MonitoredBroker(FlakyBroker(clock), g, clock)
    assert broker.capabilities == SimulatedBroker.capabilities
    for _ in range(4):
        with pytest.raises((TransientBrokerError, BrokerRejected)):
            broker.submit("c-1", BUY)
    assert [r.name for r in g.board.events] == ["broker_error_rate", "reject_rate"]
    assert g.board.events[0].inputs["errors"] == "3"
    assert g.board.events[0].inputs["events"] == "4"  # the refusal was an answer


def test_a_clock_stepping_back_stays_in_the_current_cycle(store: SqlStore) -> None:
    g = gate(store, RiskLimits(max_orders_per_second=1))
    book = priced_book()
    assert g.check(book, "s1", BUY, T0).passed
    earlier = T0 - timedelta(milliseconds=500)  # NTP stepped the wall clock back
    assert g.check(book, "s1", BUY, earlier).rule == "max_orders_per_second"
    g.on_bar("AAPL", earlier, 100.0, book.ledger)  # no error from the windows


def test_a_kill_seen_in_the_store_is_handed_to_on_kill_once(
    store: SqlStore, clock: SimClock
) -> None:
    seen: list[KillRequest] = []
    g = RiskGate(
        PreTradeChecker(RiskLimits()),
        CommitEachStep(store),
        RecordingAlerter(),
        on_kill=seen.append,
    )
    g.tick(T0)
    with store.unit_of_work() as uow:  # a halt that is not a kill: not handed over
        uow.controls.set_trading_state(TradingState.HALTED, "by hand")
        uow.commit()
    g.tick(T0 + MINUTE)
    assert seen == []
    clock.advance(120)
    with store.unit_of_work() as uow:
        uow.controls.set_trading_state(TradingState.HALTED, "kill+flatten: runaway")
        uow.commit()
    for minute in (2, 3, 4):
        g.tick(T0 + minute * MINUTE)
    assert [(k.reason, k.flatten) for k in seen] == [("runaway", True)]
    clock.advance(120)
    with store.unit_of_work() as uow:  # a second kill is a new request
        uow.controls.set_trading_state(TradingState.HALTED, "kill: again")
        uow.commit()
    g.tick(T0 + 5 * MINUTE)
    assert [(k.reason, k.flatten) for k in seen][1:] == [("again", False)]
    assert seen[0].kill_id != seen[1].kill_id


def test_asking_whether_a_mark_exists_does_not_price_it() -> None:
    """``symbol in marks`` is asked for every held symbol when the book is valued;
    it must not convert the float (a conversion per question, and one that raises
    on a price the gate has not needed yet)."""
    from tradecore.services.controls.risk_gate import _DecimalMarks

    marks = _DecimalMarks()
    marks.set("AAA", 0.0)  # not a valid price: converting it raises
    marks.set("BBB", 12.345)
    assert "AAA" in marks
    assert "BBB" in marks
    assert "CCC" not in marks
    assert marks["BBB"] == Decimal("12.34")


def test_the_collar_measures_against_the_symbols_previous_close(
    store: SqlStore,
) -> None:
    # RiskGate.on_bar moves a symbol's mark to its reference when the next bar
    # comes: the collar's reference is the prior close, none before a second bar.
    g = gate(store, RiskLimits(price_collar_bps=D(100)))
    book = priced_book()
    ledger = Ledger.opening(D(0))
    g.on_bar("AAPL", T0, 100.0, ledger)
    first = g.check(book, "s1", BUY, T0)
    assert (first.rule, first.values["reference"]) == ("price_collar", "unknown")
    g.on_bar("AAPL", T0 + MINUTE, 105.0, ledger)
    book.prices["AAPL"] = 105.0
    moved = g.check(book, "s1", BUY, T0 + MINUTE)
    assert moved.rule == "price_collar"
    assert D(moved.values["reference"]) == D(100)
    g.on_bar("AAPL", T0 + 2 * MINUTE, 105.5, ledger)
    assert g.check(book, "s1", BUY, T0 + 2 * MINUTE).passed  # 105 -> 105.5
