"""What an operator may do from the console, through the services the CLI uses.

Each action calls the same service as its command, so a running trading process
learns of it the same way (it polls the store's control rows every cycle):

============================  =======================================================
console                       command line / service
============================  =======================================================
kill (with/without flatten)   ``tradecore-live kill [--flatten]``: ``KillSwitch.kill``
set ACTIVE/REDUCING/HALTED    ``tradecore-live state set``: ``Controls.set_state``
approve a breaker recovery    ``tradecore-live breaker approve``: ``Controls.approve``
cancel one order              ``OrderManager.cancel`` (the order manager's own cancel;
                              the fill or cancel comes back as a broker event that
                              the trading process applies)
reconcile now                 ``tradecore-live reconcile``: ``Reconciler.run``
============================  =======================================================

The reason given is recorded with the operator's name (``reason [by alice via
console]``) in the service's own audit entries; a ``console_action`` audit entry
names the operator, the action, its target and the result; and the configured alert
router (``[alerts]``: log, store, webhook, e-mail) gets an ``operator.action`` alert,
besides the alerts the service raises itself (``kill_switch.engaged``, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import attrs

from tradecore.adapters.sqlstore import SqlStore
from tradecore.apps.config.settings import Settings
from tradecore.apps.console.auth import Operator
from tradecore.apps.wiring.alerting import build_alert_router
from tradecore.apps.wiring.broker_factory import build_broker, close_broker
from tradecore.domain.errors import InvalidInput, TradecoreError
from tradecore.domain.risk.trading_state import TradingState
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.services.controls.kill_switch import KillReport, KillSwitch
from tradecore.services.controls.operator import Controls
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler, ReconcileReport

BrokerFactory = Callable[[Settings, Clock], Broker | None]
STATES = {s.value.upper(): s for s in TradingState}
NO_BROKER = "no broker configured ([broker] kind)"


@attrs.frozen
class Done:
    """What an action did, in lines for the operator; ``ok`` False: not in full."""

    title: str
    lines: tuple[str, ...]
    ok: bool = True


class Actions:
    """The console's actions on one store (each opens the broker it needs)."""

    def __init__(
        self,
        settings: Settings,
        store: SqlStore,
        clock: Clock,
        broker_factory: BrokerFactory = build_broker,
    ) -> None:
        """Act on ``store`` with the configured alert router and broker."""
        self._settings = settings
        self._store = store
        self._clock = clock
        self._brokers = broker_factory

    def kill(self, who: Operator, reason: str, *, flatten: bool) -> Done:
        """Halt (persisted first), cancel every open order, optionally flatten."""

        def kill(router: Alerter) -> Done:
            with self._broker() as broker:
                report = KillSwitch(self._store, broker, self._clock, router).kill(
                    _signed(reason, who), flatten=flatten
                )
            return Done("kill", tuple(kill_lines(report)), report.complete)

        return self._run(who, "kill", f"flatten={flatten}", reason, kill)

    def set_state(self, who: Operator, state: str, reason: str) -> Done:
        """Set ACTIVE, REDUCING or HALTED for every process on the store."""

        def set_state(router: Alerter) -> Done:
            target = STATES.get(state.upper())
            if target is None:
                raise InvalidInput(
                    "state", state, "expected ACTIVE, REDUCING or HALTED"
                )
            record = Controls(self._store, self._clock, router).set_state(
                target, _signed(reason, who)
            )
            return Done("state", (f"trading state: {record.state.value.upper()}",))

        return self._run(who, "set_state", state.lower(), reason, set_state)

    def approve(self, who: Operator, breaker: str, reason: str) -> Done:
        """Approve a tripped breaker's recovery (it clears after its quiet period)."""

        def approve(router: Alerter) -> Done:
            row = Controls(self._store, self._clock, router).approve(
                breaker, _signed(reason, who)
            )
            return Done(
                "approve", (f"{row.name}: approved; clears after its quiet period",)
            )

        return self._run(who, "approve_breaker", breaker, reason, approve)

    def cancel(self, who: Operator, client_order_id: str, reason: str) -> Done:
        """Ask the broker to cancel one working order of ours."""

        def cancel(router: Alerter) -> Done:
            _need(reason)
            with self._store.unit_of_work() as uow:
                intent = uow.intents.find(client_order_id)
            if intent is None:
                raise InvalidInput(
                    "order", client_order_id, "no such order in the store"
                )
            if intent.is_terminal:
                raise InvalidInput(
                    "order", client_order_id, f"is {intent.status}, final"
                )
            with self._broker() as broker:
                if broker is None:
                    return Done("cancel", (NO_BROKER,), ok=False)
                orders = OrderManager(broker, self._clock, CommitEachStep(self._store))
                sent = orders.cancel(intent)
            line = (
                f"cancel of {client_order_id} sent to the broker"
                if sent
                else f"{client_order_id} is no longer working at the broker"
            )
            return Done("cancel", (line,), sent)

        return self._run(who, "cancel_order", client_order_id, reason, cancel)

    def reconcile(self, who: Operator, reason: str) -> Done:
        """One reconciliation pass, as ``tradecore-live reconcile`` (no healing)."""

        def reconcile(router: Alerter) -> Done:
            _need(reason)
            with self._broker() as broker:
                if broker is None:
                    return Done("reconcile", (NO_BROKER,), ok=False)
                commits = CommitEachStep(self._store)
                orders = OrderManager(broker, self._clock, commits)
                report = Reconciler(
                    broker, self._clock, commits, orders, alerter=router
                ).run()
            return Done("reconcile", tuple(reconcile_lines(report)), report.clean)

        return self._run(who, "reconcile", "", reason, reconcile)

    def _run(
        self,
        who: Operator,
        action: str,
        target: str,
        reason: str,
        body: Callable[[Alerter], Done],
    ) -> Done:
        """Do ``body`` with the configured router, then audit and alert what it did,
        a refusal included (then raised on for the page to show)."""
        with self._router() as router:
            try:
                done = body(router)
            except TradecoreError as error:
                refused = Done(action, (f"refused: {error}",), ok=False)
                self._record(who, router, action, target, reason, refused)
                raise
            self._record(who, router, action, target, reason, done)
        return done

    @contextmanager
    def _router(self) -> Iterator[Alerter]:
        router = build_alert_router(
            self._settings.alerts, self._clock, store=self._store
        )
        try:
            yield router
        finally:
            router.close()

    @contextmanager
    def _broker(self) -> Iterator[Broker | None]:
        broker = self._brokers(self._settings, self._clock)
        try:
            yield broker
        finally:
            close_broker(broker)

    def _record(
        self,
        who: Operator,
        router: Alerter,
        action: str,
        target: str,
        reason: str,
        done: Done,
    ) -> None:
        """The ``console_action`` audit entry and the ``operator.action`` alert."""
        payload: dict[str, object] = {
            "operator": who.name,
            "role": who.role,
            "action": action,
            "target": target,
            "reason": reason,
            "complete": done.ok,
            "result": list(done.lines[:20]),
        }
        with self._store.unit_of_work() as uow:
            uow.audit.append("console_action", payload)
            uow.commit()
        router.send(
            Alert(
                severity=Severity.WARNING,
                code=AlertCode.OPERATOR_ACTION,
                message=f"{who.name} via console: {action} {target}: {reason}".strip(),
                raised_at=self._clock.now(),
                context={"operator": who.name, "action": action, "target": target},
            )
        )


def _need(reason: str) -> None:
    if not reason.strip():
        raise InvalidInput("reason", reason, "an action needs a reason")


def _signed(reason: str, who: Operator) -> str:
    """The reason as the services record it: with who gave it, and from where."""
    _need(reason)
    return f"{reason.strip()} [by {who.name} via console]"


def reconcile_lines(report: ReconcileReport) -> list[str]:
    """What a reconciliation found, as ``tradecore-live reconcile`` words it."""
    lines = [f"checked {report.checked} open intent(s)"]
    lines += [
        f"{d.kind} {d.client_order_id or d.symbol}: {d.action}"
        for d in report.discrepancies
    ]
    lines += [
        f"{c.symbol}: broker {c.broker_qty}, ledger {c.ledger_qty}"
        for c in report.positions
    ]
    return lines


def kill_lines(report: KillReport) -> list[str]:
    """What a kill did, as ``tradecore-live kill`` words it."""
    lines = [f"trading HALTED: {report.reason}"]
    lines.append(f"cancelled: {len(report.canceled)} order(s)")
    if report.flatten_requested:
        lines.append(f"flatten orders sent: {len(report.flatten_orders)}")
    if report.broker_error:
        lines.append(
            f"orders could NOT be cancelled at the broker: {report.broker_error}"
        )
    lines += [f"NOT cancelled: {cid}: {why}" for cid, why in report.not_canceled]
    lines += [
        f"NOT confirmed cancelled: {cid}: {why}" for cid, why in report.unconfirmed
    ]
    lines += [
        f"NOT flattened in full: {s}: {why}" for s, why in report.flatten_held_back
    ]
    lines += [f"NOT flattened: {s}: {why}" for s, why in report.not_flattened]
    return lines
