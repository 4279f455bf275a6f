"""Bad bars through the real engine: recorded, counted, never seen by the strategy."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.risk_support import T0, RecordingAlerter, audit_rows, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.data_quality import DataQualityConfig
from tradecore.domain.risk.breakers import StalenessBreaker, StalenessConfig
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.risk.trading_state import TradingState
from tradecore.domain.strategies.protocol import PortfolioView, Target
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig

MINUTE = timedelta(minutes=1)
NS = to_ns(T0)
M = 60 * 10**9


class Watching:
    """Remembers every bar it is shown; never trades."""

    strategy_id = "watching"

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, float, float]] = []

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        self.seen.append((symbol, timestamp_ns, close, volume))
        return ()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Path, SqlStore, SimClock]]:
    db = tmp_path / "quality.db"
    clock = SimClock(T0)
    s = sqlite_store(db, clock)
    yield db, s, clock
    s.close()


def _engine(
    store: SqlStore,
    clock: SimClock,
    strategy: Watching,
    *,
    quality: DataQualityConfig | None = None,
    gate: RiskGate | None = None,
) -> TradingEngine:
    broker = SimulatedBroker(
        clock,
        VenueConfig(
            seed=1,
            fill_model=FillModel.ideal(),
            calendar=MarketCalendar.always_open(),
            outside_hours=OutsideHours.QUEUE,
        ),
    )
    commits = CommitEachStep(store)
    return TradingEngine(
        strategy,
        OrderManager(broker, clock, commits),
        commits,
        clock,
        EngineConfig(
            opening_cash=Decimal(100_000),
            risk_gate=gate,
            data_quality=quality or DataQualityConfig(),
        ),
    )


def test_malformed_and_repeated_bars_are_recorded_and_kept_from_the_strategy(
    store: tuple[Path, SqlStore, SimClock],
) -> None:
    db, s, clock = store
    strategy = Watching()
    engine = _engine(s, clock, strategy)
    engine.on_bar("AAA", NS, 100.0, 500.0)
    engine.on_bar("AAA", NS + M, math.nan, 500.0)  # NaN close
    engine.on_bar("AAA", NS + M, 101.0, -5.0)  # negative volume
    engine.on_bar("AAA", NS, 100.5, 500.0)  # the first bar again
    engine.on_bar("AAA", NS - M, 99.0, 500.0)  # from the past
    engine.on_bar("AAA", NS + M, 101.0, 400.0)  # good

    assert strategy.seen == [("AAA", NS, 100.0, 500.0), ("AAA", NS + M, 101.0, 400.0)]
    assert engine.rejected_bars == 4
    assert engine.last_prices() == {"AAA": 101.0}  # a bad close never marks the book
    rows = [p for _, p in audit_rows(db, "bar_rejected")]
    assert [r["reason"] for r in rows] == [
        "non_finite_close",
        "negative_volume",
        "duplicate_timestamp",
        "out_of_order",
    ]
    assert rows[0] == {
        "symbol": "AAA",
        "timestamp_ns": NS + M,
        "reason": "non_finite_close",
        "close": "nan",
        "volume": "500.0",
        "previous_timestamp_ns": NS,
    }
    assert rows[3]["close"] == "99.0"


def test_a_stale_bar_is_rejected_only_when_staleness_is_configured(
    store: tuple[Path, SqlStore, SimClock],
) -> None:
    db, s, clock = store
    clock.advance_to(T0 + 10 * MINUTE)  # the bar of T0 arrives ten minutes late
    lenient, strict = Watching(), Watching()
    _engine(s, clock, lenient).on_bar("AAA", NS, 100.0, 1.0)
    engine = _engine(
        s, clock, strict, quality=DataQualityConfig(max_bar_age=2 * MINUTE)
    )
    engine.on_bar("AAA", NS, 100.0, 1.0)
    engine.on_bar("AAA", NS + 9 * M, 100.0, 1.0)  # one minute old: fresh

    assert len(lenient.seen) == 1
    assert strict.seen == [("AAA", NS + 9 * M, 100.0, 1.0)]
    assert engine.rejected_bars == 1
    ((_, row),) = audit_rows(db, "bar_rejected")
    assert row["reason"] == "stale"
    assert row["age_s"] == "600.0"
    assert row["max_age_s"] == "120.0"


def test_a_feed_of_only_bad_bars_trips_the_staleness_breaker(
    store: tuple[Path, SqlStore, SimClock],
) -> None:
    db, s, clock = store
    gate = RiskGate(
        PreTradeChecker(RiskLimits()),
        CommitEachStep(s),
        RecordingAlerter(),
        breakers=[
            StalenessBreaker(
                StalenessConfig(
                    expected_interval_s=60, multiple=3, trip_state=TradingState.HALTED
                )
            )
        ],
    )
    strategy = Watching()
    engine = _engine(s, clock, strategy, gate=gate)
    engine.on_bar("AAA", NS, 100.0, 1.0)
    for i in range(1, 6):  # five minutes of NaN closes
        clock.advance_to(T0 + i * MINUTE)
        engine.on_bar("AAA", NS + i * M, math.nan, 1.0)

    assert len(strategy.seen) == 1
    assert engine.rejected_bars == 5
    ((_, trip),) = audit_rows(db, "breaker_tripped")
    assert trip["breaker"] == "data_staleness"
    assert float(trip["inputs"]["gap_s"]) == 240.0  # 4 minutes > 3 allowed
    with s.unit_of_work() as uow:
        assert uow.controls.get_trading_state().state is TradingState.HALTED
