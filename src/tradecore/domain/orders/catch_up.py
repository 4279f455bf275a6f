"""Catch-up: the events that bring an intent level with the broker's view of its order.

Used for the acknowledgement of a submit, for adopting an order after a duplicate id,
and by the reconciler after a restart or a stream gap. The broker is the truth: its
filled quantity is counted (as one synthesized fill for the missing part, priced so the
intent's average matches the broker's) and its status is adopted.

A synthesized fill's execution id is a pure function of the order and the quantities
it bridges, so reconciling twice, or in two processes, records it once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tradecore.domain.errors import IntegrityError
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.orders.broker_status import INTENT_STATUS_OF, BrokerOrderStatus
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent, acknowledged
from tradecore.domain.orders.lifecycle import IntentStatus

S = IntentStatus
K = OrderEventKind
_PRICE_STEP = Decimal("1e-10")
_ZERO = Decimal(0)
#: Statuses and kinds read on every order's events, as module constants: on
#: Python 3.11 an enum class's attribute goes through ``EnumType.__getattr__``'s
#: slot hook, about 900 instructions a read (cachegrind), a global's a few.
_SUBMITTED, _ACKED = S.SUBMITTED, S.ACKED

_EVENT_FOR_STATUS: dict[IntentStatus, OrderEventKind] = {
    S.ACKED: K.ACCEPTED,
    S.PENDING_CANCEL: K.PENDING_CANCEL,
    S.PENDING_REPLACE: K.PENDING_REPLACE,
    S.CANCELED: K.CANCELED,
    S.EXPIRED: K.EXPIRED,
    S.REJECTED: K.REJECTED,
    S.REPLACED: K.REPLACED,
}


def synthesized_execution_id(
    client_order_id: str, before: Decimal, after: Decimal
) -> str:
    """Return the deterministic id of a fill the reconciler had to infer."""
    return "recon-" + sha256_hex([client_order_id, before, after])[:32]


def catch_up_events(
    intent: OrderIntent,
    *,
    status: BrokerOrderStatus,
    filled_qty: Decimal,
    filled_avg_price: Decimal | None,
    broker_order_id: str,
    as_of: datetime,
) -> list[OrderEvent]:
    """Return the events that move ``intent`` to the broker's reported state.

    Raises:
        IntegrityError: the broker reports less filled than we already counted, or a
            fill without an average price.
    """
    events: list[OrderEvent] = []
    cid = intent.client_order_id
    if filled_qty < intent.filled_qty:
        raise IntegrityError(
            f"intent {cid}: broker reports {filled_qty} filled, we counted {intent.filled_qty}"
        )
    if intent.status is S.SUBMITTED and filled_qty > 0:
        events.append(_status_event(intent, K.ACCEPTED, broker_order_id, as_of))
    if filled_qty > intent.filled_qty:
        events.append(
            _missing_fill(intent, filled_qty, filled_avg_price, broker_order_id, as_of)
        )
    target = INTENT_STATUS_OF[status]
    kind = _EVENT_FOR_STATUS.get(target)
    if kind is not None and target is not intent.status:
        events.append(_status_event(intent, kind, broker_order_id, as_of))
    return events


def plain_ack(
    intent: OrderIntent,
    *,
    status: BrokerOrderStatus,
    filled_qty: Decimal,
    broker_order_id: str,
    as_of: datetime,
) -> OrderIntent | None:
    """``intent`` caught up, when that is a plain acknowledgement; else ``None``.

    A SUBMITTED intent whose order the broker reports acknowledged with nothing
    filled: :func:`catch_up_events` gives one ACCEPTED, and applying it gives what
    :func:`~tradecore.domain.orders.intent.acknowledged` builds directly (the
    answer to nearly every submit; the property tests hold the two equal).
    """
    if not is_plain_ack(intent, status=status, filled_qty=filled_qty):
        return None
    return acknowledged(intent, broker_order_id, as_of)


def is_plain_ack(
    intent: OrderIntent, *, status: BrokerOrderStatus, filled_qty: Decimal
) -> bool:
    """Whether the broker's answer is a plain acknowledgement of ``intent``
    (:func:`plain_ack` gives an intent exactly then): a store may then keep
    :func:`~tradecore.domain.orders.intent.acknowledged`'s intent itself."""
    return (
        intent.status is _SUBMITTED
        and filled_qty == _ZERO  # a Decimal zero: no conversion per comparison
        and intent.filled_qty == _ZERO
        and INTENT_STATUS_OF[status] is _ACKED
    )


#: A status event is made of validated parts: the intent's id, one of the kinds
#: above, and the later of two validated instants (the broker order's and the
#: intent's). Built without re-running the validators: every acknowledgement of a
#: submit is caught up through one.
_event = trusted_builder(OrderEvent)


def _status_event(
    intent: OrderIntent, kind: OrderEventKind, broker_order_id: str, at: datetime
) -> OrderEvent:
    return _event(
        kind=kind,
        client_order_id=intent.client_order_id,
        occurred_at=at,
        broker_order_id=broker_order_id,
        reason="reconciled",
    )


def _missing_fill(
    intent: OrderIntent,
    filled_qty: Decimal,
    avg_price: Decimal | None,
    broker_order_id: str,
    at: datetime,
) -> OrderEvent:
    cid = intent.client_order_id
    if avg_price is None or avg_price <= 0:
        raise IntegrityError(
            f"intent {cid}: broker reports fills without an average price"
        )
    missing = filled_qty - intent.filled_qty
    notional = avg_price * filled_qty - intent.filled_notional
    price = (notional / missing).quantize(_PRICE_STEP)
    if price <= 0:
        raise IntegrityError(
            f"intent {cid}: broker's average price implies a price <= 0"
        )
    fill = Fill(
        execution_id=synthesized_execution_id(cid, intent.filled_qty, filled_qty),
        client_order_id=cid,
        symbol=intent.spec.symbol,
        side=intent.spec.side,
        qty=missing,
        price=price,
        filled_at=at,
    )
    complete = intent.spec.qty is not None and filled_qty == intent.spec.qty
    return OrderEvent(
        kind=K.FILL if complete else K.PARTIAL_FILL,
        client_order_id=cid,
        occurred_at=at,
        broker_order_id=broker_order_id,
        fill=fill,
        reason="reconciled",
    )
