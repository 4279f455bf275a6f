"""What the store gained since the last cycle, read without re-reading the whole day.

:class:`StoreCursor` keeps high-water marks so each cycle reads only the recent end
of the store:

* **decisions** decided at or after the newest ``decided_at`` seen (the
  ``decisions.decided_at`` index), minus the ids already seen at exactly that time;
* **outcomes** of the decisions seen that had none yet, read from the oldest such
  decision's time on (a decision a crash left without an outcome keeps that horizon
  back until recovery records one);
* **fills** stored after the last fill's row (the store's opaque fill mark);
* **broker rejects** among intents decided at or after the oldest intent that was
  open last cycle (or the cycle's time, less a minute of clock slack): an intent can
  only become rejected while it is open, so nothing older can be new.

Why: reading every outcome, decision and fill each cycle is O(n) per cycle, O(n^2)
over a live day. The marks assume the clock stamping decisions does not run
backwards by more than the ids at one instant (the same assumption the store's own
orderings make).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeRecord
from tradecore.ports.store import UnitOfWork

#: How far a clock may step back without a reject being missed.
_CLOCK_SLACK = timedelta(minutes=1)


@attrs.frozen
class CycleNews:
    """What one cycle added to the store."""

    decisions: Sequence[DecisionRecord]
    outcomes: Sequence[OutcomeRecord]
    fills: Sequence[Fill]
    rejects: Sequence[OrderIntent]


class StoreCursor:
    """High-water marks over decisions, outcomes, fills and rejects; see the module."""

    def __init__(self) -> None:
        """Nothing seen yet; call :meth:`start` before :meth:`advance`."""
        self._fill_mark = 0
        self._decided_mark: datetime | None = None
        self._at_mark: set[str] = set()
        self._pending: dict[str, datetime] = {}
        self._reject_mark: datetime | None = None
        self._rejects_seen: dict[str, datetime] = {}

    def start(self, uow: UnitOfWork, now: datetime) -> Sequence[DecisionRecord]:
        """Mark everything the store holds as seen; return the decisions stored.

        Decisions still without an outcome stay open: their outcome counts when it
        lands. The caller reads the returned decisions' predictions (a fill after a
        restart is still compared with the cost its decision predicted).
        """
        decisions = uow.decisions.all_decisions()
        self._take_decisions(decisions)
        self._pending = {
            d.decision_id: d.decided_at
            for d in uow.decisions.decisions_without_outcome()
        }
        _, self._fill_mark = uow.fills.recorded_after(0)
        rejected = uow.intents.by_status(IntentStatus.REJECTED)
        self._rejects_seen = {i.client_order_id: i.decided_at for i in rejected}
        self._move_reject_mark(uow.intents.open_intents(), now)
        return decisions

    def advance(
        self, uow: UnitOfWork, open_intents: Sequence[OrderIntent], now: datetime
    ) -> CycleNews:
        """Return what is new since the last call and move the marks past it."""
        decisions = self._new_decisions(uow)
        outcomes = self._new_outcomes(uow)
        fills, self._fill_mark = uow.fills.recorded_after(self._fill_mark)
        rejects = self._new_rejects(uow)
        self._move_reject_mark(open_intents, now)
        return CycleNews(decisions, outcomes, list(fills), rejects)

    def _new_decisions(self, uow: UnitOfWork) -> list[DecisionRecord]:
        mark = self._decided_mark
        if mark is None:
            found = list(uow.decisions.all_decisions())
        else:
            found = list(uow.decisions.decisions_since(mark))
        new = [d for d in found if d.decision_id not in self._at_mark]
        self._take_decisions(new)
        self._pending.update((d.decision_id, d.decided_at) for d in new)
        return new

    def _take_decisions(self, decisions: Sequence[DecisionRecord]) -> None:
        if not decisions:
            return
        newest = max(d.decided_at for d in decisions)
        if newest != self._decided_mark:
            self._decided_mark, self._at_mark = newest, set()
        self._at_mark.update(d.decision_id for d in decisions if d.decided_at == newest)

    def _new_outcomes(self, uow: UnitOfWork) -> list[OutcomeRecord]:
        if not self._pending:
            return []
        horizon = min(self._pending.values())
        found = uow.decisions.outcomes_since(horizon)
        new = [o for o in found if o.decision_id in self._pending]
        for outcome in new:
            del self._pending[outcome.decision_id]
        return new

    def _new_rejects(self, uow: UnitOfWork) -> list[OrderIntent]:
        if self._reject_mark is None:
            return []
        rejected = uow.intents.by_status_since(self._reject_mark, IntentStatus.REJECTED)
        new = [i for i in rejected if i.client_order_id not in self._rejects_seen]
        self._rejects_seen.update((i.client_order_id, i.decided_at) for i in new)
        return new

    def _move_reject_mark(
        self, open_intents: Sequence[OrderIntent], now: datetime
    ) -> None:
        mark = min([now - _CLOCK_SLACK, *(i.decided_at for i in open_intents)])
        self._reject_mark = mark
        self._rejects_seen = {
            cid: at for cid, at in self._rejects_seen.items() if at >= mark
        }
