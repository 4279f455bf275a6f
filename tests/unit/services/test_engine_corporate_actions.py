"""The engine books the corporate actions the broker applied: both books stay equal.

Minute bars around midnight New York time (05:00 UTC in January), the start of the
ex-date; the strategy trades once before it. After the replay the engine's ledger
(positions, average prices, cash, realized P&L) equals the simulated broker's, so a
position check against the broker finds nothing to flag.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.risk_support import sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction
from tradecore.domain.strategies.protocol import NO_TARGETS, PortfolioView, Target
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.replay import run_replay

D = Decimal
CASH = D(100_000)
START = datetime(2026, 1, 6, 4, 30, tzinfo=UTC)
EX_DATE = date(2026, 1, 6)  # starts at 05:00 UTC
MINUTE = timedelta(minutes=1)


class TradesOnce:
    """Wants ``qty`` of the first symbol it sees, on its second bar."""

    strategy_id = "trades_once"

    def __init__(self, qty: Decimal) -> None:
        self.qty, self.seen = qty, 0

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        self.seen += 1
        return NO_TARGETS if self.seen != 2 else (Target(symbol, self.qty),)


def frame(symbol: str, prices: list[float], first: int = 0) -> BarFrame:
    stamps = [to_ns(START + (first + i) * MINUTE) for i in range(len(prices))]
    p = np.array(prices)
    return BarFrame(
        symbol=symbol,
        timestamps=np.array(stamps, dtype=np.int64),
        open=p,
        high=p,
        low=p,
        close=p,
        volume=np.full(len(p), 1e6),
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = sqlite_store(tmp_path / "ca.db", SimClock(START))
    yield opened
    opened.close()


def replay(
    store: SqlStore,
    frames: list[BarFrame],
    qty: int,
    actions: list[CorporateAction],
) -> tuple[TradingEngine, SimulatedBroker]:
    clock = SimClock(START)
    broker = SimulatedBroker(
        clock,
        VenueConfig(
            seed=1,
            fill_model=FillModel.ideal(),
            calendar=MarketCalendar.always_open(),
            outside_hours=OutsideHours.QUEUE,
            starting_cash=CASH,
        ),
    )
    commits = CommitEachStep(store)
    engine = TradingEngine(
        TradesOnce(D(qty)),
        OrderManager(broker, clock, commits),
        commits,
        clock,
        EngineConfig(opening_cash=CASH),
    )
    run_replay(
        frames, engine, broker, clock, interval=MINUTE, corporate_actions=actions
    )
    assert engine.ledger == broker.venue.ledger  # the two books agree exactly
    assert engine.ledger.positions() == list(broker.positions())
    return engine, broker


def test_a_long_position_splits_four_for_one(store: SqlStore) -> None:
    prices = [400.0] * 30 + [100.0] * 30  # midnight New York after 30 minutes
    split = CorporateAction.split("AAA", EX_DATE, 4, 1)
    engine, broker = replay(store, [frame("AAA", prices)], 100, [split])
    [position] = broker.positions()
    assert (position.qty, position.avg_entry_price) == (D(400), D(100))
    assert broker.account().equity == CASH
    assert engine.equity() == float(CASH)
    [booking] = engine.corporate_actions
    assert booking.applied_at == datetime(2026, 1, 6, 5, 0, tzinfo=UTC)
    assert engine.position("AAA") == D(400)


def test_a_short_position_pays_the_dividend(store: SqlStore) -> None:
    prices = [50.0] * 30 + [49.5] * 30
    dividend = CorporateAction.dividend("AAA", EX_DATE, D("0.50"))
    engine, broker = replay(store, [frame("AAA", prices)], -100, [dividend])
    assert broker.venue.ledger.cash == CASH + D(5_000) - D(50)
    assert engine.ledger.realized_pnl == D(-50)
    assert broker.account().equity == CASH


def test_a_reverse_split_keeps_the_fraction(store: SqlStore) -> None:
    prices = [2.0] * 30 + [20.0] * 30
    split = CorporateAction.split("AAA", EX_DATE, 1, 10)
    _, broker = replay(store, [frame("AAA", prices)], 15, [split])
    [position] = broker.positions()
    assert (position.qty, position.avg_entry_price) == (D("1.5"), D(20))


def test_a_rename_moves_the_position_and_the_strategy_sees_the_new_symbol(
    store: SqlStore,
) -> None:
    rename = CorporateAction(
        symbol="AAA", kind=ActionKind.NAME_CHANGE, ex_date=EX_DATE, new_symbol="BBB"
    )
    frames = [frame("AAA", [10.0] * 30), frame("BBB", [10.0] * 30, first=30)]
    engine, broker = replay(store, frames, 100, [rename])
    [position] = broker.positions()
    assert (position.symbol, position.qty) == ("BBB", D(100))
    assert engine.position("BBB") == D(100)
    assert engine.position("AAA") == 0
    assert broker.account().equity == CASH


def test_no_actions_no_bookings(store: SqlStore) -> None:
    engine, _ = replay(store, [frame("AAA", [10.0] * 10)], 100, [])
    assert engine.corporate_actions == []
