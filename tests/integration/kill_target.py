"""A live-style trading process for the kill-switch test (run as a subprocess).

``python -m tests.integration.kill_target DB MAX_SECONDS`` trades two symbols on the
SQLite store at ``DB`` through the real engine, risk gate, order manager and the
simulated broker, one cycle every :data:`CYCLE` of wall-clock time, until it has
answered a kill and its broker is empty, or ``MAX_SECONDS`` passed. It also keeps
one limit bid resting far below the market, so a kill always has an order to cancel.

The kill comes from another process (the ``tradecore-live kill`` command). That
command has no broker (the simulated broker lives in this process), so this process
answers the kill itself: the gate reads the state once per cycle and hands the kill
to ``KillSwitch.carry_out`` with this process's broker.

It prints one ``cycle N`` line per cycle (the test waits for trading to be under way)
and, last, one JSON line with what its broker holds at the end.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np

from tests.risk_support import RecordingAlerter
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.risk.trading_state import TradingState
from tradecore.domain.strategies.protocol import PortfolioView, Target
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.services.controls.kill_switch import KillSwitch
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig

CYCLE = timedelta(milliseconds=40)
SYMBOLS = ("AAA", "BBB")
STRATEGY_ID = "ticker"
RESTING_ID = "resting"


class WallClock(SimClock):
    """Virtual time that follows the wall clock (and jumps ahead on ``sleep``).

    The simulated broker needs a clock it can schedule on; following the wall clock
    keeps this process's timestamps comparable with the kill command's.
    """

    def now(self) -> datetime:
        wall = datetime.now(UTC)
        return self.advance_to(wall) if wall > super().now() else super().now()


class Ticker:
    """Always long, between 100 and 200 shares, changing every bar: trades each cycle."""

    strategy_id = STRATEGY_ID

    def __init__(self) -> None:
        self._bars = 0

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        self._bars += 1
        qty = Decimal(100 * (1 + self._bars // len(SYMBOLS) % 2))
        return (Target(symbol, qty, signal=f"bar{self._bars}"),)


def _resting_bid(orders: OrderManager, clock: WallClock, price: float) -> None:
    spec = OrderSpec(
        symbol=SYMBOLS[0],
        side=Side.BUY,
        qty=Decimal(10),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(str(round(price / 2, 2))),
    )
    now = clock.now()
    key = DecisionKey(
        strategy_id=RESTING_ID,
        symbol=spec.symbol,
        side=spec.side,
        session_date=now.date(),
        horizon="gtc",
        signal_hash="bid",
        qty=Decimal(10),
    )
    intent = OrderIntent.create(key, spec, decided_at=now)
    decision = DecisionRecord(
        decision_id=intent.client_order_id[:32],
        strategy_id=RESTING_ID,
        symbol=spec.symbol,
        decided_at=now,
    )
    orders.place(decision, intent)


def main(db: str, max_seconds: float) -> int:
    clock = WallClock(datetime.now(UTC))
    store = open_store(f"sqlite:///{db}", durability="normal", clock=clock.now)
    broker = SimulatedBroker(
        clock,
        VenueConfig(
            seed=3,
            fill_model=FillModel.ideal(),
            calendar=MarketCalendar.always_open(),
            outside_hours=OutsideHours.QUEUE,
            starting_cash=Decimal(10_000_000),
            bar_interval=CYCLE,
        ),
    )
    alerter = RecordingAlerter()
    commits = CommitEachStep(store)
    switch = KillSwitch(
        store,
        broker,
        clock,
        alerter,
        settle_for=timedelta(seconds=2),
        poll_every=timedelta(milliseconds=10),
    )
    gate = RiskGate(
        PreTradeChecker(RiskLimits()), commits, alerter, on_kill=switch.carry_out
    )
    orders = OrderManager(broker, clock, commits)
    engine = TradingEngine(
        Ticker(),
        orders,
        commits,
        clock,
        EngineConfig(opening_cash=Decimal(10_000_000), risk_gate=gate),
    )
    rng = np.random.default_rng(5)
    prices = dict.fromkeys(SYMBOLS, 100.0)
    deadline = time.monotonic() + max_seconds
    quiet_after_kill = 0
    cycle = 0
    while time.monotonic() < deadline and quiet_after_kill < 5:
        start = clock.now()
        for symbol in SYMBOLS:
            prices[symbol] = round(prices[symbol] * (1 + rng.normal(0, 0.001)), 2)
            p = prices[symbol]
            broker.on_bar(Bar(symbol=symbol, timestamp=start, open=p, high=p,
                              low=p, close=p, volume=1e6))  # fmt: skip
        time.sleep(CYCLE.total_seconds())
        engine.on_events(broker.poll_events())
        for symbol in SYMBOLS:
            engine.on_bar(symbol, to_ns(start), prices[symbol], 1e6)
        if cycle == 0:
            _resting_bid(orders, clock, prices[SYMBOLS[0]])
        cycle += 1
        print(f"cycle {cycle}", flush=True)
        halted = gate.board.state.state is TradingState.HALTED
        empty = not broker.open_orders() and not broker.positions()
        quiet_after_kill = quiet_after_kill + 1 if halted and empty else 0
    engine.on_events(broker.poll_events())
    store.close()
    print(
        json.dumps(
            {
                "cycles": cycle,
                "answered_kill": quiet_after_kill >= 5,
                "open_orders": [o.client_order_id for o in broker.open_orders()],
                "positions": {p.symbol: str(p.qty) for p in broker.positions()},
                "alerts": [a.code for a in alerter.alerts],
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
