"""Catch-up events from REST: what the stream would have said while we were away.

After a reconnect (or a gap in an order's fills, or a ``restated`` event) the broker
re-reads the orders it tracks and their ``FILL`` account activities, and reports,
through the tracker's admission rule, only what was not reported yet:

1. ``accepted``, if the order got past acceptance unseen;
2. every execution from the activities, in cumulative order, with its exact price and
   quantity; if the server has no activities endpoint, one fill for the unreported
   quantity at the implied price, its execution id a pure function of the order and
   its cumulative quantity;
3. the final or pending status, if it was not reported; a working order whose
   pending cancel or replace was reported gets ``accepted`` with reason
   ``cancel_rejected``/``replace_rejected`` (its refusal was missed).

**Fill identity.** Alpaca documents a ``FILL`` activity's ``id`` only as
``<timestamp>::<uuid>`` (the ``TradeActivity`` entity, alpacahq/alpaca-docs
``content/api-references/trading-api/account-activities.md``); nothing in its docs
or in alpaca-py (which has no activities client, hence no fixture) says the uuid is
the stream's ``execution_id``. So neither is used as the fill's identity: every
fill, streamed or recovered, is named by :func:`fill_execution_id` — the order id
and the order's cumulative filled quantity after the fill (``filled_qty`` of the
stream frame's order, ``cum_qty`` of the activity). That pair names one execution
on both paths (cumulative quantity only grows), so a fill seen live and recovered
after a restart is recorded once downstream, whatever Alpaca's ids are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from tradecore.adapters.alpaca.mapping import decimal, utc
from tradecore.adapters.alpaca.tracking import REVERT_REASONS, OrderTracker
from tradecore.domain.books.statement import StatementFill
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side
from tradecore.ports.broker import BrokerOrder

B = BrokerOrderStatus
K = OrderEventKind

_STATUS_EVENT = {
    B.CANCELED: K.CANCELED,
    B.EXPIRED: K.EXPIRED,
    B.REJECTED: K.REJECTED,
    B.REPLACED: K.REPLACED,
    B.PENDING_CANCEL: K.PENDING_CANCEL,
    B.PENDING_REPLACE: K.PENDING_REPLACE,
    B.DONE_FOR_DAY: K.DONE_FOR_DAY,
}
_NOT_YET_ACCEPTED = frozenset({B.PENDING_NEW, B.REJECTED})
_WORKING = frozenset({B.NEW, B.ACCEPTED, B.PARTIALLY_FILLED})


def fill_execution_id(broker_order_id: str, cum_qty: Decimal) -> str:
    """Return the id of the fill that took ``broker_order_id`` to ``cum_qty`` filled.

    The same on the stream and in the ``FILL`` activities (module docstring);
    ``10`` and ``10.000`` name the same quantity.
    """
    cum = format(cum_qty.normalize(), "f")
    return "alpaca-" + sha256_hex(["alpaca-fill", broker_order_id, cum])[:33]


def activity_fill(
    activity: dict[str, Any], client_order_id: str
) -> tuple[Fill, Decimal]:
    """Return the execution a ``FILL`` activity records, and the cumulative qty."""
    qty, price = _number(activity, "qty"), _number(activity, "price")
    cum_qty = _number(activity, "cum_qty")
    fill = Fill(
        execution_id=fill_execution_id(str(activity["order_id"]), cum_qty),
        client_order_id=client_order_id,
        symbol=str(activity["symbol"]),
        side=Side(str(activity["side"])),
        qty=qty,
        price=price,
        filled_at=utc(datetime.fromisoformat(str(activity["transaction_time"]))),
    )
    return fill, cum_qty


def statement_fill(activity: dict[str, Any]) -> StatementFill:
    """A ``FILL`` activity as the broker's statement of one execution."""
    order_id = str(activity["order_id"])
    return StatementFill(
        execution_id=fill_execution_id(order_id, _number(activity, "cum_qty")),
        broker_order_id=order_id,
        symbol=str(activity["symbol"]),
        side=Side(str(activity["side"])),
        qty=_number(activity, "qty"),
        price=_number(activity, "price"),
        at=utc(datetime.fromisoformat(str(activity["transaction_time"]))),
    )


def _number(activity: dict[str, Any], key: str) -> Decimal:
    value = decimal(activity.get(key))
    if value is None:
        raise InvalidInput(f"activity.{key}", None, "missing from a FILL activity")
    return value


def catch_up(
    tracker: OrderTracker,
    order: BrokerOrder,
    activities: Sequence[dict[str, Any]] | None,
) -> list[OrderEvent]:
    """Return the unreported events that bring ``order`` up to the broker's state.

    ``activities`` are this order's ``FILL`` activities, or ``None`` when the server
    has no activities endpoint (fills are then inferred from the order).
    """
    tracker.track(order.broker_order_id, order.client_order_id)
    events = list(_accepted(tracker, order))
    if activities is None:
        events += _inferred_fill(tracker, order)
    else:
        events += _activity_fills(tracker, order, activities)
    kind = _STATUS_EVENT.get(order.status)
    if kind is not None:
        event = _event(order, kind, order.updated_at)
        if tracker.admit(event):
            events.append(event)
    elif order.status in _WORKING:
        events += _refusals(tracker, order)
    return events


def _refusals(tracker: OrderTracker, order: BrokerOrder) -> list[OrderEvent]:
    """A reported pending cancel/replace of an order that works on: refused."""
    track = tracker.get(order.broker_order_id)
    events = []
    for reason, pending in REVERT_REASONS.items():
        if track is not None and pending in track.reported:
            event = attrs.evolve(
                _event(order, K.ACCEPTED, order.updated_at), reason=reason
            )
            if tracker.admit(event):
                events.append(event)
    return events


def _event(
    order: BrokerOrder, kind: OrderEventKind, at: datetime, fill: Fill | None = None
) -> OrderEvent:
    return OrderEvent(
        kind=kind,
        client_order_id=order.client_order_id,
        broker_order_id=order.broker_order_id,
        occurred_at=at,
        fill=fill,
        replaced_by=order.replaced_by if kind is K.REPLACED else None,
    )


def _accepted(tracker: OrderTracker, order: BrokerOrder) -> Iterable[OrderEvent]:
    if order.status in _NOT_YET_ACCEPTED:
        return []
    event = _event(order, K.ACCEPTED, order.submitted_at)
    return [event] if tracker.admit(event) else []


def _fill_kind(order: BrokerOrder, cum_qty: Decimal) -> OrderEventKind:
    total = order.spec.qty
    done = cum_qty == total if total is not None else order.status is B.FILLED
    return K.FILL if done else K.PARTIAL_FILL


def _activity_fills(
    tracker: OrderTracker, order: BrokerOrder, activities: Sequence[dict[str, Any]]
) -> list[OrderEvent]:
    parsed = [activity_fill(a, order.client_order_id) for a in activities]
    events = []
    for fill, cum_qty in sorted(parsed, key=lambda pair: pair[1]):
        event = _event(order, _fill_kind(order, cum_qty), fill.filled_at, fill)
        if tracker.admit(event, cum_qty):
            events.append(event)
    return events


def _inferred_fill(tracker: OrderTracker, order: BrokerOrder) -> list[OrderEvent]:
    track = tracker.track(order.broker_order_id, order.client_order_id)
    missing = order.filled_qty - track.filled_qty
    if missing <= 0 or order.filled_avg_price is None:
        return []
    notional = order.filled_avg_price * order.filled_qty - track.filled_notional
    cum = format(order.filled_qty, "f")
    fill = Fill(
        execution_id=sha256_hex(["alpaca-recovered", order.broker_order_id, cum])[:40],
        client_order_id=order.client_order_id,
        symbol=order.spec.symbol,
        side=order.spec.side,
        qty=missing,
        price=notional / missing,
        filled_at=order.updated_at,
    )
    event = _event(order, _fill_kind(order, order.filled_qty), order.updated_at, fill)
    return [event] if tracker.admit(event, order.filled_qty) else []
