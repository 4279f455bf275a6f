"""Live-vs-replay parity: the live loop over a recorded bar stream decides and orders
exactly what ``tradecore-replay`` does over the same bars and seed.

The live side is the real composition of ``tradecore-live``'s loop (recovery, a bar
feed that releases each bar when it closes, one cycle per bar interval, a store
committed every step) against the simulated broker; only the clock is virtual so the
test does not wait for the market.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tests.calendars import xnys
from tradecore.adapters.data.recorded_feed import RecordedBarFeed
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.replay.runner import replay
from tradecore.apps.replay.venue import venue_config
from tradecore.apps.wiring.strategy_loader import load_strategy
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.live_loop import LiveLoop

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
PARAMS = {"fast": 5, "slow": 20, "qty": 100}
CASH = Decimal(10_000_000)


def test_live_loop_and_replay_make_the_same_decisions_and_orders(
    tmp_path: Path,
) -> None:
    frames = generate_bars(["AAA", "BBB", "CCC"], 400, start=START, seed=5)
    replayed = replay(
        frames, "sma_cross", PARAMS, fill_model="ideal", cash=CASH, seed=7
    )

    store = open_store(f"sqlite:///{tmp_path / 'live.db'}", upgrade=True)
    clock = SimClock(START)
    config = venue_config("ideal", CASH, 7, frames, xnys())
    broker = SimulatedBroker(clock, config)
    commits = CommitEachStep(store)
    orders = OrderManager(broker, clock, commits)
    engine = TradingEngine(
        load_strategy("sma_cross", PARAMS),
        orders,
        commits,
        clock,
        EngineConfig(opening_cash=CASH, calendar=xnys()),
    )
    loop = LiveLoop(
        engine,
        broker,
        RecordedBarFeed(frames, config.bar_interval),
        Reconciler(broker, clock, commits, orders),
        commits,
        clock,
        cycle=config.bar_interval,
        market=lambda bars: [broker.on_bar(b) for b in bars],
    )
    run = loop.run()
    with store.unit_of_work() as uow:
        live_decisions = [d.decision_id for d in uow.decisions.all_decisions()]
        live_orders = sorted(
            (i.client_order_id, i.spec.side.value, str(i.spec.qty))
            for i in uow.intents.by_status(*IntentStatus)
        )
    store.close()

    assert run.bars == 3 * 400
    assert run.recovery.clean
    assert live_decisions == [row["decision_id"] for row in replayed.decision_rows]
    replay_orders = sorted(
        (str(r["client_order_id"]), str(r["side"]), str(r["qty"]))
        for r in replayed.fill_rows
    )
    assert len(live_orders) == replayed.summary["orders"] > 10
    assert {o[0] for o in replay_orders} <= {o[0] for o in live_orders}
    assert [o for o in live_orders if o[0] in {r[0] for r in replay_orders}] == (
        replay_orders
    )
