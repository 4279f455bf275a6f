"""The Alerts port: tell a person.

Trading talks to an :class:`Alerter` (in practice the routing service), whose ``send``
never raises. The router fans an alert out to :class:`AlertSink` adapters (webhook,
e-mail, log, store), which *do* raise :class:`AlertDeliveryFailed` once their own
retries are spent, so the router can record the failure where a person will see it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import canonical_bytes
from tradecore.domain.redaction import redact


class Severity(enum.StrEnum):
    """How urgently a person must look."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Order of urgency: info 0, warning 1, critical 2."""
        return _RANKS[self]


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class AlertCode(enum.StrEnum):
    """The alert codes tradecore raises: what routing rules and runbooks refer to.

    Where one code covers several things (breakers, symbols), the alert's
    ``context["dedup_key"]`` names which, so they are de-duplicated separately.
    """

    BREAKER_TRIPPED = "breaker.tripped"
    BREAKER_RECOVERED = "breaker.recovered"
    KILL_SWITCH = "kill_switch.engaged"
    RECONCILE_MISMATCH = "reconcile.mismatch"
    #: Reconciliation adopted the broker's truth (an external order, a missed fill,
    #: a position adjustment) into the store and the ledger.
    RECONCILE_HEALED = "reconcile.healed"
    #: The broker's position differs from the ledger's.
    RECONCILE_DRIFT = "reconcile.drift"
    INTENT_STUCK = "intent.stuck"
    #: The broker filled an order we had recorded REJECTED or FAILED: its fill won.
    FILL_AFTER_VERDICT = "order.fill_after_verdict"
    #: The broker acknowledged an order and now answers "not found": kept open.
    ACKED_ORDER_NOT_FOUND = "order.acknowledged_not_found"
    #: An order open past ``[alerts] cancel_stuck_after_s`` was cancelled by policy.
    INTENT_STUCK_CANCELED = "intent.stuck_canceled"
    REJECT_RATE = "orders.reject_rate"
    SLIPPAGE_SPIKE = "cost.slippage_spike"
    COST_MODEL_STALE = "cost.model_stale"
    STALE_DATA = "data.stale"
    #: The market-data stream refused the connection for a plan limit (Alpaca 406
    #: connection limit, 409 insufficient subscription): not the credentials.
    DATA_STREAM_REFUSED = "data.stream_refused"
    #: A bar already served was corrected by the feed (Alpaca's updated bar).
    BAR_CORRECTED = "data.bar_corrected"
    #: Live recording into the lake lost rows (a write failed, the disk was behind).
    RECORDING_FAILED = "data.recording_failed"
    #: A symbol was halted (or resumed): no new orders for it while halted.
    TRADING_HALTED = "market.trading_halted"
    TRADING_RESUMED = "market.trading_resumed"
    #: The broker busted or corrected a past execution.
    EXECUTION_AMENDED = "order.execution_amended"
    #: The broker sent an order event that needs a person (``suspended``, unknown).
    UNUSUAL_ORDER_EVENT = "order.unusual_event"
    MANIFEST_REJECTED = "manifest.rejected"
    BROKER_LOCKOUT = "broker.lockout"
    BROKER_RATE_LIMITED = "broker.rate_limited"
    DELIVERY_FAILED = "alerts.delivery_failed"
    ALERTS_HELD_BACK = "alerts.rate_limited"
    #: Models: the registry's stage changes, a live reload, a stale model.
    MODEL_PROMOTED = "model.promoted"
    MODEL_ROLLED_BACK = "model.rolled_back"
    MODEL_RELOADED = "model.reloaded"
    MODEL_STALE = "model.stale"
    #: Research: a promotion gate that failed, a strategy or feature set that
    #: used the future.
    RESEARCH_GATE_FAILED = "research.gate_failed"
    RESEARCH_LEAKAGE = "research.leakage"
    #: Two strategies of one portfolio correlated above the configured alert level.
    PORTFOLIO_CORRELATION = "portfolio.correlation"
    #: A person acted from the operator console (kill, state, approve, cancel,
    #: reconcile); the context names who.
    OPERATOR_ACTION = "operator.action"


def _positive_int(instance: object, attribute: object, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput("count", value, "expected an integer >= 1")


@attrs.frozen(kw_only=True, slots=True)
class Alert:
    """One alert: a stable machine ``code`` and a message for people.

    ``count`` > 1 marks a summary of repeats: the same alert was raised ``count``
    times between ``first_raised_at`` and ``raised_at``.
    """

    severity: Severity = attrs.field(validator=v.instance_of(Severity))
    code: str = attrs.field(validator=v.non_empty_str)
    message: str = attrs.field(validator=v.non_empty_str)
    raised_at: datetime = attrs.field(validator=v.utc_datetime)
    context: Mapping[str, object] = attrs.field(factory=dict)
    count: int = attrs.field(default=1, validator=_positive_int)
    first_raised_at: datetime | None = attrs.field(
        default=None, validator=v.optional_utc_datetime
    )


def alert_payload(alert: Alert, sent_at: datetime) -> dict[str, object]:
    """Return the JSON document every sink sends: one shape for webhook, mail, log, store.

    The context is reduced to JSON primitives by the canonical encoder and secrets in
    it are redacted by name.

    Raises:
        InvalidInput: the context holds a value with no canonical encoding.
    """
    context = json.loads(canonical_bytes(alert.context))
    return {
        "severity": alert.severity.value,
        "code": alert.code,
        "message": alert.message,
        "context": redact(context),
        "count": alert.count,
        "raised_at": alert.raised_at.isoformat(),
        "first_raised_at": (alert.first_raised_at or alert.raised_at).isoformat(),
        "sent_at": sent_at.isoformat(),
    }


class Alerter(Protocol):
    """A sink (or fan-out of sinks) for alerts."""

    def send(self, alert: Alert) -> None:
        """Deliver ``alert``; a failed delivery is recorded, never raised into trading."""
        ...


class AlertSink(Protocol):
    """One delivery channel (webhook, e-mail, log, store) behind the router."""

    #: The sink's name as routing rules refer to it.
    name: str

    def deliver(self, alert: Alert) -> None:
        """Deliver ``alert`` now, retrying as the sink is configured to.

        Raises:
            AlertDeliveryFailed: it could not be delivered; the cause is chained.
        """
        ...
