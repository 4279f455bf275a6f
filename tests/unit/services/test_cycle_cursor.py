"""The incremental CycleWatch gives the same per-cycle summary as a full re-read.

A seeded scenario writes decisions (some sharing one instant, some whose outcome
lands a cycle late), submitted intents, fills and broker rejects across many
cycles; after each one the watch's summary must match what a full scan of the
store says the cycle added (every outcome, fill and reject not counted before).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from tests.calendars import xnys
from tests.factories import intent
from tests.risk_support import T0, Book, RecordingAlerter, sqlite_store
from tradecore.adapters.dryrun import DryRunBroker
from tradecore.adapters.observability import PrometheusMetrics
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore.write_behind import WriteBehindStore
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import Side
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.store import Store, UnitOfWork
from tradecore.services.controls.monitored_broker import MonitoredBroker
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.observation.cycle_watch import CycleSummary, CycleWatch
from tradecore.services.trading.live_loop import CycleReport

_REASONS = ("cost", "risk:max_position", "stale")


class FullScan:
    """The old way: re-read everything, count what was not counted before."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.outcomes = {o.decision_id for o in uow.decisions.all_outcomes()}
        self.fills = {f.execution_id for f in uow.fills.all()}
        rejected = uow.intents.by_status(IntentStatus.REJECTED)
        self.rejects = {i.client_order_id for i in rejected}

    def cycle(self, uow: UnitOfWork) -> dict[str, object]:
        outcomes = [
            o
            for o in uow.decisions.all_outcomes()
            if o.decision_id not in self.outcomes
        ]
        fills = [f for f in uow.fills.all() if f.execution_id not in self.fills]
        rejected = uow.intents.by_status(IntentStatus.REJECTED)
        rejects = [i for i in rejected if i.client_order_id not in self.rejects]
        self.outcomes.update(o.decision_id for o in outcomes)
        self.fills.update(f.execution_id for f in fills)
        self.rejects.update(i.client_order_id for i in rejects)
        return {
            "submitted": sum(o.kind is OutcomeKind.SUBMITTED for o in outcomes),
            "skipped": _by_reason(outcomes, OutcomeKind.SKIPPED),
            "failed": _by_reason(outcomes, OutcomeKind.FAILED),
            "fills": len(fills),
            "broker_rejects": len(rejects),
        }


def _by_reason(outcomes: list[OutcomeRecord], kind: OutcomeKind) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in outcomes:
        if o.kind is kind:
            counts[o.reason or "none"] = counts.get(o.reason or "none", 0) + 1
    return dict(sorted(counts.items()))


def _of(summary: CycleSummary) -> dict[str, object]:
    return {
        "submitted": summary.submitted,
        "skipped": dict(summary.skipped),
        "failed": dict(summary.failed),
        "fills": summary.fills,
        "broker_rejects": summary.broker_rejects,
    }


class Scenario:
    """Seeded store writes, cycle by cycle."""

    def __init__(self, store: Store, clock: SimClock, seed: int) -> None:
        self.store, self.clock, self.rng = store, clock, random.Random(seed)
        self.late: list[DecisionRecord] = []
        self.open: list[OrderIntent] = []
        self.n = 0

    def cycle(self) -> None:
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            for decision in self.late:
                self._outcome(uow, decision)
            self.late = []
            for _ in range(self.rng.randrange(4)):
                decision = self._decision(uow)
                if self.rng.random() < 0.25:
                    self.late.append(decision)
                else:
                    self._outcome(uow, decision)
            self._fill_or_reject(uow, now)
            uow.commit()

    def _decision(self, uow: UnitOfWork) -> DecisionRecord:
        self.n += 1
        decision = DecisionRecord(
            decision_id=f"d{self.n:05d}",
            strategy_id="s",
            symbol="AAPL",
            decided_at=self.clock.now(),
        )
        uow.decisions.record_decision(decision)
        return decision

    def _outcome(self, uow: UnitOfWork, decision: DecisionRecord) -> None:
        kind = self.rng.choice(list(OutcomeKind))
        now = self.clock.now()
        cid = None
        if kind is OutcomeKind.SUBMITTED:
            base = intent(qty=Decimal(self.n))
            created = OrderIntent.create(
                base.decision_key, base.spec, decided_at=decision.decided_at
            )
            stored = uow.intents.create(created)
            sent = uow.intents.update(
                attrs.evolve(stored, status=IntentStatus.SUBMITTED)
            )
            self.open.append(sent)
            cid = sent.client_order_id
        uow.decisions.record_outcome(
            OutcomeRecord(
                decision_id=decision.decision_id,
                kind=kind,
                recorded_at=now,
                client_order_id=cid,
                reason=None if cid else self.rng.choice(_REASONS),
            )
        )

    def _fill_or_reject(self, uow: UnitOfWork, now: object) -> None:
        for target in list(self.open):
            roll = self.rng.random()
            if roll < 0.3:
                uow.fills.record(
                    Fill(
                        execution_id=f"x-{target.client_order_id}",
                        client_order_id=target.client_order_id,
                        symbol="AAPL",
                        side=Side.BUY,
                        qty=Decimal(1),
                        price=Decimal(100),
                        filled_at=self.clock.now(),
                    )
                )
                self.open.remove(target)
            elif roll < 0.45:
                current = uow.intents.get(target.client_order_id)
                uow.intents.update(attrs.evolve(current, status=IntentStatus.REJECTED))
                self.open.remove(target)


@pytest.fixture(params=["sql", "write_behind"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    sql = sqlite_store(tmp_path / "watch.db", SimClock(T0))
    opened: Store = sql if request.param == "sql" else WriteBehindStore(sql)
    yield opened
    opened.close()


def test_each_cycle_summary_matches_a_full_rescan(store: Store) -> None:
    clock = SimClock(T0)
    scenario = Scenario(store, clock, seed=7)
    for _ in range(3):  # history before the watch starts counts as seen
        scenario.cycle()
        clock.advance(60)
    watch = CycleWatch(CommitEachStep(store), clock, RecordingAlerter(), Book())
    watch.start()
    with store.unit_of_work() as uow:
        reference = FullScan(uow)
    totals = {"submitted": 0, "fills": 0, "broker_rejects": 0, "late": 0}
    for n in range(40):
        totals["late"] += len(scenario.late)
        scenario.cycle()
        # every few cycles two cycles' writes land at one instant (same decided_at)
        if n % 5 != 0:
            clock.advance(30)
        summary = watch.observe(CycleReport(cycle=n, bars=1, events=0, decisions=0))
        with store.unit_of_work() as uow:
            expected = reference.cycle(uow)
        assert _of(summary) == expected, f"cycle {n}"
        for key in ("submitted", "fills", "broker_rejects"):
            totals[key] += int(summary.__getattribute__(key))
    # the scenario exercised every path the cursor has
    assert all(count > 5 for count in totals.values()), totals


class PacedBroker(SimulatedBroker):
    """A broker behind a rate limiter (as the Alpaca adapter is)."""

    def rate_budget_left(self) -> float:
        return 37.5


def test_the_rate_budget_left_reaches_the_summary_and_the_gauge(
    tmp_path: Path,
) -> None:
    clock = SimClock(T0)
    store = sqlite_store(tmp_path / "budget.db", clock)
    alerter, metrics = RecordingAlerter(), PrometheusMetrics()
    gate = RiskGate(PreTradeChecker(RiskLimits()), CommitEachStep(store), alerter)
    venue = VenueConfig(calendar=xnys(), seed=1, fill_model=FillModel.ideal())
    paced = MonitoredBroker(DryRunBroker(clock, PacedBroker(clock, venue)), gate, clock)
    unpaced = MonitoredBroker(SimulatedBroker(clock, venue), gate, clock)
    assert unpaced.rate_budget_left() is None
    watch = CycleWatch(
        CommitEachStep(store),
        clock,
        alerter,
        Book(),
        metrics=metrics,
        rate_budget=paced.rate_budget_left,
    )
    watch.start()
    summary = watch.observe(CycleReport(cycle=0, bars=1, events=0, decisions=0))
    store.close()
    assert summary.rate_limit_budget_left == 37.5
    gauge = metrics.registry.get_sample_value("tradecore_rate_limit_budget_left")
    assert gauge == 37.5


def test_after_a_restart_fills_still_meet_their_predicted_cost(tmp_path: Path) -> None:
    clock = SimClock(T0)
    store = sqlite_store(tmp_path / "restart.db", clock)
    base = intent()
    target = OrderIntent.create(
        base.decision_key, base.spec, decided_at=T0, arrival_price=Decimal(100)
    )
    details = {
        "client_order_id": target.client_order_id,
        "policy": {"cost": {"total_bps": 4.0}},
    }
    with store.unit_of_work() as uow:  # decided before this process started
        uow.intents.create(target)
        uow.decisions.record_decision(
            DecisionRecord(
                decision_id="d1",
                strategy_id="s",
                symbol="AAPL",
                decided_at=T0,
                details=details,
            )
        )
        uow.commit()
    metrics = PrometheusMetrics()
    watch = CycleWatch(
        CommitEachStep(store), clock, RecordingAlerter(), Book(), metrics=metrics
    )
    watch.start()
    assert target.spec.qty is not None
    with store.unit_of_work() as uow:
        uow.fills.record(
            Fill(
                execution_id="x1",
                client_order_id=target.client_order_id,
                symbol="AAPL",
                side=Side.BUY,
                qty=target.spec.qty,
                price=Decimal("100.10"),
                filled_at=T0,
            )
        )
        uow.commit()
    watch.observe(CycleReport(cycle=0, bars=1, events=0, decisions=0))
    store.close()
    count = metrics.registry.get_sample_value("tradecore_cost_vs_predicted_bps_count")
    assert count == 1
