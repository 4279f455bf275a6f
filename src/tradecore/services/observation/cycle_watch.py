"""What a person watching the live loop needs after every cycle: counts, alerts, gauges.

After each cycle :class:`CycleWatch` reads what the cycle added to the store (new
outcomes, fills and broker rejects) and what is still open, and

* returns a :class:`CycleSummary` (the app logs one per cycle): decisions,
  submitted / skipped / failed counts by reason, fills, open intents by status,
  stuck intents, the broker lockout and the rate-limit budget left;
* alerts on **intents stuck** non-terminal longer than ``stuck_after`` (once per
  intent) and on a **slippage spike** (the mean slippage against the arrival price
  of the last ``slippage_window`` fills above ``slippage_bps``; once per spike);
* feeds the metrics: outcomes by reason, fills, rejects, open intents by status and
  age, breaker states, P&L, exposure, and each fill's realized cost (slippage
  against arrival plus fees, bps) against the cost its decision predicted (the
  net-of-cost planner's ``policy.cost.total_bps``; fills of decisions without a
  prediction are not compared).

It reads the store through the commit policy's units of work and keeps only
high-water marks (:class:`~tradecore.services.observation.cycle_cursor.StoreCursor`), so a
cycle costs what the cycle added, not what the day holds, and a restart simply
counts what is already stored as seen.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import TERMINAL, IntentStatus
from tradecore.domain.orders.money import to_price
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import Side
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.clock import Clock
from tradecore.ports.metrics import Metrics
from tradecore.ports.store import UnitOfWork
from tradecore.services.controls.risk_gate import RiskBook
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.observation.cycle_cursor import StoreCursor
from tradecore.services.trading.live_loop import CycleReport

_OPEN = tuple(s for s in IntentStatus if s not in TERMINAL)


@attrs.frozen(kw_only=True)
class WatchLimits:
    """When an open intent is stuck, and what slippage is a spike."""

    stuck_after: timedelta = timedelta(minutes=5)
    slippage_bps: float = 25.0
    slippage_window: int = 20
    #: Fills needed before the mean slippage is judged at all.
    slippage_min_fills: int = 5


@attrs.frozen(kw_only=True)
class CycleSummary:
    """One cycle, as the structured log shows it."""

    cycle: int
    at: datetime
    bars: int
    events: int
    decisions: int
    submitted: int
    skipped: Mapping[str, int]
    failed: Mapping[str, int]
    fills: int
    broker_rejects: int
    open_intents: Mapping[str, int]
    stuck_intents: tuple[str, ...]
    trading_state: str | None
    broker_locked_out: bool
    lockout_until: datetime | None
    rate_limit_budget_left: float | None


class CycleWatch:
    """Summarizes, alerts on and measures each cycle; see the module docstring."""

    def __init__(
        self,
        commits: CommitPolicy,
        clock: Clock,
        alerter: Alerter,
        book: RiskBook,
        *,
        metrics: Metrics | None = None,
        limits: WatchLimits | None = None,
        lockout_until: Callable[[], datetime | None] = lambda: None,
        rate_budget: Callable[[], float | None] = lambda: None,
        trading_state: Callable[[], str | None] = lambda: None,
        breakers: Callable[[], Mapping[str, bool]] = dict,
    ) -> None:
        """Wire the watch; the callables report the broker's and the gate's state."""
        self._commits = commits
        self._clock = clock
        self._alerter = alerter
        self._book = book
        self._metrics = metrics
        self._limits = limits or WatchLimits()
        self._lockout_until = lockout_until
        self._rate_budget = rate_budget
        self._trading_state = trading_state
        self._breakers = breakers
        self._cursor = StoreCursor()
        self._predicted: dict[str, float] = {}  # client order id -> predicted bps
        self._stuck_reported: set[str] = set()
        self._slippage: deque[float] = deque(maxlen=self._limits.slippage_window)
        self._in_spike = False

    def start(self) -> None:
        """Count what the store already holds as seen (call once before cycling)."""
        with self._commits.step() as uow:
            self._note_predictions(self._cursor.start(uow, self._clock.now()))

    def observe(self, counts: CycleReport) -> CycleSummary:
        """Read the cycle's effects, alert, measure; return the summary."""
        now = self._clock.now()
        with self._commits.step() as uow:
            open_intents = list(uow.intents.open_intents())
            news = self._cursor.advance(uow, open_intents, now)
            self._note_predictions(news.decisions)
            arrivals = self._arrivals(uow, news.fills)
        outcomes, fills, rejects = news.outcomes, news.fills, news.rejects
        skipped, failed = (
            _by_reason(outcomes, OutcomeKind.SKIPPED),
            _by_reason(outcomes, OutcomeKind.FAILED),
        )
        stuck = self._stuck(open_intents, now)
        self._watch_slippage(fills, arrivals, now)
        self._measure(outcomes, fills, arrivals, rejects, open_intents, now)
        until = self._lockout_until()
        budget = self._rate_budget()
        if self._metrics is not None and budget is not None:
            self._metrics.rate_limit_budget(budget)
        return CycleSummary(
            cycle=counts.cycle,
            at=now,
            bars=counts.bars,
            events=counts.events,
            decisions=counts.decisions,
            submitted=sum(o.kind is OutcomeKind.SUBMITTED for o in outcomes),
            skipped=skipped,
            failed=failed,
            fills=len(fills),
            broker_rejects=len(rejects),
            open_intents=_count_by_status(open_intents),
            stuck_intents=stuck,
            trading_state=self._trading_state(),
            broker_locked_out=until is not None and until > now,
            lockout_until=until,
            rate_limit_budget_left=budget,
        )

    # --- reading ---------------------------------------------------------------------

    def _note_predictions(self, decisions: Sequence[DecisionRecord]) -> None:
        """Remember the predicted cost of every new decision that placed an order."""
        for decision in decisions:
            cid, predicted = predicted_cost(decision.details)
            if cid is not None and predicted is not None:
                self._predicted[cid] = predicted

    @staticmethod
    def _arrivals(uow: UnitOfWork, fills: Sequence[Fill]) -> dict[str, Decimal]:
        arrivals: dict[str, Decimal] = {}
        for fill in fills:
            cid = fill.client_order_id
            if cid in arrivals:
                continue
            intent = uow.intents.find(cid)
            if intent is not None and intent.arrival_price:
                arrivals[cid] = intent.arrival_price
        return arrivals

    # --- alerts ------------------------------------------------------------------------

    def _stuck(
        self, open_intents: Sequence[OrderIntent], now: datetime
    ) -> tuple[str, ...]:
        limit = self._limits.stuck_after
        stuck = [i for i in open_intents if now - i.updated_at > limit]
        for intent in stuck:
            if intent.client_order_id in self._stuck_reported:
                continue
            self._stuck_reported.add(intent.client_order_id)
            age = (now - intent.updated_at).total_seconds()
            self._send(
                Severity.WARNING,
                AlertCode.INTENT_STUCK,
                f"{intent.spec.symbol} order {intent.client_order_id} stuck in "
                f"{intent.status.value} for {age:.0f}s",
                {
                    "dedup_key": intent.client_order_id,
                    "status": intent.status.value,
                    "age_s": repr(age),
                },
                now,
            )
        return tuple(i.client_order_id for i in stuck)

    def _watch_slippage(
        self, fills: Sequence[Fill], arrivals: Mapping[str, Decimal], now: datetime
    ) -> None:
        for fill in fills:
            arrival = arrivals.get(fill.client_order_id)
            if arrival is not None:
                self._slippage.append(slippage_bps(fill, arrival))
        limits = self._limits
        if len(self._slippage) < limits.slippage_min_fills:
            return
        mean = sum(self._slippage) / len(self._slippage)
        spiking = mean > limits.slippage_bps
        if spiking and not self._in_spike:
            self._send(
                Severity.WARNING,
                AlertCode.SLIPPAGE_SPIKE,
                f"mean slippage of the last {len(self._slippage)} fills is "
                f"{mean:.1f} bps (limit {limits.slippage_bps:g})",
                {"mean_bps": repr(mean), "fills": len(self._slippage)},
                now,
            )
        self._in_spike = spiking

    def _send(
        self,
        level: Severity,
        code: AlertCode,
        message: str,
        context: Mapping[str, object],
        now: datetime,
    ) -> None:
        self._alerter.send(
            Alert(
                severity=level,
                code=code.value,
                message=message,
                raised_at=now,
                context=context,
            )
        )

    # --- metrics -----------------------------------------------------------------------

    def _measure(
        self,
        outcomes: Sequence[OutcomeRecord],
        fills: Sequence[Fill],
        arrivals: Mapping[str, Decimal],
        rejects: Sequence[OrderIntent],
        open_intents: Sequence[OrderIntent],
        now: datetime,
    ) -> None:
        metrics = self._metrics
        if metrics is None:
            return
        for outcome in outcomes:
            metrics.order_outcome(outcome.kind.value, outcome.reason or "none")
            if (outcome.reason or "").startswith("risk:"):
                metrics.reject(outcome.reason or "risk")
        for fill in fills:
            metrics.fill(fill.side.value)
        self._measure_costs(metrics, fills, arrivals)
        for intent in rejects:
            metrics.reject(f"broker:{intent.reason or 'rejected'}")
        for status in _OPEN:
            mine = [i for i in open_intents if i.status is status]
            oldest = max(
                ((now - i.decided_at).total_seconds() for i in mine), default=0
            )
            metrics.open_intents(status.value, len(mine), oldest)
        for name, tripped in self._breakers().items():
            metrics.breaker_state(name, tripped)
        self._measure_book(metrics)

    def _measure_costs(
        self, metrics: Metrics, fills: Sequence[Fill], arrivals: Mapping[str, Decimal]
    ) -> None:
        for fill in fills:
            arrival = arrivals.get(fill.client_order_id)
            predicted = self._predicted.get(fill.client_order_id)
            if arrival is None or predicted is None:
                continue
            notional = fill.qty * fill.price
            fee_bps = float(fill.fee / notional) * 10_000.0 if notional else 0.0
            metrics.cost_vs_predicted(slippage_bps(fill, arrival) + fee_bps, predicted)

    def _measure_book(self, metrics: Metrics) -> None:
        ledger = self._book.ledger
        marks = {s: to_price(p) for s, p in self._book.last_prices().items()}
        values = [
            p.qty * marks.get(p.symbol, p.avg_entry_price) for p in ledger.positions()
        ]
        metrics.pnl(ledger.realized_pnl, ledger.unrealized_pnl(marks))
        metrics.exposure(
            sum((abs(v) for v in values), Decimal(0)), sum(values, Decimal(0))
        )


def slippage_bps(fill: Fill, arrival: Decimal) -> float:
    """Cost of a fill against its arrival price, bps (positive: paid more / got less)."""
    sign = 1 if fill.side is Side.BUY else -1
    return float(sign * (fill.price - arrival) / arrival) * 10_000.0


def predicted_cost(details: Mapping[str, object]) -> tuple[str | None, float | None]:
    """The order a decision placed and the cost it predicted (bps), where recorded."""
    cid = details.get("client_order_id")
    policy = details.get("policy")
    cost = policy.get("cost") if isinstance(policy, Mapping) else None
    total = cost.get("total_bps") if isinstance(cost, Mapping) else None
    return (
        cid if isinstance(cid, str) else None,
        float(total) if isinstance(total, int | float) else None,
    )


def _by_reason(outcomes: Sequence[OutcomeRecord], kind: OutcomeKind) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.kind is kind:
            reason = outcome.reason or "none"
            counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items()))


def _count_by_status(intents: Sequence[OrderIntent]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for intent in intents:
        counts[intent.status.value] = counts.get(intent.status.value, 0) + 1
    return dict(sorted(counts.items()))
