"""The kill switch: halt, cancel everything, optionally flatten, and say what happened.

Order matters. HALTED is written and committed to the store *first*, before the broker
is touched: every engine sharing the store refuses new orders from its next cycle on,
even if everything after this fails (the broker down, the process killed). Then every
open order is cancelled at the broker, the cancels are given a few seconds to land,
and with ``flatten`` every position is closed with a market order placed exactly once
(an intent with a client order id derived from the kill's audit entry, so a repeat of
the same kill cannot double the flattening orders). What could not be done is reported
order by order, and recorded in the audit log with the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain.client_order_id import DecisionKey
from tradecore.domain.errors import (
    BrokerError,
    InvalidInput,
    OrderNotCancelable,
)
from tradecore.domain.intent import OrderIntent
from tradecore.domain.lifecycle import IntentStatus
from tradecore.domain.orders import OrderSpec, Side
from tradecore.domain.records import AuditEntry, DecisionRecord
from tradecore.domain.trading_state import TradingState
from tradecore.ports.alerts import Alert, Alerter, Severity
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store
from tradecore.services.order_manager import OrderManager
from tradecore.services.transactions import CommitEachStep

KILL_STRATEGY_ID = "kill_switch"
NO_BROKER = "no broker configured"


@attrs.frozen(kw_only=True)
class KillReport:
    """What a kill did: the state is always HALTED; the rest as far as it got."""

    reason: str
    halted_at: datetime | None
    canceled: tuple[str, ...] = ()
    already_final: tuple[str, ...] = ()
    not_canceled: tuple[tuple[str, str], ...] = ()
    flatten_requested: bool = False
    flatten_orders: tuple[str, ...] = ()
    not_flattened: tuple[tuple[str, str], ...] = ()
    broker_error: str | None = None

    @property
    def complete(self) -> bool:
        """True when every order was cancelled and every requested flatten was sent."""
        return (
            self.broker_error is None
            and not self.not_canceled
            and not self.not_flattened
        )


class KillSwitch:
    """Halts trading on a store and clears the broker."""

    def __init__(
        self,
        store: Store,
        broker: Broker | None,
        clock: Clock,
        alerter: Alerter,
        *,
        settle_for: timedelta = timedelta(seconds=5),
        poll_every: timedelta = timedelta(milliseconds=500),
    ) -> None:
        """Wire the switch.

        Args:
            store: where HALTED is persisted (shared with the trading processes).
            broker: where orders are cancelled; ``None`` when none is configured (the
                kill then halts and reports every open order as not cancelled).
            clock: time for the records and for waiting on cancels.
            alerter: where the kill is announced.
            settle_for: how long to wait for cancels to land before flattening.
            poll_every: how often to look while waiting.
        """
        self._store = store
        self._broker = broker
        self._clock = clock
        self._alerter = alerter
        self._settle_for = settle_for
        self._poll_every = poll_every

    def kill(self, reason: str, *, flatten: bool = False) -> KillReport:
        """Halt trading (persisted first), cancel open orders, optionally flatten.

        Raises:
            InvalidInput: ``reason`` is blank (a kill must say why).
        """
        if not reason.strip():
            raise InvalidInput("reason", reason, "a kill needs a reason")
        entry, halted_at = self._halt(reason, flatten)
        report = KillReport(
            reason=reason, halted_at=halted_at, flatten_requested=flatten
        )
        report = self._cancel_all(report)
        if flatten:
            report = self._flatten(report, entry)
        self._record(report)
        return report

    def _halt(self, reason: str, flatten: bool) -> tuple[AuditEntry, datetime | None]:
        with self._store.unit_of_work() as uow:
            state = uow.controls.set_trading_state(
                TradingState.HALTED, f"kill: {reason}"
            )
            entry = uow.audit.append(
                "kill_switch",
                {"reason": reason, "flatten": flatten, "state": TradingState.HALTED},
            )
            uow.commit()
        return entry, state.changed_at

    def _cancel_all(self, report: KillReport) -> KillReport:
        broker = self._broker
        if broker is None:
            return self._unreachable(report, NO_BROKER)
        try:
            orders = broker.open_orders()
        except BrokerError as error:
            return self._unreachable(report, f"broker unreachable: {error}")
        canceled, final, failed = [], [], []
        for order in orders:
            try:
                broker.cancel(order.broker_order_id)
                canceled.append(order.client_order_id)
            except OrderNotCancelable:
                final.append(order.client_order_id)
            except BrokerError as error:
                failed.append((order.client_order_id, str(error)))
        if canceled:
            self._wait_for(set(canceled))
        return attrs.evolve(
            report,
            canceled=tuple(canceled),
            already_final=tuple(final),
            not_canceled=tuple(failed),
        )

    def _unreachable(self, report: KillReport, why: str) -> KillReport:
        with self._store.unit_of_work() as uow:
            open_ids = [i.client_order_id for i in uow.intents.open_intents()]
        return attrs.evolve(
            report,
            broker_error=why,
            not_canceled=tuple((cid, why) for cid in open_ids),
            not_flattened=(("*", why),) if report.flatten_requested else (),
        )

    def _wait_for(self, client_ids: set[str]) -> None:
        assert self._broker is not None
        deadline = self._clock.now() + self._settle_for
        while self._clock.now() < deadline:
            try:
                still = {o.client_order_id for o in self._broker.open_orders()}
            except BrokerError:
                return
            if not client_ids & still:
                return
            self._clock.sleep(self._poll_every.total_seconds())

    def _flatten(self, report: KillReport, entry: AuditEntry) -> KillReport:
        broker = self._broker
        if broker is None or report.broker_error is not None:
            return report
        try:
            positions = [p for p in broker.positions() if not p.is_flat]
        except BrokerError as error:
            return attrs.evolve(report, not_flattened=(("*", str(error)),))
        orders = OrderManager(broker, self._clock, CommitEachStep(self._store))
        sent, failed = [], []
        for position in positions:
            side = Side.SELL if position.qty > 0 else Side.BUY
            decision, intent = self._flatten_intent(
                entry, position.symbol, side, abs(position.qty)
            )
            try:
                stored = orders.place(decision, intent)
            except BrokerError as error:
                failed.append((position.symbol, str(error)))
                continue
            if stored.status is IntentStatus.REJECTED:
                failed.append((position.symbol, stored.reason or "rejected"))
            else:
                sent.append(stored.client_order_id)
        return attrs.evolve(
            report, flatten_orders=tuple(sent), not_flattened=tuple(failed)
        )

    def _flatten_intent(
        self, entry: AuditEntry, symbol: str, side: Side, qty: Decimal
    ) -> tuple[DecisionRecord, OrderIntent]:
        now = self._clock.now()
        spec = OrderSpec(symbol=symbol, side=side, qty=qty)
        key = DecisionKey(
            strategy_id=KILL_STRATEGY_ID,
            symbol=symbol,
            side=side,
            session_date=entry.recorded_at.date(),
            horizon="kill",
            signal_hash=entry.row_hash[:16],
            qty=qty,
        )
        intent = OrderIntent.create(
            key, spec, decided_at=now, execution_policy="market"
        )
        decision = DecisionRecord(
            decision_id=DecisionRecord.make_id(
                KILL_STRATEGY_ID, symbol, entry.recorded_at, entry.row_hash
            ),
            strategy_id=KILL_STRATEGY_ID,
            symbol=symbol,
            decided_at=now,
            inputs_hash=entry.row_hash,
            details={"kill_seq": entry.seq, "flatten": str(qty)},
        )
        return decision, intent

    def _record(self, report: KillReport) -> None:
        summary: dict[str, object] = {
            "reason": report.reason,
            "canceled": list(report.canceled),
            "already_final": list(report.already_final),
            "not_canceled": [list(x) for x in report.not_canceled],
            "flatten_orders": list(report.flatten_orders),
            "not_flattened": [list(x) for x in report.not_flattened],
            "broker_error": report.broker_error,
            "complete": report.complete,
        }
        with self._store.unit_of_work() as uow:
            uow.audit.append("kill_switch_done", summary)
            uow.commit()
        self._alerter.send(
            Alert(
                severity=Severity.CRITICAL,
                code="kill_switch",
                message=f"kill switch: trading HALTED ({report.reason})"
                + ("" if report.complete else "; NOT everything was cancelled"),
                raised_at=self._clock.now(),
                context=summary,
            )
        )
