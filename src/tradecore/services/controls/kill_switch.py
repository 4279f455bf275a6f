"""The kill switch: halt, cancel everything, optionally flatten, and say what happened.

Order matters. HALTED is written and committed to the store *first*, before the broker
is touched: every engine sharing the store refuses new orders from its next cycle on,
even if everything after this fails (the broker down, the process killed). Then every
open order is cancelled at the broker, the cancels are given a few seconds to land,
and with ``flatten`` every position is closed with a market order placed exactly once
(an intent with a client order id derived from the kill's persisted state row, so a
repeat of the same kill, or a second process acting on it, cannot double the
flattening orders). What could not be done is reported order by order, and recorded
in the audit log with the rest.

A trading process holds its own broker connection (with the simulated broker, the
only one); a kill from the command line may have none. So the trading process answers
the kill itself (:meth:`KillSwitch.carry_out`, wired through
``RiskGate(on_kill=...)``): within one cycle it sees the kill's HALTED, cancels its
open orders and, when the kill asked for it, flattens.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain.errors import BrokerError, InvalidInput, OrderNotCancelable
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.kill_request import (
    KillRequest,
    kill_request_of,
    kill_state_reason,
)
from tradecore.domain.risk.trading_state import TradingState
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.durability.fault_points import fault_point
from tradecore.services.orders.order_manager import OrderManager

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
        request = self._halt(reason, flatten)
        return self._clear_broker(request, by="kill command")

    def carry_out(self, request: KillRequest) -> KillReport:
        """Answer a kill persisted elsewhere: cancel here, flatten if it asked.

        The trading process calls this when it first sees the kill's HALTED; its
        broker is the one holding its orders. The state is not touched (it is
        already HALTED); what was done is audited and alerted like a kill.
        """
        return self._clear_broker(request, by="trading process")

    def _clear_broker(self, request: KillRequest, *, by: str) -> KillReport:
        report = KillReport(
            reason=request.reason,
            halted_at=request.killed_at,
            flatten_requested=request.flatten,
        )
        report = self._cancel_all(report)
        fault_point("during_kill_switch")
        if request.flatten:
            report = self._flatten(report, request)
        self._record(report, request, by)
        return report

    def _halt(self, reason: str, flatten: bool) -> KillRequest:
        with self._store.unit_of_work() as uow:
            state = uow.controls.set_trading_state(
                TradingState.HALTED, kill_state_reason(reason, flatten=flatten)
            )
            uow.audit.append(
                "kill_switch",
                {"reason": reason, "flatten": flatten, "state": TradingState.HALTED},
            )
            uow.commit()
        request = kill_request_of(state)
        assert request is not None  # the store returns the row just written
        return request

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

    def _flatten(self, report: KillReport, request: KillRequest) -> KillReport:
        broker = self._broker
        if broker is None or report.broker_error is not None:
            return report
        try:
            positions = [p for p in broker.positions() if not p.is_flat]
        except BrokerError as error:
            return attrs.evolve(report, not_flattened=(("*", str(error)),))
        orders = OrderManager(broker, self._clock, CommitEachStep(self._store))
        working = self._flattening()
        sent, failed = [], []
        for position in positions:
            if position.symbol in working:  # already being closed by this kill
                sent.append(working[position.symbol])
                continue
            side = Side.SELL if position.qty > 0 else Side.BUY
            decision, intent = self._flatten_intent(
                request, position.symbol, side, abs(position.qty)
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

    def _flattening(self) -> dict[str, str]:
        """Flatten orders of a kill still working: symbol -> client order id."""
        with self._store.unit_of_work() as uow:
            return {
                i.spec.symbol: i.client_order_id
                for i in uow.intents.open_intents()
                if i.decision_key.strategy_id == KILL_STRATEGY_ID
            }

    def _flatten_intent(
        self, request: KillRequest, symbol: str, side: Side, qty: Decimal
    ) -> tuple[DecisionRecord, OrderIntent]:
        now = self._clock.now()
        spec = OrderSpec(symbol=symbol, side=side, qty=qty)
        key = DecisionKey(
            strategy_id=KILL_STRATEGY_ID,
            symbol=symbol,
            side=side,
            session_date=request.killed_at.date(),
            horizon="kill",
            signal_hash=request.kill_id[:16],
            qty=qty,
        )
        intent = OrderIntent.create(
            key, spec, decided_at=now, execution_policy="market"
        )
        decision = DecisionRecord(
            # One decision per flatten quantity: a rest that filled after the
            # cancels (flattened by a later carry-out) is a decision of its own.
            decision_id=DecisionRecord.make_id(
                KILL_STRATEGY_ID, symbol, request.killed_at, f"{request.kill_id}:{qty}"
            ),
            strategy_id=KILL_STRATEGY_ID,
            symbol=symbol,
            decided_at=now,
            inputs_hash=request.kill_id,
            details={"kill_id": request.kill_id, "flatten": str(qty)},
        )
        return decision, intent

    def _record(self, report: KillReport, request: KillRequest, by: str) -> None:
        summary: dict[str, object] = {
            "by": by,
            "kill_id": request.kill_id,
            "acted_at": self._clock.now(),
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
                code=AlertCode.KILL_SWITCH.value,
                message=f"kill switch ({by}): trading HALTED ({report.reason})"
                + ("" if report.complete else "; NOT everything was cancelled"),
                raised_at=self._clock.now(),
                context=summary,
            )
        )
