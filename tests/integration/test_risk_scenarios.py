"""Replay scenarios for the risk controls: deterministic, on generated data.

Each drives the real engine (with its risk gate fed), the simulated broker and the
replay driver over a SQLite store: a gap down trips the daily-loss breaker into
REDUCING; a data gap trips staleness; a reject storm trips the reject-rate breaker;
one-factor data trips the correlation breaker; recovery waits for quiet and an
approval; a kill from a second store handle stops the engine within one cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.risk_support import RecordingAlerter, audit_rows, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.domain.market.bar_frame import BarFrame, from_ns
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.datagen import Shape, ShapeParams, generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import OutcomeKind, OutcomeRecord
from tradecore.domain.risk.breakers import (
    Breaker,
    BreakerEvent,
    CorrelationBreaker,
    CorrelationConfig,
    DailyLossBreaker,
    DailyLossConfig,
    FailureRateConfig,
    RejectRateBreaker,
    StalenessBreaker,
    StalenessConfig,
)
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.risk.trading_state import TradingState
from tradecore.domain.strategies.protocol import PortfolioView, Target
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.alerts import Severity
from tradecore.services.controls.kill_switch import KillSwitch
from tradecore.services.controls.monitored_broker import MonitoredBroker
from tradecore.services.controls.operator import Controls
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.replay import ReplayProgress, run_replay

D = Decimal
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SYMBOLS = ["AAA", "BBB", "CCC", "DDD"]


class Scripted:
    """Targets from a function of the bar index: the strategy under test."""

    strategy_id = "scripted"

    def __init__(self, target: Callable[[int], int | None]) -> None:
        self._target = target
        self._bars: dict[str, int] = {}

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        i = self._bars[symbol] = self._bars.get(symbol, -1) + 1
        qty = self._target(i)
        return () if qty is None else (Target(symbol, D(qty), signal=f"bar{i}"),)


class Harness:
    """Engine + gate + simulated broker + SQLite store, driven by ``run_replay``."""

    def __init__(
        self,
        db: Path,
        strategy: Scripted,
        breakers: Sequence[Breaker],
        *,
        reject_rate: float = 0.0,
        limits: RiskLimits | None = None,
    ) -> None:
        self.clock = SimClock(START)
        self.store = sqlite_store(db, self.clock)
        self.broker = SimulatedBroker(
            self.clock,
            VenueConfig(
                seed=11,
                fill_model=FillModel.ideal(),
                calendar=MarketCalendar.always_open(),
                outside_hours=OutsideHours.QUEUE,
                starting_cash=D(10_000_000),
                random_reject_rate=reject_rate,
            ),
        )
        commits = CommitEachStep(self.store)
        self.alerter = RecordingAlerter()
        self.gate = RiskGate(
            PreTradeChecker(limits or RiskLimits()),
            commits,
            self.alerter,
            breakers=breakers,
        )
        orders = OrderManager(
            MonitoredBroker(self.broker, self.gate, self.clock), self.clock, commits
        )
        self.engine = TradingEngine(
            strategy,
            orders,
            commits,
            self.clock,
            EngineConfig(opening_cash=D(10_000_000), risk_gate=self.gate),
        )

    def run(
        self,
        frames: Sequence[BarFrame],
        *,
        pause_at: datetime | None = None,
        pause: Callable[[], None] | None = None,
    ) -> None:
        """Replay ``frames``; once the clock reaches ``pause_at``, call ``pause``.

        The pause runs between two bars, as another process acting on the store
        while the engine trades would.
        """
        pending = [pause] if pause is not None else []

        def on_progress(_: ReplayProgress) -> None:
            if pending and pause_at is not None and self.clock.now() >= pause_at:
                pending.pop()()

        run_replay(
            frames,
            self.engine,
            self.broker,
            self.clock,
            interval=MINUTE,
            on_progress=on_progress,
        )
        assert not pending, "the pause never happened"

    def state(self) -> TradingState:
        with self.store.unit_of_work() as uow:
            return uow.controls.get_trading_state().state

    def outcomes(self) -> list[tuple[datetime, OutcomeRecord]]:
        with self.store.unit_of_work() as uow:
            decisions = {d.decision_id: d for d in uow.decisions.all_decisions()}
            return [
                (decisions[o.decision_id].decided_at, o)
                for o in uow.decisions.all_outcomes()
            ]

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "scenario.db"


@pytest.fixture
def harnesses() -> Iterator[list[Harness]]:
    made: list[Harness] = []
    yield made
    for h in made:
        h.close()


def _trip_time(h: Harness, name: str) -> datetime:
    (reading,) = [r for r in h.gate.board.events if r.name == name]
    return reading.at


# --- 1. gap down -> daily loss -> REDUCING --------------------------------------------


def test_a_gap_down_trips_daily_loss_and_only_exits_pass(
    db: Path, harnesses: list[Harness]
) -> None:
    frames = generate_bars(
        SYMBOLS[:2], 90, start=START, seed=4, shape=Shape.GAP_DOWN,
        params=ShapeParams(gap=-0.10, gap_at=0.5),
    )  # fmt: skip
    # build up to 600 shares by bar 40, ask for 700 at bar 80 (after the gap at 45),
    # exit at bar 85
    ladder = Scripted(lambda i: 0 if i >= 85 else 100 * min(i + 1, 5 + i // 40))
    breaker = DailyLossBreaker(DailyLossConfig(max_loss=D(5_000)))
    h = Harness(db, ladder, [breaker])
    harnesses.append(h)
    h.run(frames)

    tripped_at = _trip_time(h, "daily_loss")
    gap_bar = from_ns(int(frames[0].timestamps[45]))
    assert gap_bar <= tripped_at <= gap_bar + 2 * MINUTE
    assert h.state() is TradingState.REDUCING
    after = [o for t, o in h.outcomes() if t > tripped_at]
    refused = [o for o in after if o.reason == "risk:trading_reducing"]
    exits = [o for o in after if o.kind is OutcomeKind.SUBMITTED]
    assert len(refused) + len(exits) == len(after)
    assert len(refused) > 2  # the ladder kept asking for more, bar after bar
    for o in refused:  # every refused order would have grown the position
        assert D(str(o.details["position_after"])) > D(
            str(o.details["position_before"])
        )
    assert len(exits) == 2  # the exits at bar 85 went through
    assert h.engine.ledger.positions() == []
    (_, trip), *_ = audit_rows(db, "breaker_tripped")
    assert D(trip["inputs"]["loss"]) > 5_000
    assert h.alerter.codes() == ["breaker.tripped"]


# --- 2. data gap -> staleness; 5. recovery after quiet + approval ---------------------


def _with_gap(frames: list[BarFrame], lo: int, hi: int) -> list[BarFrame]:
    """Drop rows ``lo:hi`` from every frame: a market-data outage."""
    keep = np.r_[0:lo, hi : len(frames[0])]
    return [
        BarFrame(
            symbol=f.symbol,
            timestamps=f.timestamps[keep],
            open=f.open[keep],
            high=f.high[keep],
            low=f.low[keep],
            close=f.close[keep],
            volume=f.volume[keep],
        )
        for f in frames
    ]


def test_a_data_gap_trips_staleness_and_recovery_needs_quiet_and_approval(
    db: Path, harnesses: list[Harness]
) -> None:
    raw = generate_bars(SYMBOLS[:1], 140, start=START, seed=5)
    frames = _with_gap(raw, 40, 70)  # 30 minutes without a bar
    flip = Scripted(lambda i: 100 * (i // 5 % 2) if i < 100 else 0)
    staleness = StalenessBreaker(
        StalenessConfig(
            expected_interval_s=60,
            multiple=3,
            trip_state=TradingState.HALTED,
            quiet_period_s=600,
        )
    )
    h = Harness(db, flip, [staleness])
    harnesses.append(h)
    gap_end = from_ns(int(raw[0].timestamps[70])) + MINUTE
    approved_at = gap_end + 40 * MINUTE  # 40 quiet minutes after the trip

    def still_halted_then_approve() -> None:
        tripped_at = _trip_time(h, "data_staleness")
        assert gap_end - MINUTE <= tripped_at <= gap_end  # the first cycle after it
        assert h.state() is TradingState.HALTED  # quiet long enough, not approved
        trip = audit_rows(db, "breaker_tripped")[0][1]
        assert float(trip["inputs"]["gap_s"]) >= 30 * 60  # since the last bar
        halted = [o for t, o in h.outcomes() if t >= tripped_at]
        assert halted
        assert {o.reason for o in halted} == {"risk:trading_halted"}
        approver = sqlite_store(db, h.clock)  # the operator's process
        try:
            Controls(approver, h.clock, RecordingAlerter()).approve(
                "data_staleness", "feed restored, checked by ops"
            )
        finally:
            approver.close()

    h.run(frames, pause_at=approved_at, pause=still_halted_then_approve)

    cleared = [r for r in h.gate.board.events if r.event is BreakerEvent.CLEARED]
    assert len(cleared) == 1
    assert approved_at <= cleared[0].at <= approved_at + 2 * MINUTE  # next cycle
    assert h.state() is TradingState.ACTIVE
    resumed = [o for t, o in h.outcomes() if t > cleared[0].at]
    assert any(o.kind is OutcomeKind.SUBMITTED for o in resumed)
    assert audit_rows(db, "breaker_cleared")[0][1]["approval"] == (
        "approved: feed restored, checked by ops"
    )


# --- 3. reject storm -> reject rate ---------------------------------------------------


def test_a_reject_storm_trips_the_reject_rate_breaker(
    db: Path, harnesses: list[Harness]
) -> None:
    frames = generate_bars(SYMBOLS[:2], 60, start=START, seed=6)
    flip = Scripted(lambda i: 100 * (i % 2))
    breaker = RejectRateBreaker(
        FailureRateConfig(
            max_rate=0.5, window_s=600, min_events=6, trip_state=TradingState.HALTED
        )
    )
    h = Harness(db, flip, [breaker], reject_rate=0.7)
    harnesses.append(h)
    h.run(frames)

    tripped_at = _trip_time(h, "reject_rate")
    assert h.state() is TradingState.HALTED
    alert = h.alerter.alerts[0]
    assert alert.severity is Severity.CRITICAL
    assert int(alert.context["events"]) >= 6
    assert float(alert.context["rate"]) > 0.5
    with h.store.unit_of_work() as uow:
        rejected = uow.intents.by_status(IntentStatus.REJECTED)
        sent_after = [
            i for i in uow.intents.by_status(*IntentStatus) if i.decided_at > tripped_at
        ]
    assert len(rejected) >= 4
    assert sent_after == []  # nothing reached the broker after the trip


# --- 4. correlation spike on one-factor data -------------------------------------------


def _stitch(calm: list[BarFrame], spike: list[BarFrame]) -> list[BarFrame]:
    """Continue each calm series with the spike series, rescaled to join smoothly."""
    out = []
    for a, b in zip(calm, spike, strict=True):
        k = a.close[-1] / b.open[0]
        out.append(
            BarFrame(
                symbol=a.symbol,
                timestamps=np.r_[a.timestamps, b.timestamps],
                open=np.r_[a.open, np.round(b.open * k, 2)],
                high=np.r_[a.high, np.round(b.high * k, 2)],
                low=np.r_[a.low, np.round(b.low * k, 2)],
                close=np.r_[a.close, np.round(b.close * k, 2)],
                volume=np.r_[a.volume, b.volume],
            )
        )
    return out


def test_one_factor_data_trips_the_correlation_breaker(
    db: Path, harnesses: list[Harness]
) -> None:
    calm = generate_bars(
        SYMBOLS, 100, start=START, seed=7, shape=Shape.ONE_FACTOR,
        params=ShapeParams(correlation=0.0, volatility=0.002),
    )  # fmt: skip
    spike = generate_bars(
        SYMBOLS, 60, start=START + 100 * MINUTE, seed=8, shape=Shape.ONE_FACTOR,
        params=ShapeParams(correlation=0.95, volatility=0.002),
    )  # fmt: skip
    hold = Scripted(lambda i: 100 if i == 0 else None)
    breaker = CorrelationBreaker(CorrelationConfig(window=30, max_rise=0.4))
    h = Harness(db, hold, [breaker])
    harnesses.append(h)
    h.run(_stitch(calm, spike))

    tripped_at = _trip_time(h, "correlation")
    assert tripped_at > START + 100 * MINUTE  # only once the factor took over
    assert h.state() is TradingState.REDUCING
    inputs = audit_rows(db, "breaker_tripped")[0][1]["inputs"]
    assert float(inputs["rise"]) > 0.4
    assert float(inputs["baseline"]) < 0.2
    assert inputs["symbols"] == ",".join(SYMBOLS)


def test_independent_symbols_never_trip_the_correlation_breaker(
    db: Path, harnesses: list[Harness]
) -> None:
    frames = generate_bars(
        SYMBOLS, 160, start=START, seed=9, shape=Shape.ONE_FACTOR,
        params=ShapeParams(correlation=0.0, volatility=0.002),
    )  # fmt: skip
    breaker = CorrelationBreaker(
        CorrelationConfig(window=30, max_rise=0.4, max_pc1_share=0.6)
    )
    h = Harness(db, Scripted(lambda i: None), [breaker])
    harnesses.append(h)
    h.run(frames)
    assert h.gate.board.events == []
    assert h.state() is TradingState.ACTIVE


# --- the kill switch from a second store handle ----------------------------------------


def test_a_kill_from_another_handle_stops_the_engine_within_one_cycle(
    db: Path, harnesses: list[Harness]
) -> None:
    frames = generate_bars(SYMBOLS[:2], 70, start=START, seed=10)
    flip = Scripted(lambda i: 100 * (1 + i // 3 % 2))  # always long, trading often
    h = Harness(db, flip, [])
    harnesses.append(h)
    killed: list[datetime] = []

    def kill_from_elsewhere() -> None:
        assert h.engine.ledger.positions() != []
        operator = sqlite_store(db, h.clock)  # another process, same database
        try:
            report = KillSwitch(operator, h.broker, h.clock, RecordingAlerter()).kill(
                "operator kill in a test", flatten=True
            )
            with operator.unit_of_work() as uow:
                changed_at = uow.controls.get_trading_state().changed_at
        finally:
            operator.close()
        assert report.complete
        assert changed_at is not None
        killed.append(changed_at)

    h.run(frames, pause_at=START + 45 * MINUTE, pause=kill_from_elsewhere)
    (killed_at,) = killed
    with h.store.unit_of_work() as uow:
        late = [
            i
            for i in uow.intents.by_status(*IntentStatus)
            if i.decided_at > killed_at and i.decision_key.strategy_id == "scripted"
        ]
    assert late == []  # nothing submitted after the kill was recorded
    after = [o for t, o in h.outcomes() if t > killed_at and o.reason]
    assert {o.reason for o in after} == {"risk:trading_halted"}
    assert h.broker.positions() == []  # flattened
    assert h.broker.open_orders() == []
