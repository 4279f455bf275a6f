"""What an operator does to the controls: set the state, approve a breaker, look.

Every change is an audited event with a reason, and alerted. A person may always
tighten (REDUCING, HALTED); going back to ACTIVE while a breaker is still tripped is
refused unless forced, because the breakers' recovery rule (quiet period + approval)
would otherwise be a formality.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs

from tradecore.domain.errors import BrokerError, InvalidInput
from tradecore.domain.orders.account import AccountSnapshot, Position
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.risk.breakers.persisted import approved_reason
from tradecore.domain.risk.trading_state import (
    BreakerState,
    TradingState,
    TradingStateRecord,
)
from tradecore.domain.strategies.portfolio_halts import is_strategy_halt
from tradecore.ports.alerts import Alert, Alerter, Severity
from tradecore.ports.broker import Broker, BrokerOrder
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store
from tradecore.ports.store_records import PositionSnapshot

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class BrokerView:
    """What the broker said, or why it could not be asked."""

    open_orders: tuple[BrokerOrder, ...] = ()
    positions: tuple[Position, ...] = ()
    account: AccountSnapshot | None = None
    error: str | None = None


@attrs.frozen(kw_only=True)
class StatusReport:
    """The store-side picture (always available) and the broker's (if reachable)."""

    state: TradingStateRecord
    breakers: tuple[BreakerState, ...]
    open_intents: tuple[OrderIntent, ...]
    positions: tuple[Position, ...]
    latest_snapshot: PositionSnapshot | None
    day: date
    fills_today: int
    realized_pnl_today: Decimal
    fees_today: Decimal
    broker: BrokerView


class Controls:
    """The operator's handle on one store's trading state and breakers."""

    def __init__(self, store: Store, clock: Clock, alerter: Alerter) -> None:
        """Wire the controls to the store they change."""
        self._store = store
        self._clock = clock
        self._alerter = alerter

    def set_state(
        self, state: TradingState, reason: str, *, force: bool = False
    ) -> TradingStateRecord:
        """Set the trading state (audited, alerted).

        Raises:
            InvalidInput: blank reason; or ACTIVE while breakers are tripped and not
                ``force``.
        """
        if not reason.strip():
            raise InvalidInput("reason", reason, "a state change needs a reason")
        with self._store.unit_of_work() as uow:
            tripped = [
                b.name
                for b in uow.controls.breakers()
                if b.tripped and not is_strategy_halt(b.name)
            ]
            if state is TradingState.ACTIVE and tripped and not force:
                raise InvalidInput(
                    "state",
                    state.value,
                    f"breakers still tripped: {', '.join(tripped)}; approve them "
                    "(tradecore-live breaker approve) or force",
                )
            record = uow.controls.set_trading_state(state, reason)
            uow.audit.append(
                "trading_state_changed",
                {"state": state, "reason": reason, "by": "operator", "forced": force},
            )
            uow.commit()
        level = Severity.INFO if state is TradingState.ACTIVE else Severity.WARNING
        self._alert(level, "trading_state_changed", f"trading {state}: {reason}")
        return record

    def approve(self, name: str, reason: str) -> BreakerState:
        """Approve recovery of a tripped breaker (it clears after its quiet period).

        Raises:
            InvalidInput: blank reason, unknown breaker, or one that is not tripped.
        """
        if not reason.strip():
            raise InvalidInput("reason", reason, "an approval needs a reason")
        with self._store.unit_of_work() as uow:
            row = uow.controls.get_breaker(name)
            if row is None:
                known = ", ".join(b.name for b in uow.controls.breakers()) or "none"
                raise InvalidInput("breaker", name, f"no such breaker (known: {known})")
            if not row.tripped:
                raise InvalidInput("breaker", name, "is not tripped")
            approved = uow.controls.set_breaker(
                name, tripped=True, reason=approved_reason(reason)
            )
            uow.audit.append("breaker_approved", {"breaker": name, "reason": reason})
            uow.commit()
        self._alert(Severity.INFO, "breaker_approved", f"{name} approved: {reason}")
        return approved

    def breakers(self) -> Sequence[BreakerState]:
        """Every breaker the store knows, by name."""
        with self._store.unit_of_work() as uow:
            return list(uow.controls.breakers())

    def status(self, broker: Broker | None) -> StatusReport:
        """Everything the store knows, plus the broker's view if it can be reached."""
        now = self._clock.now()
        with self._store.unit_of_work() as uow:
            state = uow.controls.get_trading_state()
            breakers = tuple(uow.controls.breakers())
            intents = tuple(uow.intents.open_intents())
            fills = list(uow.fills.all())
            snapshot = uow.positions.latest("broker")
        before = Ledger.opening(_ZERO).apply_all(
            f for f in fills if f.filled_at.date() < now.date()
        )
        everything = Ledger.opening(_ZERO).apply_all(fills)
        today = [f for f in fills if f.filled_at.date() == now.date()]
        return StatusReport(
            state=state,
            breakers=breakers,
            open_intents=intents,
            positions=tuple(everything.positions()),
            latest_snapshot=snapshot,
            day=now.date(),
            fills_today=len(today),
            realized_pnl_today=everything.realized_pnl - before.realized_pnl,
            fees_today=everything.fees - before.fees,
            broker=_broker_view(broker),
        )

    def _alert(self, level: Severity, code: str, message: str) -> None:
        now: datetime = self._clock.now()
        self._alerter.send(
            Alert(severity=level, code=code, message=message, raised_at=now)
        )


def _broker_view(broker: Broker | None) -> BrokerView:
    if broker is None:
        return BrokerView(error="no broker configured")
    try:
        return BrokerView(
            open_orders=tuple(broker.open_orders()),
            positions=tuple(broker.positions()),
            account=broker.account(),
        )
    except BrokerError as error:
        return BrokerView(error=f"broker unreachable: {error}")
