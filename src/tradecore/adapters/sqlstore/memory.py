"""In-memory mirrors of the order-path tables, with a per-transaction undo journal.

The write-behind store (:mod:`.write_behind`) answers the hot repositories — intents,
fills, decisions and outcomes — from these mirrors and writes the rows they mark as
pending to the database in bulk. Each mirror keeps the port's contract (idempotent
creates, version and transition checks, the same orderings) so callers cannot tell
it from the SQL repositories; :meth:`rollback` restores the last committed state.

Memory stays bounded by the commit batch, not by the run: after each commit the
store calls ``evict()``, and the mirrors drop what is durable and settled (terminal
intents, recorded fills, decisions and outcomes), keeping only their ids (what an
idempotent create must recognise). A read of a dropped row goes to the database
(:data:`SqlReader`: the active unit's SQL transaction, with pending rows flushed
into it first): a single row is recalled into memory, a bulk read is answered by
the SQL repository.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from tradecore.adapters.sqlstore import codec, hot_path
from tradecore.adapters.sqlstore.plain_checks import (
    plain_fill,
    validate_spec_and_key,
)
from tradecore.domain.errors import ConcurrencyConflict, IllegalTransition, NotFound
from tradecore.domain.frozen import trusted_copier
from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import (
    Applied,
    OrderIntent,
    acknowledged_at_version,
    apply_event_at_version,
    mark_submitted_at_version,
)
from tradecore.domain.orders.lifecycle import TERMINAL, IntentStatus, check_transition
from tradecore.domain.orders.records import DecisionRecord, OutcomeRecord
from tradecore.ports.store import DecisionRepository, FillRepository, IntentRepository

#: Returns the active unit's SQL unit of work with every pending row flushed into it.
SqlReader = Callable[[], Any]


#: An intent at a new version: trusted_replace(intent, version=...) generated for
#: that one field (each order's insert and updates).
_at_version = trusted_copier(OrderIntent, "version")


def _no_reader() -> Any:
    raise NotFound("this mirror has no database behind it")


def _validate_new(intent: OrderIntent) -> None:
    """Check a new intent as the SQL store's encoder does (its spec and key too)."""
    hot_path.validate_intent(intent)
    validate_spec_and_key(intent.spec, intent.decision_key)


def _by_decision_time(intents: Iterable[OrderIntent]) -> list[OrderIntent]:
    return sorted(intents, key=lambda i: (i.decided_at, i.client_order_id))


class IntentMirror(IntentRepository):
    """Every intent of the store, by client order id; see the port for the contract."""

    def __init__(
        self, stored: Iterable[OrderIntent], sql: SqlReader = _no_reader
    ) -> None:
        self._rows: dict[str, OrderIntent] = {i.client_order_id: i for i in stored}
        self._sql = sql
        #: Ids of settled intents dropped from memory (their rows are durable).
        self._evicted: set[str] = set()
        #: version of each row as the database holds it (absent: not written yet)
        self.db_version: dict[str, int] = {k: i.version for k, i in self._rows.items()}
        self.pending: set[str] = set()
        self._undo: dict[str, OrderIntent | None] = {}
        self._undo_db: dict[str, int | None] = {}

    def create(self, intent: OrderIntent) -> OrderIntent:
        """Store a new intent at version 1, or return the stored one (idempotent)."""
        stored = self.find(intent.client_order_id)
        if stored is not None:
            return stored
        _validate_new(intent)
        # ``version`` has no validator: replace() would only look its name up
        # (about 2 K instructions); the trusted copy is the same value.
        return self._put(_at_version(intent, 1))

    def insert(self, intent: OrderIntent) -> OrderIntent | None:
        """Store a new intent at version 1, or ``None`` if its id is stored.

        A new id (once per order) is told by two look-ups here, before
        :meth:`find` is called for a held or dropped one; the checks of
        :func:`_validate_new` are made inline (a call each cost more).
        """
        cid = intent.client_order_id
        if cid in self._rows or (cid in self._evicted and self.find(cid) is not None):
            return None
        hot_path.validate_intent(intent)
        validate_spec_and_key(intent.spec, intent.decision_key)
        # ``version`` has no validator: replace() would only look its name up
        # (about 2 K instructions); the trusted copy is the same value.
        return self._put(_at_version(intent, 1))

    def insert_submitted(self, intent: OrderIntent, at: datetime) -> OrderIntent | None:
        """:meth:`insert` of the intent marked SUBMITTED at ``at``, or ``None``.

        Marked and given version 1 in one copy (every new order is stored this
        way), before its id is looked up, as the port asks.
        """
        marked = mark_submitted_at_version(intent, at, 1)
        cid = marked.client_order_id
        if cid in self._rows or (cid in self._evicted and self.find(cid) is not None):
            return None
        hot_path.validate_intent(marked)
        validate_spec_and_key(marked.spec, marked.decision_key)
        return self._put(marked)

    def get(self, client_order_id: str) -> OrderIntent:
        """Return the intent or raise :class:`NotFound`."""
        found = self.find(client_order_id)
        if found is None:
            raise NotFound(f"no intent {client_order_id!r}")
        return found

    def find(self, client_order_id: str) -> OrderIntent | None:
        """Return the intent, or ``None``."""
        found = self._rows.get(client_order_id)
        if found is None and client_order_id in self._evicted:
            found = self._recall(client_order_id)
        return found

    def _recall(self, cid: str) -> OrderIntent:
        """Bring a dropped intent back from the database (a late event, a re-run)."""
        intent: OrderIntent = self._sql().intents.get(cid)
        self._evicted.discard(cid)
        self._rows[cid] = intent
        self.db_version[cid] = intent.version
        return intent

    def evict(self) -> None:
        """Drop settled (terminal) intents; call only right after a commit."""
        settled = [c for c, i in self._rows.items() if i.status in TERMINAL]
        for cid in settled:
            del self._rows[cid]
            self.db_version.pop(cid, None)
        self._evicted.update(settled)

    def find_many(self, client_order_ids: Iterable[str]) -> dict[str, OrderIntent]:
        """Return the intents among ``client_order_ids`` (absent ids left out)."""
        found = {}
        for cid in client_order_ids:
            intent = self.find(cid)  # a dropped one is recalled
            if intent is not None:
                found[cid] = intent
        return found

    def update(self, intent: OrderIntent) -> OrderIntent:
        """Store ``intent`` over its stored version (checked) at version + 1."""
        # The domain built ``intent`` through validated transitions; a copy with a
        # new version needs no second check of every field (``version`` has no
        # validator at all: the trusted copy skips replace()'s look-up of its name).
        return self._store_over(intent, _at_version(intent, intent.version + 1))

    def update_acknowledged(
        self, intent: OrderIntent, broker_order_id: str, at: datetime
    ) -> OrderIntent:
        """:meth:`update` of the intent acknowledged at ``at``.

        Acknowledged and given its new version in one copy (every order's plain
        acknowledgement), after the same checks, in the same order, as
        acknowledging and then :meth:`update` make.
        """
        acked = acknowledged_at_version(intent, broker_order_id, at, intent.version + 1)
        return self._store_over(intent, acked)

    def update_by_event(self, intent: OrderIntent, event: OrderEvent) -> Applied:
        """:meth:`update` of the intent ``event`` changes, if it changes it.

        Applied with the changed intent at its new version in one copy (every
        fill's), then stored after the same checks, in the same order, as
        applying and then :meth:`update` make.
        """
        applied = apply_event_at_version(intent, event, intent.version + 1)
        if applied.ignored is None:
            self._store_over(intent, applied.intent)
        return applied

    def _store_over(self, based_on: OrderIntent, moved: OrderIntent) -> OrderIntent:
        """Store ``moved`` over the stored version ``based_on`` was read at, checked.

        The version and the stored status's transition to ``moved``'s are checked
        as :meth:`update` promises; stored as :meth:`_put` stores it, inline (two
        updates an order).
        """
        cid = based_on.client_order_id
        stored = self._rows.get(cid)  # the hot case: held in memory
        if stored is None:
            stored = self.get(cid)
        if stored.version != based_on.version:
            raise ConcurrencyConflict(
                f"intent {cid}: stored version {stored.version}, "
                f"update was based on {based_on.version}"
            )
        try:
            check_transition(stored.status, moved.status)
        except IllegalTransition as e:
            raise IllegalTransition(f"intent {cid}: {e}") from None
        if cid not in self._undo:
            self._undo[cid] = stored
        self._rows[cid] = moved
        self.pending.add(cid)
        return moved

    def update_many(self, intents: Sequence[OrderIntent]) -> list[OrderIntent | None]:
        """Each intent as :meth:`update` stores it, or ``None`` where it would raise."""
        stored: list[OrderIntent | None] = []
        for intent in intents:
            try:
                stored.append(self.update(intent))
            except (ConcurrencyConflict, IllegalTransition, NotFound):
                stored.append(None)
        return stored

    def statuses(self, client_order_ids: Iterable[str]) -> dict[str, IntentStatus]:
        """Return the status of each intent among ``client_order_ids``."""
        return {cid: i.status for cid, i in self.find_many(client_order_ids).items()}

    def open_symbols(self) -> frozenset[str]:
        """Return the symbols of every non-terminal intent."""
        return frozenset(
            i.spec.symbol for i in self._rows.values() if i.status not in TERMINAL
        )

    def open_intents(self) -> Sequence[OrderIntent]:
        """Return every non-terminal intent, oldest decision first."""
        return _by_decision_time(
            i for i in self._rows.values() if i.status not in TERMINAL
        )

    def by_status(self, *statuses: IntentStatus) -> Sequence[OrderIntent]:
        """Return intents in any of ``statuses``, oldest decision first."""
        wanted = {IntentStatus(s) for s in statuses}
        if self._evicted and not wanted.isdisjoint(TERMINAL):
            return self._sql().intents.by_status(*wanted)  # type: ignore[no-any-return]
        return _by_decision_time(i for i in self._rows.values() if i.status in wanted)

    def by_status_since(
        self, since: datetime, *statuses: IntentStatus
    ) -> Sequence[OrderIntent]:
        """Return intents in ``statuses`` decided at or after ``since``."""
        wanted = {IntentStatus(s) for s in statuses}
        if self._evicted and not wanted.isdisjoint(TERMINAL):
            return self._sql().intents.by_status_since(since, *wanted)  # type: ignore[no-any-return]
        return _by_decision_time(
            i
            for i in self._rows.values()
            if i.status in wanted and i.decided_at >= since
        )

    def unwritten(self) -> list[tuple[OrderIntent, int | None]]:
        """The pending intents by client order id, each with the version the
        database holds (``None``: not written yet): what a flush writes, read in
        one pass rather than three calls per row."""
        rows, versions = self._rows, self.db_version
        found = []
        for cid in sorted(self.pending):
            intent = rows.get(cid)
            if intent is None:  # not expected (pending rows are held): read it
                intent = self.get(cid)
            found.append((intent, versions.get(cid)))
        return found

    def all_written(self, intents: Iterable[OrderIntent]) -> None:
        """:meth:`written` for each of ``intents`` at its version, in one call
        (the flush notes every intent it wrote: a call each cost more)."""
        undo, versions = self._undo_db, self.db_version
        for intent in intents:
            cid = intent.client_order_id
            if cid not in undo:
                undo[cid] = versions.get(cid)
            versions[cid] = intent.version

    def written(self, cid: str, version: int) -> None:
        """Note that the database now holds ``cid`` at ``version`` (in this txn)."""
        if cid not in self._undo_db:
            self._undo_db[cid] = self.db_version.get(cid)
        self.db_version[cid] = version

    def commit(self) -> None:
        """Forget the undo journal: the transaction is durable."""
        self._undo.clear()
        self._undo_db.clear()

    def rollback(self) -> None:
        """Restore every row and database version touched since the last commit."""
        for cid, before in self._undo.items():
            if before is None:
                del self._rows[cid]
            else:
                self._rows[cid] = before
        for cid, version in self._undo_db.items():
            if version is None:
                self.db_version.pop(cid, None)
            else:
                self.db_version[cid] = version
        self._undo.clear()
        self._undo_db.clear()
        self.pending.clear()

    def _put(self, intent: OrderIntent) -> OrderIntent:
        cid = intent.client_order_id
        if cid not in self._undo:
            self._undo[cid] = self._rows.get(cid)
        self._rows[cid] = intent
        self.pending.add(cid)
        return intent


class FillMirror(FillRepository):
    """Every fill, in recording order, unique on execution id."""

    def __init__(
        self, stored: Iterable[Fill], intents: IntentMirror, sql: SqlReader = _no_reader
    ) -> None:
        self._fills: list[Fill] = list(stored)
        self._ids = {f.execution_id for f in self._fills}
        self._intents = intents
        self._sql = sql
        #: Recording position of ``_fills[0]``: fills before it were dropped.
        self._base = 0
        self.flushed = len(self._fills)
        self._committed = len(self._fills)

    def record(self, fill: Fill) -> bool:
        """Store ``fill`` unless its execution id is stored; say whether it was new."""
        if fill.execution_id in self._ids:
            return False
        if self._intents.find(fill.client_order_id) is None:
            raise NotFound(f"no intent {fill.client_order_id!r} for this fill")
        if not plain_fill(fill):  # validate_fill's own test, without its call
            codec.validate(fill)
        self._fills.append(fill)
        self._ids.add(fill.execution_id)
        return True

    def for_order(self, client_order_id: str) -> Sequence[Fill]:
        """Return one order's fills in execution order."""
        if self._base:
            return self._sql().fills.for_order(client_order_id)  # type: ignore[no-any-return]
        return self._ordered(
            f for f in self._fills if f.client_order_id == client_order_id
        )

    def all(self) -> Sequence[Fill]:
        """Return every fill in execution order."""
        if self._base:
            return self._sql().fills.all()  # type: ignore[no-any-return]
        return self._ordered(self._fills)

    def recorded_after(self, mark: int) -> tuple[Sequence[Fill], int]:
        """Fills after position ``mark`` of the recording order, and the new end."""
        end = self._base + len(self._fills)
        if mark < self._base:
            return self._sql().fills.recorded_after(mark)  # type: ignore[no-any-return]
        return list(self._fills[min(mark, end) - self._base :]), end

    def unflushed(self) -> Sequence[Fill]:
        """Fills recorded since the last write to the database."""
        return self._fills[self.flushed :]

    def mark_flushed(self) -> None:
        """Note that every fill so far is in the database's transaction."""
        self.flushed = len(self._fills)

    def commit(self) -> None:
        """Mark every fill durable."""
        self._committed = self.flushed = len(self._fills)

    def evict(self) -> None:
        """Drop the (durable) fills, keeping their ids; call only after a commit."""
        self._base += len(self._fills)
        self._fills.clear()
        self._committed = self.flushed = 0

    def rollback(self) -> None:
        """Drop fills recorded since the last commit."""
        for fill in self._fills[self._committed :]:
            self._ids.discard(fill.execution_id)
        del self._fills[self._committed :]
        self.flushed = self._committed

    @staticmethod
    def _ordered(fills: Iterable[Fill]) -> list[Fill]:
        # The SQL store orders by (filled_at, insertion id); sorted() is stable.
        return sorted(fills, key=lambda f: f.filled_at)


class DecisionMirror(DecisionRepository):
    """Decisions and their one outcome each, in recording order."""

    def __init__(
        self,
        decisions: Iterable[DecisionRecord],
        outcomes: Iterable[OutcomeRecord],
        sql: SqlReader = _no_reader,
    ) -> None:
        self._decisions: dict[str, DecisionRecord] = {
            d.decision_id: d for d in decisions
        }
        self._outcomes: dict[str, OutcomeRecord] = {o.decision_id: o for o in outcomes}
        #: (decided_at, decision_id) of every decision, sorted: a range read is cheap.
        self._order = sorted(_decision_order(d) for d in self._decisions.values())
        self._new_decisions: list[str] = []
        self._new_outcomes: list[str] = []
        self.flushed_decisions = 0
        self.flushed_outcomes = 0
        self._sql = sql
        #: Ids of decisions and of outcomes dropped from memory (rows are durable).
        self._gone_decisions: set[str] = set()
        self._gone_outcomes: set[str] = set()

    def record_decision(self, record: DecisionRecord) -> bool:
        """Store a decision unless its id is stored.

        Decisions nearly always come in time order: one that sorts after the
        last is appended (one comparison) rather than placed by binary search
        (a dozen comparisons of instants); the order is the same.
        """
        key = record.decision_id
        if key in self._decisions or key in self._gone_decisions:
            return False
        self._decisions[key] = record
        order = self._order
        entry = (record.decided_at, key)  # _decision_order(record), spelled inline
        if not order or order[-1] <= entry:
            order.append(entry)
        else:
            insort(order, entry)
        self._new_decisions.append(key)
        return True

    def record_outcome(self, outcome: OutcomeRecord) -> bool:
        """Store the decision's one outcome; :class:`NotFound` if no such decision."""
        key = outcome.decision_id
        if key not in self._decisions and key not in self._gone_decisions:
            raise NotFound(f"no decision {key!r}")
        if key in self._outcomes or key in self._gone_outcomes:
            return False
        self._outcomes[key] = outcome
        self._new_outcomes.append(key)
        return True

    def outcome(self, decision_id: str) -> OutcomeRecord | None:
        """Return the decision's outcome, or ``None``."""
        if decision_id in self._gone_outcomes:
            return self._sql().decisions.outcome(decision_id)  # type: ignore[no-any-return]
        return self._outcomes.get(decision_id)

    @property
    def _partial(self) -> bool:
        """Whether some records live only in the database."""
        return bool(self._gone_decisions)

    def all_decisions(self) -> Sequence[DecisionRecord]:
        """Return every decision, oldest first."""
        if self._partial:
            return self._sql().decisions.all_decisions()  # type: ignore[no-any-return]
        return [self._decisions[k] for _, k in self._order]

    def decisions_since(self, since: datetime) -> Sequence[DecisionRecord]:
        """Return decisions decided at or after ``since``, oldest first."""
        if self._partial:
            return self._sql().decisions.decisions_since(since)  # type: ignore[no-any-return]
        start = bisect_left(self._order, (since, ""))
        return [self._decisions[k] for _, k in self._order[start:]]

    def outcomes_since(self, since: datetime) -> Sequence[OutcomeRecord]:
        """Return outcomes of decisions decided at or after ``since``."""
        if self._partial:
            return self._sql().decisions.outcomes_since(since)  # type: ignore[no-any-return]
        return [
            self._outcomes[d.decision_id]
            for d in self.decisions_since(since)
            if d.decision_id in self._outcomes
        ]

    def all_outcomes(self) -> Sequence[OutcomeRecord]:
        """Return every outcome in the order of their decisions."""
        if self._partial:
            return self._sql().decisions.all_outcomes()  # type: ignore[no-any-return]
        order = self.all_decisions()
        return [
            self._outcomes[d.decision_id]
            for d in order
            if d.decision_id in self._outcomes
        ]

    def decisions_without_outcome(self) -> Sequence[DecisionRecord]:
        """Return decisions with no outcome yet, oldest first."""
        if self._partial:
            return self._sql().decisions.decisions_without_outcome()  # type: ignore[no-any-return]
        return [d for d in self.all_decisions() if d.decision_id not in self._outcomes]

    def unflushed(self) -> tuple[list[DecisionRecord], list[OutcomeRecord]]:
        """Decisions and outcomes recorded since the last write to the database."""
        decisions = [
            self._decisions[k] for k in self._new_decisions[self.flushed_decisions :]
        ]
        outcomes = [
            self._outcomes[k] for k in self._new_outcomes[self.flushed_outcomes :]
        ]
        return decisions, outcomes

    def mark_flushed(self) -> None:
        """Note that every record so far is in the database's transaction."""
        self.flushed_decisions = len(self._new_decisions)
        self.flushed_outcomes = len(self._new_outcomes)

    def commit(self) -> None:
        """Mark every record durable."""
        self._new_decisions.clear()
        self._new_outcomes.clear()
        self.flushed_decisions = self.flushed_outcomes = 0

    def evict(self) -> None:
        """Drop every (durable) record, keeping the ids; call only after a commit."""
        self._gone_decisions.update(self._decisions)
        self._gone_outcomes.update(self._outcomes)
        self._decisions.clear()
        self._outcomes.clear()
        self._order.clear()

    def rollback(self) -> None:
        """Drop records made since the last commit."""
        for key in self._new_outcomes:
            del self._outcomes[key]
        for key in self._new_decisions:
            self._order.remove(_decision_order(self._decisions.pop(key)))
        self.commit()


def _decision_order(d: DecisionRecord) -> tuple[datetime, str]:
    return (d.decided_at, d.decision_id)
