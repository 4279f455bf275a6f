"""The order intent: the durable record of "we decided to trade X", and how events move it.

Intents are frozen; every change returns a new intent. :func:`apply_event` is the only
way a broker event changes one. Its rules, in order:

1. An event for an intent still CREATED (never sent) is illegal: nothing can have
   happened at the broker.
2. Fills are the truth. A fill whose execution id was already counted is a no-op; any
   other fill is counted (quantity and notional add up exactly), even on a terminal
   intent: on CANCELED, EXPIRED or REPLACED (fills race cancels) the status stays
   unless the quantity is complete; on REJECTED or FAILED, our verdict, the fill
   overrules it and the intent moves on to PARTIALLY_FILLED or FILLED
   (:data:`Applied.overruled` says so, for the discrepancy record and the alert). A
   fill beyond the order quantity raises :class:`Overfill`.
3. A status event for a terminal intent is stale and ignored: terminal never reopens.
4. ACCEPTED after the order has moved on (partially filled, pending cancel/replace) is
   stale and ignored, unless its reason is ``cancel_rejected``/``replace_rejected``,
   which puts a pending order back to working.
5. Anything else must be a move in :data:`tradecore.domain.orders.lifecycle.TRANSITIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import IllegalTransition, InvalidInput, Overfill
from tradecore.domain.frozen import (
    replace,
    trusted_builder,
    trusted_copier,
    trusted_replace,
)
from tradecore.domain.orders.client_order_id import DecisionKey, client_order_id
from tradecore.domain.orders.events import FILL_KINDS, OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.lifecycle import (
    LATE_FILL_ACCEPTING,
    TERMINAL,
    VERDICTS,
    IntentStatus,
    check_transition,
)
from tradecore.domain.orders.spec import OrderSpec

S = IntentStatus
K = OrderEventKind
_ZERO = Decimal(0)
_PENDING = frozenset({S.PENDING_CANCEL, S.PENDING_REPLACE})
#: Statuses and kinds read on every order's events, as module constants: on
#: Python 3.11 an enum class's attribute goes through ``EnumType.__getattr__``'s
#: slot hook, about 900 instructions a read (cachegrind), a global's a few.
_CREATED, _SUBMITTED, _ACKED, _FILLED = S.CREATED, S.SUBMITTED, S.ACKED, S.FILLED
_ACCEPTED_EVENT, _FILL_EVENT = K.ACCEPTED, K.FILL
_WORK_REVERT_REASONS = frozenset({"cancel_rejected", "replace_rejected"})
#: Why an ACCEPTED event is ignored, by the intent's status: spelled once, not
#: per event (the venue's own ACCEPTED of every order arrives after its ack).
_STALE_ACCEPTED = {s: f"stale accepted: intent is {s.value}" for s in S}

_STATUS_OF_EVENT: dict[OrderEventKind, IntentStatus] = {
    K.CANCELED: S.CANCELED,
    K.EXPIRED: S.EXPIRED,
    K.REJECTED: S.REJECTED,
    K.REPLACED: S.REPLACED,
    K.FAILED: S.FAILED,
    K.PENDING_CANCEL: S.PENDING_CANCEL,
    K.PENDING_REPLACE: S.PENDING_REPLACE,
}


@attrs.frozen(kw_only=True, slots=True)
class OrderIntent:
    """A decision to trade, with everything it depended on and where it stands."""

    client_order_id: str = attrs.field(validator=v.non_empty_str)
    decision_key: DecisionKey = attrs.field(validator=v.instance_of(DecisionKey))
    attempt: int = attrs.field(validator=v.instance_of(int))
    spec: OrderSpec = attrs.field(validator=v.instance_of(OrderSpec))
    decided_at: datetime = attrs.field(validator=v.utc_datetime)
    updated_at: datetime = attrs.field(validator=v.utc_datetime)
    arrival_price: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    expected_edge_bps: float | None = None
    execution_policy: str = "market"
    config_hash: str = ""
    model_hash: str = ""
    cost_model_hash: str = ""
    status: IntentStatus = attrs.field(default=S.CREATED, validator=v.instance_of(S))
    broker_order_id: str | None = None
    filled_qty: Decimal = attrs.field(default=_ZERO, validator=v.non_negative_decimal)
    filled_notional: Decimal = attrs.field(
        default=_ZERO, validator=v.non_negative_decimal
    )
    fees: Decimal = attrs.field(default=_ZERO, validator=v.non_negative_decimal)
    execution_ids: tuple[str, ...] = ()
    reason: str | None = None
    parent_client_order_id: str | None = None
    #: Optimistic-concurrency version, owned by the store (0 = never stored).
    version: int = 0

    @classmethod
    def create(
        cls,
        key: DecisionKey,
        spec: OrderSpec,
        *,
        decided_at: datetime,
        attempt: int = 1,
        **context: object,
    ) -> OrderIntent:
        """Build a CREATED intent for ``attempt`` of the decision ``key``.

        ``context`` takes the optional fields (arrival price, expected edge, policy,
        hashes, parent id). The spec must agree with the key on symbol, side and qty.

        Raises:
            InvalidInput: the spec contradicts the key, or a field is invalid.
        """
        cls.check_spec(key, spec)
        return cls(
            client_order_id=client_order_id(key, attempt),
            decision_key=key,
            attempt=attempt,
            spec=spec,
            decided_at=decided_at,
            updated_at=decided_at,
            **context,  # type: ignore[arg-type]
        )

    @staticmethod
    def check_spec(key: DecisionKey, spec: OrderSpec) -> None:
        """Require ``spec`` to agree with ``key`` on symbol, side and qty.

        Raises:
            InvalidInput: the spec contradicts the key.
        """
        if spec.symbol != key.symbol:
            raise InvalidInput("spec.symbol", spec.symbol, f"key says {key.symbol}")
        if spec.side is not key.side:
            raise InvalidInput(
                "spec.side", spec.side.value, f"key says {key.side.value}"
            )
        if spec.qty is not None and spec.qty != key.qty:
            raise InvalidInput("spec.qty", spec.qty, f"key says {key.qty}")

    @property
    def is_terminal(self) -> bool:
        """Whether the intent's life is over (no more status changes, late fills aside)."""
        return self.status in TERMINAL

    @property
    def avg_fill_price(self) -> Decimal | None:
        """Volume-weighted average fill price, or ``None`` before the first fill."""
        if self.filled_qty == 0:
            return None
        return self.filled_notional / self.filled_qty

    @property
    def remaining_qty(self) -> Decimal | None:
        """Quantity still to fill (``None`` for notional orders)."""
        if self.spec.qty is None:
            return None
        return self.spec.qty - self.filled_qty


def next_attempt(intent: OrderIntent, at: datetime) -> OrderIntent:
    """The same decision's next attempt: a fresh CREATED intent under a new id.

    Used when an attempt ended without reaching the market (FAILED: never sent, or
    lost by the broker), because a broker refuses a client order id it has ever
    seen. Everything the decision depended on is kept; the status is reset.

    Raises:
        InvalidInput: the attempt number would pass the maximum.
    """
    attempt = intent.attempt + 1
    return OrderIntent(
        client_order_id=client_order_id(intent.decision_key, attempt),
        decision_key=intent.decision_key,
        attempt=attempt,
        spec=intent.spec,
        decided_at=intent.decided_at,
        updated_at=max(at, intent.updated_at),
        arrival_price=intent.arrival_price,
        expected_edge_bps=intent.expected_edge_bps,
        execution_policy=intent.execution_policy,
        config_hash=intent.config_hash,
        model_hash=intent.model_hash,
        cost_model_hash=intent.cost_model_hash,
        parent_client_order_id=intent.parent_client_order_id,
    )


@attrs.frozen(slots=True)
class Applied:
    """The result of applying an event: the new intent and what, if anything, changed."""

    intent: OrderIntent
    #: The fill that was newly counted, if the event carried one not seen before.
    new_fill: Fill | None = None
    #: Why the event changed nothing (duplicate, stale), or ``None`` if it changed something.
    ignored: str | None = None
    #: The verdict (REJECTED or FAILED) a new fill just overruled, if it did.
    overruled: IntentStatus | None = None


#: :class:`Applied` has no validator: its trusted builder is the same value, built
#: without a call per field (an event is applied per order several times).
_applied = trusted_builder(Applied)


def transition(
    intent: OrderIntent, target: IntentStatus, at: datetime, **changes: Any
) -> OrderIntent:
    """Move ``intent`` to ``target`` if the transition table allows it.

    Raises:
        IllegalTransition: the move is not allowed from the current status.
    """
    return _moved(intent, target, at, replace, changes)


def _move(
    intent: OrderIntent, target: IntentStatus, at: datetime, **changes: Any
) -> OrderIntent:
    """:func:`transition` for an event's change, without re-running validators.

    Every field an event changes is built from validated parts, in ways that keep
    them valid: the target is a status of the table, ``updated_at`` the later of
    two UTC instants (the intent's and the event's, which its class validated or
    its trusted builder was promised), the quantities sums of non-negative
    decimals, the reason and broker id fields without a validator. Checking them
    again would only repeat what their parts passed (the property tests hold the
    result to the validating constructor's).

    Raises:
        IllegalTransition: the move is not allowed from the current status.
    """
    return _moved(intent, target, at, trusted_replace, changes)


def _moved(
    intent: OrderIntent,
    target: IntentStatus,
    at: datetime,
    copy: Callable[..., OrderIntent],
    changes: dict[str, Any],
) -> OrderIntent:
    """``intent`` at ``target`` (the table checked), copied by ``copy`` with
    ``changes`` and ``updated_at`` the later of ``at`` and its own."""
    try:
        check_transition(intent.status, target)
    except IllegalTransition as e:
        raise IllegalTransition(f"intent {intent.client_order_id}: {e}") from None
    return copy(intent, status=target, updated_at=max(at, intent.updated_at), **changes)


#: A copy every order makes, generated for its fields (no keyword dictionary,
#: no layout look-up): an intent at a new status and time.
_at_status = trusted_copier(OrderIntent, "status", "updated_at")


#: A fill's copy, its version set in the same copy (a store keeps every fill's
#: intent at its next version: :func:`apply_event_at_version`).
_filled = trusted_copier(
    OrderIntent,
    "status",
    "updated_at",
    "filled_qty",
    "filled_notional",
    "fees",
    "execution_ids",
    "version",
)


def _checked_move(intent: OrderIntent, target: IntentStatus) -> OrderIntent:
    """``intent``, once the table allows its move to ``target`` (as :func:`_moved`
    checks it, with the same error)."""
    try:
        check_transition(intent.status, target)
    except IllegalTransition as e:
        raise IllegalTransition(f"intent {intent.client_order_id}: {e}") from None
    return intent


def mark_submitted(intent: OrderIntent, at: datetime) -> OrderIntent:
    """Record that a send is about to be attempted (persist this *before* the call).

    Every order is marked once. When ``at`` is plainly valid (a ``datetime`` whose
    tzinfo is :data:`UTC`: the validator's own first test), the copy skips the
    validators (:func:`_move`, about 4 K instructions less): the status comes from
    the transition table, which is still checked, and ``updated_at`` is the later
    of ``at`` and the intent's validated instant. A CREATED intent (every new
    order's) is copied without the table's look-up: CREATED -> SUBMITTED is in
    the table (the property tests hold this path to :func:`transition`'s). Any
    other ``at`` goes through :func:`transition`, whose validator accepts or
    refuses it as before.
    """
    if type(at) is datetime and at.tzinfo is UTC:
        if intent.status is S.CREATED:
            later = intent.updated_at if intent.updated_at > at else at  # max()
            return _at_status(intent, S.SUBMITTED, later)
        return _moved(intent, S.SUBMITTED, at, trusted_replace, {})  # _move's work
    return transition(intent, S.SUBMITTED, at)


_submitted_at_version = trusted_copier(OrderIntent, "status", "updated_at", "version")


def mark_submitted_at_version(
    intent: OrderIntent, at: datetime, version: int
) -> OrderIntent:
    """:func:`mark_submitted`'s intent at ``version``, in one copy.

    For a store that keeps a new order as it is marked (at version 1): marking
    and then setting the version made two copies of every order's intent. A
    CREATED intent and a plainly valid ``at`` take :func:`mark_submitted`'s own
    shortcut, with the version set in the same copy; anything else is marked by
    :func:`mark_submitted` (raising as it does) and then given the version.
    """
    if intent.status is _CREATED and type(at) is datetime and at.tzinfo is UTC:
        later = intent.updated_at if intent.updated_at > at else at  # max()
        return _submitted_at_version(intent, _SUBMITTED, later, version)
    return trusted_replace(mark_submitted(intent, at), version=version)


def mark_failed(intent: OrderIntent, reason: str, at: datetime) -> OrderIntent:
    """Record that the order could not be placed (or the broker lost it)."""
    return transition(intent, S.FAILED, at, reason=reason)


def apply_event(intent: OrderIntent, event: OrderEvent) -> Applied:
    """Apply a broker event to an intent (see the module docstring for the rules).

    Raises:
        IllegalTransition: the event contradicts the intent's status.
        Overfill: the fills would exceed the order quantity.
        InvalidInput: the event is for another order, symbol or side.
    """
    return apply_event_at_version(intent, event, None)


_at_version = trusted_copier(OrderIntent, "version")


def apply_event_at_version(
    intent: OrderIntent, event: OrderEvent, version: int | None
) -> Applied:
    """:func:`apply_event`, the intent it changes given ``version`` (``None``: the
    intent's own); an ignored event's intent is :func:`apply_event`'s, unversioned.

    For a store that keeps the changed intent at its next version: applying and
    then setting the version made two copies of every fill's intent, where the
    fill's own copy (:func:`_apply_fill`'s plain case) can carry the version. The
    rules and the errors are :func:`apply_event`'s, checked in the same order (the
    property tests hold the two equal).

    Raises:
        IllegalTransition: the event contradicts the intent's status.
        Overfill: the fills would exceed the order quantity.
        InvalidInput: the event is for another order, symbol or side.
    """
    if event.client_order_id != intent.client_order_id:
        raise InvalidInput(
            "client_order_id", event.client_order_id, "not this intent's"
        )
    if intent.status is _CREATED:
        raise IllegalTransition(
            f"intent {intent.client_order_id}: {event.kind.value} before it was submitted"
        )
    broker_id = event.broker_order_id
    if (
        event.kind is _ACCEPTED_EVENT
        and intent.status is _ACKED
        and (intent.broker_order_id is not None or not broker_id)
    ):
        # The venue's own ACCEPTED of an order its acknowledgement already moved
        # (every order's): the rules below answer "stale, nothing adopted" after
        # five tests and two calls; the property tests hold this answer to theirs.
        return _applied(intent=intent, ignored=_STALE_ACCEPTED[_ACKED])
    # The broker's order id rides along with the event's own change: one copy of
    # the intent per event, not two (an ignored event still adopts it). Spelled
    # here, not in a helper: three events per order ask.
    adopted = (
        {"broker_order_id": broker_id}
        if broker_id and intent.broker_order_id is None
        else {}
    )
    if event.kind in FILL_KINDS:
        assert event.fill is not None
        return _apply_fill(intent, event.fill, event, adopted, version)
    if event.kind is K.DONE_FOR_DAY:
        return _ignored(intent, adopted, "done_for_day: order stays working")
    if intent.status in TERMINAL:
        return _ignored(
            intent,
            adopted,
            f"stale {event.kind.value}: intent is {intent.status.value}",
        )
    if event.kind is K.ACCEPTED:
        return _versioned(_apply_accepted(intent, event, adopted), version)
    target = _STATUS_OF_EVENT[event.kind]
    moved = _move(
        intent,
        target,
        event.occurred_at,
        reason=event.reason or intent.reason,
        **adopted,
    )
    return _applied(intent=moved if version is None else _at_version(moved, version))


def _versioned(applied: Applied, version: int | None) -> Applied:
    """``applied`` with its changed intent at ``version`` (``None``, or an ignored
    event: as it is)."""
    if version is None or applied.ignored is not None:
        return applied
    return _applied(
        intent=_at_version(applied.intent, version),
        new_fill=applied.new_fill,
        ignored=None,
        overruled=applied.overruled,
    )


def _ignored(intent: OrderIntent, adopted: dict[str, str], why: str) -> Applied:
    """An event that changes nothing but (perhaps) the broker order id."""
    return _applied(
        intent=trusted_replace(intent, **adopted) if adopted else intent, ignored=why
    )


def _apply_accepted(
    intent: OrderIntent, event: OrderEvent, adopted: dict[str, str]
) -> Applied:
    if intent.status in _PENDING and event.reason in _WORK_REVERT_REASONS:
        working = S.PARTIALLY_FILLED if intent.filled_qty > 0 else S.ACKED
        return _applied(
            intent=_move(
                intent, working, event.occurred_at, reason=event.reason, **adopted
            )
        )
    if intent.status is not S.SUBMITTED:
        return _ignored(intent, adopted, _STALE_ACCEPTED[intent.status])
    return _applied(intent=_move(intent, S.ACKED, event.occurred_at, **adopted))


def acknowledged(
    intent: OrderIntent, broker_order_id: str, at: datetime
) -> OrderIntent:
    """:func:`apply_event` of an ACCEPTED at ``at`` carrying ``broker_order_id``, for
    a SUBMITTED ``intent``: ACKED, the broker id adopted if the intent has none.

    The broker's answer to a submit is such an acknowledgement for nearly every
    order; building the event only to take it apart again is the cost saved.

    Raises:
        IllegalTransition: ``intent`` is not SUBMITTED.
    """
    return acknowledged_at_version(intent, broker_order_id, at, intent.version)


_acked_at_version = trusted_copier(OrderIntent, "status", "updated_at", "version")
_acked_adopting_at_version = trusted_copier(
    OrderIntent, "status", "updated_at", "broker_order_id", "version"
)


def acknowledged_at_version(
    intent: OrderIntent, broker_order_id: str, at: datetime, version: int
) -> OrderIntent:
    """:func:`acknowledged`'s intent at ``version``, in one copy.

    For a store that keeps the acknowledgement as it is built (at the stored
    version + 1): acknowledging and then setting the version made two copies of
    every order's intent.

    Raises:
        IllegalTransition: ``intent`` is not SUBMITTED.
    """
    if intent.status is not _SUBMITTED:
        raise IllegalTransition(
            f"intent {intent.client_order_id}: acknowledged while {intent.status.value}"
        )
    # _move's copy without its table look-up: SUBMITTED -> ACKED is in the table
    # (the test above admits no other start), and the look-up and the two calls
    # around it cost about 4 K instructions of every order's acknowledgement.
    later = intent.updated_at if intent.updated_at > at else at  # max(), spelled
    if broker_order_id and intent.broker_order_id is None:
        return _acked_adopting_at_version(
            intent, _ACKED, later, broker_order_id, version
        )
    return _acked_at_version(intent, _ACKED, later, version)


def _apply_fill(
    intent: OrderIntent,
    fill: Fill,
    event: OrderEvent,
    adopted: dict[str, str],
    version: int | None,
) -> Applied:
    if fill.execution_id in intent.execution_ids:
        return _ignored(intent, adopted, f"duplicate execution {fill.execution_id}")
    if fill.symbol != intent.spec.symbol or fill.side is not intent.spec.side:
        raise InvalidInput(
            "fill", (fill.symbol, fill.side.value), "symbol/side differ from the order"
        )
    filled = intent.filled_qty + fill.qty
    order_qty = intent.spec.qty
    if order_qty is not None and filled > order_qty:
        raise Overfill(
            f"intent {intent.client_order_id}: fills {filled} exceed order qty {order_qty}"
        )
    target = _status_after_fill(intent, filled, event.kind)
    notional = intent.filled_notional + fill.notional
    fees = intent.fees + fill.fee
    execution_ids = (*intent.execution_ids, fill.execution_id)
    if adopted:
        new = _move(
            intent,
            target,
            event.occurred_at,
            filled_qty=filled,
            filled_notional=notional,
            fees=fees,
            execution_ids=execution_ids,
            **adopted,
        )
        if version is not None:
            new = _at_version(new, version)
    else:  # _move's copy, generated for a fill's fields (every fill)
        new = _filled(
            _checked_move(intent, target),
            target,
            max(event.occurred_at, intent.updated_at),
            filled,
            notional,
            fees,
            execution_ids,
            intent.version if version is None else version,
        )
    overruled = intent.status if intent.status in VERDICTS else None
    return _applied(intent=new, new_fill=fill, overruled=overruled)


def _status_after_fill(
    intent: OrderIntent, filled: Decimal, kind: OrderEventKind
) -> IntentStatus:
    complete = (
        filled == intent.spec.qty
        if intent.spec.qty is not None
        else kind is _FILL_EVENT
    )
    if complete:
        return _FILLED
    if intent.status in VERDICTS:
        return S.PARTIALLY_FILLED
    if intent.status in LATE_FILL_ACCEPTING or intent.status in _PENDING:
        return intent.status
    return S.PARTIALLY_FILLED
