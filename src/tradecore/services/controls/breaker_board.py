"""The breakers of one process, kept in step with the store they share.

Trips and recoveries are written to the store (the breaker row, an audit entry with
the inputs, and the trading state a trip moves to), then alerted. A breaker never
lowers a state: a trip only escalates (ACTIVE -> REDUCING -> HALTED), and a recovery
lifts only a state that breakers set (see :mod:`tradecore.domain.risk.breakers.persisted`),
down to what the breakers still tripped require. A kill or a person's HALTED stays.

Other processes change the store too: a person approves a breaker from the command
line, a kill switch halts trading. :meth:`BreakerBoard.sync` reads those rows once per
cycle; a restarted process also restores the trips it finds, so a restart never
silently clears a breaker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from tradecore.domain.errors import InvalidInput
from tradecore.domain.risk.breakers import Breaker, BreakerEvent, BreakerReading
from tradecore.domain.risk.breakers.persisted import (
    BREAKER_STATE_PREFIX,
    CLEARED_PREFIX,
    approval_of,
    most_severe,
    set_by_breaker,
    severity,
    trip_reason,
)
from tradecore.domain.risk.trading_state import (
    INITIAL_TRADING_STATE,
    TradingState,
    TradingStateRecord,
)
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.store import UnitOfWork
from tradecore.services.durability.commits import CommitPolicy

#: Trips with a code of their own (a runbook of their own); the rest are
#: ``breaker.tripped`` with the breaker's name in the context.
_TRIP_CODES = {
    "data_staleness": AlertCode.STALE_DATA,
    "reject_rate": AlertCode.REJECT_RATE,
}


class BreakerBoard:
    """Configured breakers, the trading state as last read, and their persistence."""

    def __init__(
        self, breakers: Sequence[Breaker], commits: CommitPolicy, alerter: Alerter
    ) -> None:
        """Take the breakers (unique names) and where trips are written and sent."""
        self._breakers: dict[str, Breaker] = {}
        for breaker in breakers:
            if breaker.name in self._breakers:
                raise InvalidInput("breakers", breaker.name, "configured twice")
            self._breakers[breaker.name] = breaker
        self._commits = commits
        self._alerter = alerter
        self._restored = False
        self.state: TradingStateRecord = INITIAL_TRADING_STATE
        #: Every trip and recovery this board handled, in order.
        self.events: list[BreakerReading] = []

    def tripped(self) -> dict[str, bool]:
        """Whether each configured breaker is tripped, by name (for the metrics)."""
        return {name: b.tripped for name, b in sorted(self._breakers.items())}

    def get(self, name: str) -> Breaker | None:
        """The configured breaker called ``name``, if any."""
        return self._breakers.get(name)

    @property
    def synced(self) -> bool:
        """Whether the store's rows were read at least once."""
        return self._restored

    def sync(self, uow: UnitOfWork) -> None:
        """Read the trading state and breaker rows; adopt restores and approvals."""
        self.state = uow.controls.get_trading_state()
        rows = {row.name: row for row in uow.controls.breakers()}
        for name, breaker in self._breakers.items():
            row = rows.get(name)
            if row is None or not row.tripped:
                continue
            approval = approval_of(row)
            if not self._restored and not breaker.tripped:
                breaker.restore(row.changed_at, approval=approval)
            elif breaker.tripped and approval and breaker.latch.approval is None:
                breaker.approve(approval)
        self._restored = True

    def tick(self, at: datetime) -> None:
        """Let time pass for every breaker (quiet periods, windows, staleness)."""
        for breaker in self._breakers.values():
            self.run(breaker, partial(breaker.tick, at))

    def run(self, breaker: Breaker, update: Callable[[], BreakerReading]) -> None:
        """Apply one update to ``breaker`` and handle a trip or recovery it causes."""
        approval = breaker.latch.approval
        reading = update()
        if reading.event is BreakerEvent.TRIPPED:
            self._tripped(breaker, reading)
        elif reading.event is BreakerEvent.CLEARED:
            self._cleared(breaker, reading, approval)

    def _tripped(self, breaker: Breaker, reading: BreakerReading) -> None:
        target = breaker.config.trip_state
        with self._commits.step() as uow:
            uow.controls.set_breaker(
                breaker.name, tripped=True, reason=trip_reason(reading.inputs)
            )
            uow.audit.append(
                "breaker_tripped",
                {
                    "breaker": breaker.name,
                    "at": reading.at,
                    "inputs": dict(reading.inputs),
                    "trip_state": target,
                },
            )
            self._move_state(uow, target, f"{breaker.name} tripped", escalate=True)
        self.events.append(reading)
        self._alert(
            Severity.CRITICAL if target is TradingState.HALTED else Severity.WARNING,
            _TRIP_CODES.get(breaker.name, AlertCode.BREAKER_TRIPPED),
            f"circuit breaker {breaker.name} tripped; trading {self.state.state}",
            reading,
        )

    def _cleared(
        self, breaker: Breaker, reading: BreakerReading, approval: str | None
    ) -> None:
        how = f"approved: {approval}" if approval else "auto-clear"
        quiet = breaker.config.quiet_period_s
        with self._commits.step() as uow:
            uow.controls.set_breaker(
                breaker.name,
                tripped=False,
                reason=f"{CLEARED_PREFIX}quiet {quiet:g}s; {how}",
            )
            uow.audit.append(
                "breaker_cleared",
                {"breaker": breaker.name, "at": reading.at, "approval": how},
            )
            still = [b.config.trip_state for b in self._breakers.values() if b.tripped]
            self._move_state(
                uow, most_severe(still), f"{breaker.name} cleared", escalate=False
            )
        self.events.append(reading)
        self._alert(
            Severity.INFO,
            AlertCode.BREAKER_RECOVERED,
            f"circuit breaker {breaker.name} recovered ({how}); trading {self.state.state}",
            reading,
        )

    def _move_state(
        self, uow: UnitOfWork, target: TradingState, why: str, *, escalate: bool
    ) -> None:
        current = uow.controls.get_trading_state()
        if escalate:
            move = severity(target) > severity(current.state)
        else:
            move = set_by_breaker(current.reason) and severity(target) < severity(
                current.state
            )
        if move:
            current = uow.controls.set_trading_state(
                target, f"{BREAKER_STATE_PREFIX}{why}"
            )
            uow.audit.append(
                "trading_state_changed",
                {"state": target, "reason": current.reason, "by": "breaker"},
            )
        self.state = current

    def _alert(
        self, level: Severity, code: str, message: str, reading: BreakerReading
    ) -> None:
        # One de-duplication window per breaker, not one for all of them.
        context = {"breaker": reading.name, "dedup_key": reading.name, **reading.inputs}
        self._alerter.send(
            Alert(
                severity=level,
                code=str(code),
                message=message,
                raised_at=reading.at,
                context=context,
            )
        )
