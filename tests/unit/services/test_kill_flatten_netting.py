"""``kill --flatten`` never crosses zero: the flatten nets out what is still working.

Issue 17, order path item 4. An independent harness saw a kill sell a long position
into a short: a partly filled sell was still working when the flatten size was read
from the positions, and the cancel wait gave up silently. These tests race fills,
partial fills and cancels against the kill on the simulated broker, with scheduled
latencies (a cancel that lands only after the kill stopped waiting for it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.risk_support import T0, RecordingAlerter, audit_rows, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.events import OrderEventKind
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.kill_request import kill_request_of
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import (
    FillModel,
    LatencyConfig,
    LiquidityConfig,
)
from tradecore.services.controls.kill_switch import KillSwitch
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager

D = Decimal
SYMBOL = "AAPL"
BIG = 1e7  # a bar that fills everything working


def _broker(
    clock: SimClock, *, cancel_s: float, participation: float
) -> SimulatedBroker:
    """Fills at the next bar, at most ``participation`` of its volume; cancels land
    ``cancel_s`` after they are asked for (fills before that still happen)."""
    model = attrs.evolve(
        FillModel.ideal(),
        latency=LatencyConfig(
            ack_floor_s=0,
            ack_tail_s=0,
            fill_floor_s=0,
            fill_tail_s=0,
            cancel_floor_s=cancel_s,
            cancel_tail_s=0,
        ),
        liquidity=LiquidityConfig(max_participation=participation),
    )
    config = VenueConfig(
        seed=1,
        fill_model=model,
        calendar=MarketCalendar.always_open(),
        starting_cash=D(100_000_000),
    )
    return SimulatedBroker(clock, config)


@dataclass
class Desk:
    """A store, a simulated broker, and every fill in the order it happened."""

    store: SqlStore
    clock: SimClock
    broker: SimulatedBroker
    db: Path
    fills: list[Decimal] = field(default_factory=list)  # signed, in order
    placed: int = 0

    @property
    def orders(self) -> OrderManager:
        return OrderManager(self.broker, self.clock, CommitEachStep(self.store))

    def bar(self, volume: float = BIG) -> None:
        self.broker.on_bar(
            Bar(
                symbol=SYMBOL,
                timestamp=self.clock.now(),
                open=100.0,
                high=100.0,
                low=100.0,
                close=100.0,
                volume=volume,
            )
        )

    def sync(self) -> None:
        """Apply the broker's events to the store, as a trading process does."""
        orders = self.orders
        with self.store.unit_of_work() as uow:
            for event in self.broker.poll_events():
                if event.kind in (OrderEventKind.FILL, OrderEventKind.PARTIAL_FILL):
                    assert event.fill is not None
                    self.fills.append(event.fill.signed_qty)
                orders.apply(uow, event)
            uow.commit()

    def place(self, side: Side, qty: int) -> OrderIntent:
        self.placed += 1
        spec = OrderSpec(symbol=SYMBOL, side=side, qty=D(qty))
        key = DecisionKey(
            strategy_id="long_only",
            symbol=SYMBOL,
            side=side,
            session_date=T0.date(),
            horizon="1m",
            signal_hash=f"s{self.placed}",
            qty=D(qty),
        )
        intent = OrderIntent.create(key, spec, decided_at=self.clock.now())
        decision = DecisionRecord(
            decision_id=intent.client_order_id[:32],
            strategy_id="long_only",
            symbol=SYMBOL,
            decided_at=self.clock.now(),
        )
        return self.orders.place(decision, intent)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.sync()

    def position(self) -> Decimal:
        return sum((p.qty for p in self.broker.positions()), D(0))

    def running(self) -> list[Decimal]:
        """The position after each fill, in the order the fills happened."""
        out, total = [], D(0)
        for qty in self.fills:
            total += qty
            out.append(total)
        return out


def _desk(tmp_path: Path, *, cancel_s: float, participation: float) -> Desk:
    clock = SimClock(T0)
    store = sqlite_store(tmp_path / "flatten.db", clock)
    broker = _broker(clock, cancel_s=cancel_s, participation=participation)
    return Desk(store, clock, broker, tmp_path / "flatten.db")


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    opened = _desk(tmp_path, cancel_s=30.0, participation=0.3)
    yield opened
    opened.store.close()


def _long_with_a_partly_filled_sell(
    desk: Desk, long: int, sell: int, first: float
) -> None:
    """Hold ``long`` shares; a sell of ``sell`` is working, ``first`` shares filled."""
    desk.bar()
    desk.place(Side.BUY, long)
    desk.advance(1)
    desk.bar(volume=long / 0.3 + 1)
    desk.advance(1)
    assert desk.position() == long
    desk.place(Side.SELL, sell)
    desk.advance(1)
    desk.bar(volume=first / 0.3)  # the bar's liquidity fills only ``first`` shares
    desk.advance(1)


def test_a_partial_fill_of_a_working_sell_racing_the_kills_cancel_never_flattens_past_zero(
    desk: Desk,
) -> None:
    """Long 1000; a sell of 800 has filled 300 and is still working when the kill
    comes; its cancel lands only after the kill stopped waiting (30 s > 5 s) and the
    rest of the sell fills meanwhile. Before the fix the flatten sold the 700 the
    positions showed, and the position ended at -500."""
    _long_with_a_partly_filled_sell(desk, 1000, 800, 300)
    assert desk.position() == 700
    alerter = RecordingAlerter()
    report = KillSwitch(desk.store, desk.broker, desk.clock, alerter).kill(
        "runaway", flatten=True
    )
    desk.advance(1)
    desk.bar()  # the market trades: the working sell's rest and the flatten fill
    desk.advance(60)

    assert min(desk.running()) >= 0, desk.running()  # never short, at any point
    assert desk.position() == 0
    # what could not be confirmed is said, not swallowed
    assert not report.complete
    assert [symbol for symbol, _ in report.flatten_held_back] == [SYMBOL]
    assert "500" in report.flatten_held_back[0][1]
    assert len(report.unconfirmed) == 1
    with desk.store.unit_of_work() as uow:
        (flatten,) = [uow.intents.get(cid) for cid in report.flatten_orders]
    assert flatten.spec.qty == D(200)  # 700 held, 500 still working on the sell side
    assert "NOT confirmed" in alerter.alerts[-1].message


def test_a_cancel_that_lands_late_leaves_the_rest_to_the_next_cycle(
    desk: Desk,
) -> None:
    """The other outcome of the race: the working sell's cancel lands without more
    fills, so the held-back shares are still held; the trading process's next
    carry-out, seeing the cancel confirmed, flattens them, and then says it is done."""
    _long_with_a_partly_filled_sell(desk, 1000, 800, 300)
    switch = KillSwitch(desk.store, desk.broker, desk.clock, RecordingAlerter())
    first = switch.kill("runaway", flatten=True)
    assert not first.complete
    desk.advance(1)
    desk.bar()  # only the 200 flatten fills: the sell is past... not yet cancelled
    desk.advance(40)  # the cancel lands at +30 s
    assert desk.position() in (D(0), D(500))
    with desk.store.unit_of_work() as uow:
        request = kill_request_of(uow.controls.get_trading_state())
    assert request is not None
    rounds = [switch.carry_out(request)]
    for _ in range(5):
        desk.advance(1)
        desk.bar()
        desk.advance(60)
        rounds.append(switch.carry_out(request))
        if rounds[-1].settled:
            break
    assert rounds[-1].settled
    assert desk.position() == 0
    assert min(desk.running()) >= 0
    kinds = [k for k, _ in audit_rows(desk.db)]
    assert "kill_switch_follow_up" in kinds


@st.composite
def _races(draw: st.DrawFn) -> dict[str, object]:
    long = draw(st.integers(100, 3000))
    return {
        "long": long,
        "sell": draw(st.integers(1, long)),
        "buy": draw(st.integers(0, 500)),
        "first": draw(st.floats(0.0, 1.0)),
        "cancel_s": draw(st.sampled_from([0.0, 0.5, 3.0, 7.0, 20.0, 45.0])),
        "participation": draw(st.sampled_from([0.05, 0.3, 1.0])),
        "steps": draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["bar", "thin_bar", "wait", "carry_out"]),
                    st.floats(0.1, 30.0),
                ),
                max_size=12,
            )
        ),
    }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(race=_races())
def test_whatever_the_interleaving_a_flatten_never_flips_the_sign(
    tmp_path_factory: pytest.TempPathFactory, race: dict[str, object]
) -> None:
    """Fills, partial fills, late cancels and repeated carry-outs in any order: the
    position never goes short, and once everything is confirmed it is zero."""
    long, sell, buy = int(race["long"]), int(race["sell"]), int(race["buy"])  # type: ignore[call-overload]
    desk = _desk(
        tmp_path_factory.mktemp("race"),
        cancel_s=float(race["cancel_s"]),  # type: ignore[arg-type]
        participation=float(race["participation"]),  # type: ignore[arg-type]
    )
    try:
        desk.bar()
        desk.place(Side.BUY, long)
        desk.advance(1)
        desk.bar(volume=BIG)
        desk.advance(1)
        desk.place(Side.SELL, sell)
        if buy:
            desk.place(Side.BUY, buy)
        desk.advance(1)
        first = float(race["first"])  # type: ignore[arg-type]
        if first > 0:
            desk.bar(volume=max(first * sell, 1.0) / float(race["participation"]))  # type: ignore[arg-type]
            desk.advance(0.5)
        switch = KillSwitch(desk.store, desk.broker, desk.clock, RecordingAlerter())
        switch.kill("race", flatten=True)
        with desk.store.unit_of_work() as uow:
            request = kill_request_of(uow.controls.get_trading_state())
        assert request is not None
        for kind, seconds in race["steps"]:  # type: ignore[attr-defined]
            if kind == "bar":
                desk.bar()
            elif kind == "thin_bar":
                desk.bar(volume=sell / 3)
            elif kind == "carry_out":
                switch.carry_out(request)
            desk.advance(seconds)
            assert min(desk.running(), default=D(0)) >= 0, desk.running()
        # then the trading process keeps answering, cycle by cycle, until it is done
        for _ in range(8):
            desk.advance(60)
            report = switch.carry_out(request)
            if report.settled:
                break
            desk.bar()
        assert report.settled, report
        assert min(desk.running(), default=D(0)) >= 0, desk.running()
        assert desk.position() == 0
        assert desk.broker.open_orders() == []
    finally:
        desk.store.close()


def test_the_kill_command_prints_what_it_could_not_confirm(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    from tradecore.apps.ops.kill import _print_kill

    _long_with_a_partly_filled_sell(desk, 1000, 800, 300)
    report = KillSwitch(desk.store, desk.broker, desk.clock, RecordingAlerter()).kill(
        "runaway", flatten=True
    )
    _print_kill(report)
    err = capsys.readouterr().err
    assert "NOT confirmed cancelled: " in err
    assert f"NOT flattened in full: {SYMBOL}: 500 share(s) held back" in err


def test_two_processes_flattening_one_round_at_different_sizes_send_one_order(
    desk: Desk,
) -> None:
    """Chaos finding (PostgreSQL, 3 of 200 crashes): the kill command and the trading
    process both flattened round 0 of one kill from reads taken a moment apart, so
    their sizes (and client order ids) differed and both orders went out: 548 long
    became -1233. Now the first to store the round's decision claims it, with its
    intent in the same commit; the other sends nothing new and, at most, drives the
    claimant's own order again (the same client order id, so the broker keeps one).
    """
    desk.bar()
    desk.place(Side.BUY, 500)
    desk.advance(1)
    desk.bar()
    desk.advance(1)
    assert desk.position() == 500
    first = KillSwitch(desk.store, desk.broker, desk.clock, RecordingAlerter())
    second = KillSwitch(desk.store, desk.broker, desk.clock, RecordingAlerter())
    first.kill("runaway", flatten=False)  # HALTED, with no flatten sent yet
    with desk.store.unit_of_work() as uow:
        request = kill_request_of(uow.controls.get_trading_state())
    assert request is not None
    ours = first._place(desk.orders, request, SYMBOL, Side.SELL, D(500), 0)
    theirs = second._place(desk.orders, request, SYMBOL, Side.SELL, D(300), 0)
    assert ours is not None
    assert theirs is not None
    assert theirs.client_order_id == ours.client_order_id
    sells = [o for o in desk.broker.open_orders() if o.spec.side is Side.SELL]
    assert [o.spec.qty for o in sells] == [D(500)]
    desk.advance(1)
    desk.bar()
    desk.advance(60)
    assert min(desk.running()) >= 0, desk.running()
    assert desk.position() == 0
