"""Broker order statuses and the one table mapping each to an intent status.

The values are Alpaca's (alpaca-py ``OrderStatus``), which is the richest set any of
our brokers reports; every adapter translates into this enum at its boundary.
"""

from __future__ import annotations

import enum

from tradecore.domain.orders.lifecycle import IntentStatus


class BrokerOrderStatus(enum.StrEnum):
    """Every status a broker order can have."""

    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    DONE_FOR_DAY = "done_for_day"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REPLACED = "replaced"
    PENDING_CANCEL = "pending_cancel"
    PENDING_REPLACE = "pending_replace"
    PENDING_REVIEW = "pending_review"
    ACCEPTED = "accepted"
    PENDING_NEW = "pending_new"
    ACCEPTED_FOR_BIDDING = "accepted_for_bidding"
    STOPPED = "stopped"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    CALCULATED = "calculated"
    HELD = "held"


B = BrokerOrderStatus
S = IntentStatus

#: Exactly one intent status per broker status. Statuses where the broker is still
#: working the order (held legs, done_for_day, stopped, suspended, calculated) map to
#: the open status that says what we know: acknowledged, possibly partially filled.
#: ``pending_new`` is acknowledged too: the broker has taken the order and given it an
#: id (routed, not yet accepted by the venue); staying SUBMITTED would keep no broker
#: id for an order that exists (docs/alpaca.md: an open status).
INTENT_STATUS_OF: dict[BrokerOrderStatus, IntentStatus] = {
    B.PENDING_NEW: S.ACKED,
    B.ACCEPTED: S.ACKED,
    B.NEW: S.ACKED,
    B.ACCEPTED_FOR_BIDDING: S.ACKED,
    B.PENDING_REVIEW: S.ACKED,
    B.HELD: S.ACKED,
    B.SUSPENDED: S.ACKED,
    B.STOPPED: S.PARTIALLY_FILLED,
    B.CALCULATED: S.PARTIALLY_FILLED,
    B.DONE_FOR_DAY: S.PARTIALLY_FILLED,
    B.PARTIALLY_FILLED: S.PARTIALLY_FILLED,
    B.PENDING_CANCEL: S.PENDING_CANCEL,
    B.PENDING_REPLACE: S.PENDING_REPLACE,
    B.FILLED: S.FILLED,
    B.CANCELED: S.CANCELED,
    B.EXPIRED: S.EXPIRED,
    B.REJECTED: S.REJECTED,
    B.REPLACED: S.REPLACED,
}
