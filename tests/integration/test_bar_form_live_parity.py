"""The bar form live: the live loop stages each full bar and calls ``on_bars`` per
timestamp, so a bar-form strategy decides in ``tradecore-live`` when and on what it
decides in a replay of the same bars (the simple form's parity test, for the new
form: tests/integration/test_live_replay_parity.py).

Decision ids (which hash the quantity) agree too, also for a weight target sized
right after a fill: the live loop books the fills a cycle's bars gave before the
engine decides on those bars, as the replay's venue does (it used to book them at
the start of the next cycle, so such a count could differ by the fill's slippage).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.calendars import xnys
from tradecore.adapters.data.recorded_feed import RecordedBarFeed
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.replay.runner import replay
from tradecore.apps.replay.venue import venue_config
from tradecore.apps.wiring.strategy_loader import load_strategy
from tradecore.domain.market.datagen import generate_bars
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.live_loop import LiveLoop

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
CASH = Decimal(10_000_000)


@pytest.mark.parametrize(
    ("name", "params", "same_ids"),
    [
        ("rsi_reversion", {"period": 5}, True),
        ("xs_momentum", {"lookback": 10, "top_k": 1, "rebalance": 15}, True),
    ],
)
def test_a_bar_form_strategy_decides_live_what_it_decides_in_replay(
    tmp_path: Path, name: str, params: dict[str, int], same_ids: bool
) -> None:
    frames = generate_bars(["AAA", "BBB", "CCC"], 300, start=START, seed=5)
    replayed = replay(frames, name, params, fill_model="ideal", cash=CASH, seed=7)

    store = open_store(f"sqlite:///{tmp_path / 'live.db'}", upgrade=True)
    clock = SimClock(START)
    config = venue_config("ideal", CASH, 7, frames, xnys())
    broker = SimulatedBroker(clock, config)
    commits = CommitEachStep(store)
    orders = OrderManager(broker, clock, commits)
    engine = TradingEngine(
        load_strategy(name, params),
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
        live = uow.decisions.all_decisions()
    store.close()

    assert run.bars == 3 * 300
    assert replayed.summary["orders"] > 0
    assert [(d.symbol, d.decided_at.isoformat()) for d in live] == [
        (row["symbol"], row["decided_at"]) for row in replayed.decision_rows
    ]
    if same_ids:
        ids = [row["decision_id"] for row in replayed.decision_rows]
        assert [d.decision_id for d in live] == ids
