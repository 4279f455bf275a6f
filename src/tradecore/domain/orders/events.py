"""Broker-neutral order events, as every broker adapter reports them."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.executions import Fill


class OrderEventKind(enum.StrEnum):
    """What happened to an order at the broker."""

    ACCEPTED = "accepted"
    PARTIAL_FILL = "partial_fill"
    FILL = "fill"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    REPLACED = "replaced"
    PENDING_CANCEL = "pending_cancel"
    PENDING_REPLACE = "pending_replace"
    DONE_FOR_DAY = "done_for_day"
    FAILED = "failed"


FILL_KINDS = frozenset({OrderEventKind.PARTIAL_FILL, OrderEventKind.FILL})
#: Kinds after which an order works no more without a fill ending it.
ENDING_KINDS = frozenset(
    {
        OrderEventKind.CANCELED,
        OrderEventKind.EXPIRED,
        OrderEventKind.REJECTED,
        OrderEventKind.REPLACED,
        OrderEventKind.FAILED,
    }
)


@attrs.frozen(kw_only=True, slots=True)
class OrderEvent:
    """One order event. Fill events carry the execution; others may carry a reason."""

    kind: OrderEventKind = attrs.field(validator=v.instance_of(OrderEventKind))
    client_order_id: str = attrs.field(validator=v.non_empty_str)
    occurred_at: datetime = attrs.field(validator=v.utc_datetime)
    broker_order_id: str | None = None
    fill: Fill | None = None
    reason: str | None = None
    #: For REPLACED: the broker id of the order that replaces this one.
    replaced_by: str | None = None

    def __attrs_post_init__(self) -> None:
        if (self.kind in FILL_KINDS) != (self.fill is not None):
            raise InvalidInput(
                "fill", self.fill, f"required exactly for fill events ({self.kind})"
            )
        if self.fill is not None and self.fill.client_order_id != self.client_order_id:
            raise InvalidInput(
                "fill.client_order_id",
                self.fill.client_order_id,
                "differs from the event's",
            )
