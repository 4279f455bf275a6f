"""Orders stuck open too long are cancelled by policy, audited and alerted.

The cycle watch alerts on an intent open and unchanged longer than ``[alerts]
stuck_intent_s`` (``intent.stuck``). With ``[alerts] cancel_stuck_after_s`` set (off
by default: a resting limit order is often meant to rest), :class:`StuckOrderPolicy`
also cancels it, once a cycle, through the order manager's cancel path (the same one
the engine uses, so the cancel's effect arrives as a broker event like any other):

* what is cancelled: an intent not terminal whose last change is older than the
  limit; never a kill's flatten order (closing is what a kill wants), an intent not
  yet sent (CREATED: recovery's business) or one whose cancel is already pending;
* each is asked once; a broker error (transient) is retried the next cycle;
* every cancel is audited (``stuck_order_cancel``) with *before* (our stored status,
  filled quantity, age) and *after* (whether the broker took the cancel request, and
  the order as the broker then shows it), and alerted (``intent.stuck_canceled``).
"""

from __future__ import annotations

from datetime import timedelta

from tradecore.domain.errors import BrokerError
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.services.controls.kill_switch import KILL_STRATEGY_ID
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.orders.order_manager import OrderManager

#: Not cancelled by the policy: not sent yet, or a cancel already asked for.
_LEFT_ALONE = (IntentStatus.CREATED, IntentStatus.PENDING_CANCEL)


class StuckOrderPolicy:
    """Cancels orders open and unchanged longer than ``cancel_after``."""

    def __init__(
        self,
        orders: OrderManager,
        broker: Broker,
        commits: CommitPolicy,
        clock: Clock,
        alerter: Alerter,
        *,
        cancel_after: timedelta,
    ) -> None:
        """Wire the policy; ``broker`` is read (never written) for the *after* view."""
        self._orders = orders
        self._broker = broker
        self._commits = commits
        self._clock = clock
        self._alerter = alerter
        self._cancel_after = cancel_after
        self._asked: set[str] = set()

    def sweep(self) -> tuple[str, ...]:
        """Cancel what is stuck now; return the client order ids asked to cancel."""
        now = self._clock.now()
        with self._commits.step() as uow:
            stuck = [
                i
                for i in uow.intents.open_intents()
                if now - i.updated_at > self._cancel_after
                and i.status not in _LEFT_ALONE
                and i.decision_key.strategy_id != KILL_STRATEGY_ID
                and i.client_order_id not in self._asked
            ]
        asked = []
        for intent in stuck:
            if self._cancel(intent):
                asked.append(intent.client_order_id)
        return tuple(asked)

    def _cancel(self, intent: OrderIntent) -> bool:
        now = self._clock.now()
        age = (now - intent.updated_at).total_seconds()
        before: dict[str, object] = {
            "status": intent.status.value,
            "filled_qty": str(intent.filled_qty),
            "qty": None if intent.spec.qty is None else str(intent.spec.qty),
            "updated_at": intent.updated_at,
            "age_s": age,
        }
        try:
            requested = self._orders.cancel(intent)
        except BrokerError as error:  # transient: look again next cycle
            self._send(
                Severity.WARNING,
                intent,
                f"could not cancel stuck order {intent.client_order_id}: {error}",
                {"before": before, "error": str(error)},
            )
            return False
        self._asked.add(intent.client_order_id)
        after: dict[str, object] = {"cancel_requested": requested}
        try:
            order = self._broker.get_order_by_client_id(intent.client_order_id)
            after |= {
                "broker_status": order.status.value,
                "broker_filled_qty": str(order.filled_qty),
            }
        except BrokerError as error:
            after["broker_status"] = f"unknown: {error}"
        entry = {
            "client_order_id": intent.client_order_id,
            "symbol": intent.spec.symbol,
            "strategy_id": intent.decision_key.strategy_id,
            "cancel_after_s": self._cancel_after.total_seconds(),
            "before": before,
            "after": after,
        }
        with self._commits.step() as uow:
            uow.audit.append("stuck_order_cancel", entry)
        what = "cancel requested" if requested else "no longer cancelable"
        self._send(
            Severity.WARNING,
            intent,
            f"{intent.spec.symbol} order {intent.client_order_id} open for "
            f"{age:.0f}s in {intent.status.value}: {what} by policy",
            entry,
        )
        return requested

    def _send(
        self,
        level: Severity,
        intent: OrderIntent,
        message: str,
        context: dict[str, object],
    ) -> None:
        self._alerter.send(
            Alert(
                severity=level,
                code=AlertCode.INTENT_STUCK_CANCELED.value,
                message=message,
                raised_at=self._clock.now(),
                context={"dedup_key": intent.client_order_id, **context},
            )
        )
