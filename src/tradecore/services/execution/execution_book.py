"""Working net-of-cost orders: TWAP/POV parents and their children, and deadlines.

Why: a scheduled parent is never sent; it lives here while its children are placed
bar by bar (TWAP: when each slice's time comes; POV: a share of the volume the last
bar showed). Child ids come from the parent's decision key and the slice index
(:mod:`tradecore.domain.execution.slicing`), so a restarted engine that re-derives a parent
gets the same ids and the order manager's exactly-once placement sends none twice.

Every order placed through the book has a deadline (a single order: its policy's
horizon; a child: its slice interval; a parent: its horizon plus one slice): what is
still working then is canceled, so an unfilled passive limit does not rest forever
and its shortfall shows up as opportunity cost. Canceling a parent cancels its open
children and abandons the slices not sent yet.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain.execution.parent_record import ParentSchedule
from tradecore.domain.execution.policy import ExecutionPolicy, PolicyChoice
from tradecore.domain.execution.slicing import (
    ChildSlice,
    LotRules,
    PovSlicer,
    twap_slices,
)
from tradecore.domain.orders.intent import OrderIntent

_ZERO = Decimal(0)


@attrs.define(kw_only=True)
class WorkingParent:
    """A scheduled parent: its (unsent) intent, its plan and what was sent."""

    intent: OrderIntent
    decision_id: str
    policy: ExecutionPolicy
    twap: tuple[ChildSlice, ...]
    pov: PovSlicer | None
    deadline: datetime
    slice_interval: timedelta
    next_index: int = 0
    unsent: Decimal = _ZERO
    children: list[OrderIntent] = attrs.Factory(list)
    canceled: bool = False
    #: When the last child was cut (POV cuts at most one per bar).
    last_cut: datetime | None = None

    @property
    def client_order_id(self) -> str:
        """The parent's id (its children's ``parent_client_order_id``)."""
        return self.intent.client_order_id

    @property
    def symbol(self) -> str:
        """The parent's symbol."""
        return self.intent.spec.symbol


class ExecutionBook:
    """Parents being sliced and orders waiting for their deadline, by symbol."""

    def __init__(self, lots: LotRules | None = None) -> None:
        """Start empty; ``lots`` are the size increment and smallest child."""
        self._lots = lots or LotRules()
        self._parents: dict[str, WorkingParent] = {}
        self._deadlines: dict[str, tuple[datetime, OrderIntent]] = {}
        self._symbols: dict[str, int] = {}

    def busy(self, symbol: str) -> bool:
        """Whether anything for ``symbol`` is in the book (cheap per-bar test)."""
        return self._symbols.get(symbol, 0) > 0

    def _count(self, symbol: str, change: int) -> None:
        self._symbols[symbol] = self._symbols.get(symbol, 0) + change

    def add_parent(
        self, parent: OrderIntent, choice: PolicyChoice, decision_id: str, now: datetime
    ) -> WorkingParent:
        """Start working ``parent`` as ``choice`` says (TWAP or POV)."""
        schedule = ParentSchedule(
            policy=choice.policy,
            slices=choice.slices,
            horizon=timedelta(minutes=choice.horizon_minutes),
            participation_cap=choice.participation_cap,
            start=now,
        )
        return self._open(parent, schedule, decision_id)

    def resume_parent(
        self,
        parent: OrderIntent,
        schedule: ParentSchedule,
        decision_id: str,
        children: Sequence[OrderIntent],
    ) -> WorkingParent:
        """Work a parent again after a restart, its ``children`` already sent.

        The schedule is the one the first process made (same start, same slices), so
        the next child is the one it would have sent next, under the same id. Open
        children get their deadlines back; ended ones only count as sent.
        """
        working = self._open(parent, schedule, decision_id)
        ids = {s.client_order_id: s.index for s in working.twap}
        for child in children:
            working.children.append(child)
            working.unsent -= child.spec.qty or _ZERO
            index = ids.get(child.client_order_id, len(working.children) - 1)
            working.next_index = max(working.next_index, index + 1)
            working.last_cut = max(
                working.last_cut or child.decided_at, child.decided_at
            )
            if not child.is_terminal:
                self.expire(child, child.decided_at + working.slice_interval)
        return working

    def _open(
        self, parent: OrderIntent, schedule: ParentSchedule, decision_id: str
    ) -> WorkingParent:
        interval = schedule.horizon / max(schedule.slices, 1)
        key = parent.decision_key
        twap: tuple[ChildSlice, ...] = ()
        pov = None
        if schedule.policy is ExecutionPolicy.POV:
            pov = PovSlicer(
                participation=schedule.participation_cap or 0.1, lots=self._lots
            )
        else:
            twap = twap_slices(
                key,
                slices=schedule.slices,
                start=schedule.start,
                horizon=schedule.horizon,
                lots=self._lots,
            )
        working = WorkingParent(
            intent=parent,
            decision_id=decision_id,
            policy=schedule.policy,
            twap=twap,
            pov=pov,
            deadline=schedule.start + schedule.horizon + interval,
            slice_interval=interval,
            unsent=key.qty,
        )
        self._parents[parent.client_order_id] = working
        self._count(parent.spec.symbol, 1)
        return working

    def due(
        self, symbol: str, now: datetime, bar_volume: float
    ) -> Iterator[tuple[WorkingParent, ChildSlice]]:
        """Yield the children of ``symbol``'s parents that are due now."""
        for parent in list(self._parents.values()):
            if parent.symbol != symbol or parent.canceled or parent.unsent <= 0:
                continue
            child = self._next_child(parent, now, bar_volume)
            while child is not None:
                parent.next_index = child.index + 1
                parent.unsent -= child.qty
                parent.last_cut = now
                yield parent, child
                child = self._next_child(parent, now, bar_volume)

    def _next_child(
        self, parent: WorkingParent, now: datetime, bar_volume: float
    ) -> ChildSlice | None:
        if parent.unsent <= 0:
            return None
        if parent.pov is not None:
            if parent.last_cut is not None and parent.last_cut >= now:
                return None  # one POV child per bar
            return parent.pov.next_slice(
                parent.intent.decision_key,
                index=parent.next_index,
                remaining=parent.unsent,
                observed_volume=bar_volume,
            )
        if parent.next_index >= len(parent.twap):
            return None
        child = parent.twap[parent.next_index]
        assert child.not_before is not None  # TWAP children are timed
        return child if child.not_before <= now else None

    def sent(self, parent: WorkingParent, child: OrderIntent) -> None:
        """Record a placed child (it is canceled if still working a slice later)."""
        parent.children.append(child)
        self.expire(child, child.decided_at + parent.slice_interval)

    def expire(self, intent: OrderIntent, at: datetime) -> None:
        """Cancel ``intent`` at ``at`` if it is still working then."""
        self._deadlines[intent.client_order_id] = (at, intent)
        self._count(intent.spec.symbol, 1)

    def overdue(
        self, symbol: str, now: datetime
    ) -> tuple[list[OrderIntent], list[tuple[WorkingParent, Decimal]]]:
        """Take ``symbol``'s orders and parents past their deadline out of the book.

        Returns the orders to cancel, and the parents ended with what they never sent.
        """
        late = [
            intent
            for cid, (at, intent) in self._deadlines.items()
            if at <= now and intent.spec.symbol == symbol
        ]
        for intent in late:
            del self._deadlines[intent.client_order_id]
            self._count(symbol, -1)
        ended = [
            (parent, self._finish(parent))
            for parent in list(self._parents.values())
            if parent.symbol == symbol and parent.deadline <= now
        ]
        return late, ended

    def finished(self, client_order_id: str) -> None:
        """Forget a deadline once its order ended (filled, canceled, rejected)."""
        entry = self._deadlines.pop(client_order_id, None)
        if entry is not None:
            self._count(entry[1].spec.symbol, -1)

    def cancel_parent(self, client_order_id: str) -> tuple[WorkingParent, Decimal]:
        """Stop a parent: no more children; return it and the quantity never sent.

        Raises:
            KeyError: no such parent is working.
        """
        parent = self._parents[client_order_id]
        return parent, self._finish(parent)

    def _finish(self, parent: WorkingParent) -> Decimal:
        unsent = parent.unsent
        parent.canceled = True
        parent.unsent = _ZERO
        if self._parents.pop(parent.client_order_id, None) is not None:
            self._count(parent.symbol, -1)
        return unsent

    def parent_ids(self) -> tuple[str, ...]:
        """Return the ids of the parents still being worked."""
        return tuple(self._parents)

    def parent(self, client_order_id: str) -> WorkingParent | None:
        """Return a working parent by id (``None`` when finished or unknown)."""
        return self._parents.get(client_order_id)
