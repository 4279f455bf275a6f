"""A sliced parent's status, aggregated from its children, and how to cancel it.

Why: the engine, the report and the reconciler talk about the parent ("the 10,000
AAPL buy is 60% done"), while the broker only knows children. The parent's status is
therefore never stored on its own; it is derived from the children every time, so it
cannot drift from them.

Rules, in order:

1. children filled the parent's quantity → FILLED;
2. any child still open → PENDING_CANCEL if a cancel was requested, else
   PARTIALLY_FILLED once anything filled, else ACKED once any child was accepted,
   else SUBMITTED (or CREATED while no child was sent);
3. no child open but slices remain and no cancel was requested → working: as in 2;
4. otherwise the parent is over: CANCELED if a cancel was requested, else the
   children's ending (all REJECTED → REJECTED, all FAILED → FAILED, any EXPIRED →
   EXPIRED, else CANCELED). Fills on an unfinished parent stay in ``filled_qty``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import TERMINAL, IntentStatus

S = IntentStatus
_ZERO = Decimal(0)
#: Statuses a child only reaches once the broker accepted it.
_ACCEPTED = frozenset(
    {S.ACKED, S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.PENDING_REPLACE}
) | (TERMINAL - {S.REJECTED, S.FAILED})


@attrs.frozen(kw_only=True, slots=True)
class ParentProgress:
    """Where a sliced parent stands."""

    status: IntentStatus
    filled_qty: Decimal
    remaining_qty: Decimal
    open_children: tuple[str, ...]


@attrs.frozen(kw_only=True, slots=True)
class CancelPlan:
    """What canceling a parent takes: broker cancels, and children never to send."""

    cancel_at_broker: tuple[str, ...]
    abandon_unsent: tuple[str, ...]


def aggregate_parent(
    parent_qty: Decimal,
    children: Sequence[OrderIntent],
    *,
    slices_remaining: bool,
    cancel_requested: bool = False,
) -> ParentProgress:
    """Derive the parent's status from its children (see the module rules).

    Raises:
        InvalidInput: the children filled more than the parent's quantity.
    """
    filled = sum((c.filled_qty for c in children), _ZERO)
    if filled > parent_qty:
        raise InvalidInput("children", filled, f"filled more than {parent_qty}")
    open_ids = tuple(c.client_order_id for c in children if c.status not in TERMINAL)
    progress = ParentProgress(
        status=S.FILLED,
        filled_qty=filled,
        remaining_qty=parent_qty - filled,
        open_children=open_ids,
    )
    if filled == parent_qty:
        return progress
    working = open_ids or (slices_remaining and not cancel_requested)
    if working:
        status = _working_status(children, filled, cancel_requested and bool(open_ids))
    else:
        status = _ending_status(children, cancel_requested)
    return attrs.evolve(progress, status=status)


def _working_status(
    children: Sequence[OrderIntent], filled: Decimal, canceling: bool
) -> IntentStatus:
    if canceling:
        return S.PENDING_CANCEL
    if filled > 0:
        return S.PARTIALLY_FILLED
    statuses = {c.status for c in children}
    if statuses & _ACCEPTED:
        return S.ACKED
    if statuses - {S.CREATED}:
        return S.SUBMITTED
    return S.CREATED


def _ending_status(
    children: Sequence[OrderIntent], cancel_requested: bool
) -> IntentStatus:
    statuses = {c.status for c in children}
    if cancel_requested or not statuses:
        return S.CANCELED
    if statuses == {S.REJECTED}:
        return S.REJECTED
    if statuses == {S.FAILED}:
        return S.FAILED
    if S.EXPIRED in statuses:
        return S.EXPIRED
    return S.CANCELED


def cancel_plan(children: Sequence[OrderIntent]) -> CancelPlan:
    """Return the children to cancel at the broker and those never to send.

    Children already pending cancel are left alone (their cancel is in flight).
    """
    at_broker = tuple(
        c.client_order_id
        for c in children
        if c.status not in TERMINAL and c.status not in (S.CREATED, S.PENDING_CANCEL)
    )
    unsent = tuple(c.client_order_id for c in children if c.status is S.CREATED)
    return CancelPlan(cancel_at_broker=at_broker, abandon_unsent=unsent)
