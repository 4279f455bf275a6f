"""A portfolio decides in the live loop what it decides in a replay of the same bars.

The live loop (the engine ``tradecore-live run`` composes, on a simulated broker
here) and the replay run the same PortfolioStrategy config; the decisions agree by
id (which hashes the share counts), with ``paper`` and ``account`` sizing alike:
the loop books the fills a cycle's bars gave before the engine decides on them.
Through the real ``tradecore-live --emulator`` process:
test_portfolio_emulator_parity.py.
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
CONFIG = """
[portfolio]
method = "equal_weight"
min_trade = 0.002
sizing = "{sizing}"
[portfolio.constraints]
gross_target = 0.5

[[strategies]]
name = "trend"
strategy = "sma_cross"
params = { fast = 5, slow = 20 }
budget = 2.0

[[strategies]]
name = "reversion"
strategy = "rsi_reversion"
params = { period = 5 }
"""


@pytest.mark.heavy
@pytest.mark.parametrize("sizing", ["account", "paper"])
def test_a_portfolio_decides_live_what_it_decides_in_replay(
    tmp_path: Path, sizing: str
) -> None:
    toml = tmp_path / "portfolio.toml"
    toml.write_text(CONFIG.replace("{sizing}", sizing))
    params = {"config": str(toml)}
    frames = generate_bars(["AAA", "BBB", "CCC"], 300, start=START, seed=5)
    replayed = replay(frames, "portfolio", params, fill_model="ideal", cash=CASH)

    store = open_store(f"sqlite:///{tmp_path / 'live.db'}", upgrade=True)
    clock = SimClock(START)
    config = venue_config("ideal", CASH, 7, frames, xnys())
    broker = SimulatedBroker(clock, config)
    commits = CommitEachStep(store)
    orders = OrderManager(broker, clock, commits)
    engine = TradingEngine(
        load_strategy("portfolio", params),
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
    loop.run()
    with store.unit_of_work() as uow:
        live = uow.decisions.all_decisions()
    store.close()

    assert replayed.summary["orders"] > 0
    # (one timestamp's decisions may be stored in another order: compare as sets)
    assert sorted((d.decided_at.isoformat(), d.symbol) for d in live) == sorted(
        (str(row["decided_at"]), str(row["symbol"])) for row in replayed.decision_rows
    )
    assert {d.strategy_id for d in live} == {"portfolio"}
    # The loop books the fills of a cycle's bars before deciding on them, as the
    # replay: the very same decisions (the ids hash the share counts), whichever
    # equity sizes them.
    ids = sorted(str(row["decision_id"]) for row in replayed.decision_rows)
    assert sorted(d.decision_id for d in live) == ids
