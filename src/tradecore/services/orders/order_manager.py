"""The exactly-once order manager: persist the intent, then submit, then reconcile.

The rule (docs/architecture.md, "Exactly once"), step by step in :meth:`OrderManager.place`:

1. record the decision and store the intent already marked SUBMITTED (idempotent by
   client order id: one row written once); commit — *before* the broker call, so a
   crash after the call is seen as "maybe sent" on restart, never as "not sent";
2. submit under the intent's client order id;
3. record the acknowledgement and the decision's one outcome; commit.

An intent found stored CREATED (a kill switch's claimed round, or a row left by an
older version that committed CREATED first) is marked SUBMITTED in that same first
commit. The reconciler still fails any CREATED intent it finds as never sent.

Only an answer that proves the order was not taken is a rejection (the broker adapter
raises :class:`BrokerRejected` for those alone). Anything else — a timeout, a dropped
connection, a 5xx, a 408/409/425, an unknown code, an unreadable body — is an *unknown*
outcome: the same id is resubmitted (the broker answers "duplicate" if it already has
the order, and we adopt it). Never a new id, never treated as a reject. A refusal of
such a *retry* says nothing about the first try, so it is settled by looking the id
up, not by believing the refusal. If nothing settles it the intent stays SUBMITTED for
the reconciler.

The broker's fills win over our verdict: a fill for an intent we recorded REJECTED or
FAILED is applied (the intent moves on, the fill is stored, so the ledger follows the
broker), audited as ``fill_after_verdict`` and alerted as ``order.fill_after_verdict``.

A new attempt (a new client order id) for a decision follows only an attempt that
ended FAILED without a fill *and was never acknowledged by the broker*, or one an
operator failed (reason ``operator:...``): an order the broker acknowledged and then
cannot find is an outage until proved otherwise, never a reason to send it again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import attrs

from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.errors import (
    BrokerRejected,
    ConcurrencyConflict,
    DuplicateClientOrderId,
    OrderNotCancelable,
    OrderNotFound,
    TransientBrokerError,
)
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.orders.adoption import leg_intent
from tradecore.domain.orders.catch_up import catch_up_events, is_plain_ack
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import (
    Applied,
    OrderIntent,
    apply_event,
    mark_submitted,
    next_attempt,
)
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import OrderSpec
from tradecore.domain.seeded import SeededGenerator
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.broker import Broker, BrokerOrder
from tradecore.ports.clock import Clock
from tradecore.ports.store import UnitOfWork
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.durability.fault_points import fault_point

log = logging.getLogger(__name__)
#: Enum members read on every order, as module constants: on Python 3.11 an
#: enum class's attribute goes through ``EnumType.__getattr__``'s slot hook,
#: about 900 instructions a read (cachegrind), a global's a few.
_CREATED, _SUBMITTED = IntentStatus.CREATED, IntentStatus.SUBMITTED
_SUBMITTED_OUTCOME = OutcomeKind.SUBMITTED
#: The reason prefix of a decision skipped for a broker rule (``broker_rules:<rule>``).
BROKER_RULES = "broker_rules:"
#: The reason prefix of an intent an operator failed: it may be followed by a new attempt
#: even if the broker had acknowledged it.
OPERATOR_REASON = "operator:"


def breach_details(breach: RuleBreach) -> dict[str, str]:
    """The outcome details of a broker-rule skip: the rule, its message, its source."""
    return {"rule": breach.rule, "message": breach.message, "source": breach.source}


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Bounded, jittered retries of a submit whose outcome is unknown."""

    attempts: int = 4
    base_delay_s: float = 0.25
    max_delay_s: float = 5.0
    seed: int = 0


class OrderManager:
    """Places intents exactly once and applies the broker's events to them."""

    def __init__(
        self,
        broker: Broker,
        clock: Clock,
        commits: CommitPolicy,
        *,
        retry: RetryPolicy | None = None,
        resend_known: bool = False,
        max_attempts: int = 3,
        alerter: Alerter | None = None,
    ) -> None:
        """Wire the manager.

        Args:
            broker: where orders go.
            clock: the source of "now" and of waiting between retries.
            commits: when store writes become durable.
            retry: how unknown submit outcomes are retried.
            resend_known: replay resume only: the broker is a *fresh* deterministic
                simulation, so intents already stored are sent again under their same
                ids to rebuild its state (store writes are idempotent no-ops).
            max_attempts: how many attempts one decision key may use when earlier
                ones failed without reaching the market.
            alerter: hears of fills that overrule a REJECTED/FAILED verdict.
        """
        self._broker = broker
        self._clock = clock
        self._commits = commits
        self._retry = retry or RetryPolicy()
        self._rng = SeededGenerator(self._retry.seed)
        self._resend_known = resend_known
        self._max_attempts = max_attempts
        self._alerter = alerter
        #: Client order ids of events for orders we hold no intent for -> broker id.
        self._unknown: dict[str, str | None] = {}
        #: Broker ids of our entries' bracket legs -> the entry's client order id.
        self._leg_parents: dict[str, str] = {}

    @property
    def resends_known(self) -> bool:
        """Whether stored intents are re-sent to a fresh simulated broker (resume)."""
        return self._resend_known

    def rule_breach(self, spec: OrderSpec) -> RuleBreach | None:
        """The broker rule ``spec`` breaks, as its broker knows before sending.

        A check the broker cannot make now (a read it needs failed) finds nothing:
        the order is placed and the broker's own answer decides.
        """
        try:
            return self._broker.rule_breach(spec)
        except TransientBrokerError as e:
            log.warning("pre-send check of %s not made: %s", spec.symbol, e)
            return None

    def record_breach(self, decision: DecisionRecord, breach: RuleBreach) -> None:
        """Record ``decision`` with its one outcome, ``skipped(broker_rules:<rule>)``.

        Nothing is placed: no intent row, no client order id used.
        """
        with self._commits.step() as uow:
            if uow.decisions.record_decision(decision):
                uow.decisions.record_outcome(
                    OutcomeRecord(
                        decision_id=decision.decision_id,
                        kind=OutcomeKind.SKIPPED,
                        recorded_at=decision.decided_at,
                        reason=f"{BROKER_RULES}{breach.rule}",
                        details=breach_details(breach),
                    )
                )

    def place(self, decision: DecisionRecord, intent: OrderIntent) -> OrderIntent:
        """Place ``intent`` for ``decision`` exactly once; return the stored intent.

        If the decision's key already has an intent, nothing is sent again: the
        stored intent is returned and a *new* decision records the outcome
        skipped(duplicate_intent). An attempt that ended FAILED without a fill (never
        sent, or lost by the broker) is followed by the next attempt, up to
        ``max_attempts``.
        """
        with self._commits.step() as uow:
            uow.decisions.record_decision(decision)
            stored, new = self._store_submitted(uow, intent)
            if not new:  # stored before: it, or an attempt to follow it, is live
                stored, new = self._follow_attempts(uow, stored)
            if stored.status is _CREATED:  # stored unsent, found again
                stored = uow.intents.update(mark_submitted(stored, self._clock.now()))
                new = True
            if not new and not self._resend_known:
                self._record_duplicate(uow, decision, stored)
                return stored
        # One commit made the intent durable and SUBMITTED: both points are here.
        fault_point("after_intent_commit")
        fault_point("after_submitted_commit")
        answer = self._send(stored)
        if isinstance(answer, BrokerOrder):
            fault_point("after_broker_accept")
        with self._commits.step() as uow:
            return self._record_answer(uow, decision, stored, answer)

    def _follow_attempts(
        self, uow: UnitOfWork, stored: OrderIntent
    ) -> tuple[OrderIntent, bool]:
        """The decision's live attempt as stored, and whether this call stored it.

        ``stored`` is an attempt found stored (one stored just now is live: there
        is no attempt to follow, and :meth:`place` does not call this). The live
        attempt is ``stored``, or the next one after each attempt that may be
        tried again (:func:`may_try_again`), up to ``max_attempts``.
        """
        new = False
        while may_try_again(stored) and stored.attempt < self._max_attempts:
            stored, new = self._store_submitted(
                uow, next_attempt(stored, self._clock.now())
            )
        return stored, new

    def _store_submitted(
        self, uow: UnitOfWork, intent: OrderIntent
    ) -> tuple[OrderIntent, bool]:
        """Store a CREATED ``intent`` as SUBMITTED in one write; or find it stored.

        Returns the stored intent and whether this call stored it. An intent not
        CREATED (a caller's stored one) is only looked up, as ``create`` does.
        """
        if intent.status is not _CREATED:
            return uow.intents.create(intent), False
        stored = uow.intents.insert_submitted(intent, self._clock.now())
        if stored is not None:
            return stored, True
        return uow.intents.get(intent.client_order_id), False

    def _record_duplicate(
        self, uow: UnitOfWork, decision: DecisionRecord, stored: OrderIntent
    ) -> None:
        # A re-run of the same decision already has its outcome (a no-op here).
        uow.decisions.record_outcome(
            OutcomeRecord(
                decision_id=decision.decision_id,
                kind=OutcomeKind.SKIPPED,
                recorded_at=self._clock.now(),
                client_order_id=stored.client_order_id,
                reason="duplicate_intent",
                details={"status": stored.status.value},
            )
        )

    def unknown_orders(self) -> dict[str, str | None]:
        """Client order ids (-> broker ids) of events no intent of ours matched."""
        return dict(self._unknown)

    def forget_unknown(self, client_order_id: str) -> None:
        """Stop reporting ``client_order_id`` as unknown (it was adopted)."""
        self._unknown.pop(client_order_id, None)

    def cancel(self, intent: OrderIntent) -> bool:
        """Ask the broker to cancel ``intent``; False if it is not (or no longer) working.

        The cancel's effect arrives as a broker event, like any other. When resending
        to a fresh simulated broker (replay resume) the stored status is from the
        first run's future, so the broker is asked regardless: it must see the same
        cancels the first run sent.
        """
        if intent.is_terminal and not self._resend_known:
            return False
        try:
            broker_id = intent.broker_order_id
            if broker_id is None:  # sent, but its ack has not been applied yet
                found = self._broker.get_order_by_client_id(intent.client_order_id)
                broker_id = found.broker_order_id
            self._broker.cancel(broker_id)
        except (OrderNotCancelable, OrderNotFound):
            return False
        return True

    def cancel_legs(self, intent: OrderIntent) -> int:
        """Ask the broker to cancel the working legs of ``intent``'s bracket; return
        how many requests it took (a leg already final, or canceled with its group,
        is not counted)."""
        try:
            if intent.broker_order_id is not None:
                order = self._broker.get_order(intent.broker_order_id)
            else:
                order = self._broker.get_order_by_client_id(intent.client_order_id)
        except OrderNotFound:
            return 0
        self._note_legs(intent.client_order_id, order)
        canceled = 0
        for leg_id in order.leg_ids:
            try:
                self._broker.cancel(leg_id)
            except (OrderNotCancelable, OrderNotFound):
                continue
            canceled += 1
        return canceled

    def apply(self, uow: UnitOfWork, event: OrderEvent) -> Applied | None:
        """Apply one broker event in ``uow``; return what changed, or None if unknown id.

        The fill (if new) is stored with the intent, in the same unit of work.
        """
        intent = uow.intents.find(event.client_order_id)
        if intent is None:
            intent = self._adopt_leg(uow, event)
        if intent is None:
            # Not ours (placed outside tradecore?): the reconciler looks it up.
            self._unknown.setdefault(event.client_order_id, event.broker_order_id)
            return None
        return self._apply_to(uow, intent, event)

    def learn_legs(self, intent: OrderIntent) -> None:
        """Ask the broker for ``intent``'s bracket legs and remember them as ours
        (a restart: the acknowledgement that named them was in another process).
        A broker that cannot answer now leaves them unknown (reconcile adopts them).
        """
        try:
            if intent.broker_order_id is not None:
                order = self._broker.get_order(intent.broker_order_id)
            else:
                order = self._broker.get_order_by_client_id(intent.client_order_id)
        except (OrderNotFound, TransientBrokerError) as e:
            log.warning("legs of %s not learned: %s", intent.client_order_id, e)
            return
        self._note_legs(intent.client_order_id, order)

    def _note_legs(self, parent_client_order_id: str, order: BrokerOrder) -> None:
        """Remember ``order``'s bracket legs as belonging to our entry."""
        for leg_id in order.leg_ids:
            self._leg_parents[leg_id] = parent_client_order_id

    def _adopt_leg(self, uow: UnitOfWork, event: OrderEvent) -> OrderIntent | None:
        """The stored intent of a bracket leg of ours, created at its first event.

        ``None`` when the event's order is not a known leg, or the broker cannot
        show it now (it stays unknown: the reconciler adopts it later).
        """
        broker_id = event.broker_order_id
        parent_id = None if broker_id is None else self._leg_parents.get(broker_id)
        if broker_id is None or parent_id is None:
            return None
        parent = uow.intents.find(parent_id)
        if parent is None:
            return None
        try:
            leg = self._broker.get_order(broker_id)
        except (OrderNotFound, TransientBrokerError):
            return None
        return uow.intents.create(
            leg_intent(
                parent=parent,
                client_order_id=leg.client_order_id,
                broker_order_id=leg.broker_order_id,
                spec=leg.spec,
                submitted_at=leg.submitted_at,
            )
        )

    def _apply_to(
        self, uow: UnitOfWork, intent: OrderIntent, event: OrderEvent
    ) -> Applied:
        """Apply ``event`` to ``intent``, the event's intent as stored in ``uow``.

        Applied and stored by the store in one step (``update_by_event``): a
        store may build the changed intent at its next version in one copy, where
        applying and then updating copied every fill's intent twice.
        """
        applied = uow.intents.update_by_event(intent, event)
        if applied.new_fill is not None:
            uow.fills.record(applied.new_fill)
            fault_point("during_fill_apply")
        if applied.overruled is not None:
            self._fill_after_verdict(uow, intent, applied)
        return applied

    def _fill_after_verdict(
        self, uow: UnitOfWork, before: OrderIntent, applied: Applied
    ) -> None:
        """Record (audit) and announce (alert) a fill that overruled our verdict."""
        fill, after = applied.new_fill, applied.intent
        assert fill is not None
        assert applied.overruled is not None
        details: dict[str, object] = {
            "client_order_id": after.client_order_id,
            "symbol": after.spec.symbol,
            "verdict": applied.overruled.value,
            "verdict_reason": before.reason,
            "execution_id": fill.execution_id,
            "fill_qty": str(fill.qty),
            "filled_qty": str(after.filled_qty),
            "status": after.status.value,
        }
        uow.audit.append("fill_after_verdict", details)
        if self._alerter is not None:
            self._alerter.send(
                Alert(
                    severity=Severity.CRITICAL,
                    code=AlertCode.FILL_AFTER_VERDICT.value,
                    message=(
                        f"{after.spec.symbol}: the broker filled {fill.qty} of "
                        f"{after.client_order_id}, which we had recorded "
                        f"{applied.overruled.value}; the fill was applied"
                    ),
                    raised_at=self._clock.now(),
                    context={**details, "dedup_key": after.client_order_id},
                )
            )

    def adopt(
        self,
        uow: UnitOfWork,
        intent: OrderIntent,
        order: BrokerOrder,
        *,
        stored: bool = False,
    ) -> OrderIntent:
        """Bring ``intent`` level with the broker's ``order`` (ack, lookup, reconcile).

        ``stored``: ``intent`` is taken for the stored row and each catch-up event
        is applied to it without reading it again (the reconciler's batches); the
        store's version check raises :class:`ConcurrencyConflict` on the first
        update, before anything is written, if the row has moved on. Otherwise
        each event reads the stored intent first, as :meth:`apply` does.
        """
        self._note_legs(intent.client_order_id, order)
        for event in self.catch_up(intent, order):
            applied = (
                self._apply_to(uow, intent, event) if stored else self.apply(uow, event)
            )
            assert applied is not None
            intent = applied.intent
        return intent

    def adopt_many(
        self,
        uow: UnitOfWork,
        adoptions: Sequence[tuple[OrderIntent, BrokerOrder, Sequence[OrderEvent]]],
    ) -> list[OrderIntent | None]:
        """:meth:`adopt` (``stored=True``) of each intent; plain status moves batched.

        Each adoption comes with its :meth:`catch_up` events (the caller computed
        them to see which intents are behind). One that is a single event moving
        only the intent's status (an ack, a cancel or an expiry that happened while
        we were away: no fill) is written together with the others like it by
        ``IntentRepository.update_many``; on a server database that is one round
        trip, not one per intent. The rest are adopted event by event after them,
        in order, as :meth:`adopt` does. Returns each intent as adopted, or
        ``None`` where its stored row had moved on since it was read (nothing of it
        written; where :meth:`adopt` raises ``ConcurrencyConflict``): the caller
        reads that one again.
        """
        adopted: list[OrderIntent | None] = [intent for intent, _, _ in adoptions]
        batch: list[tuple[int, OrderIntent]] = []
        rest: list[int] = []
        for n, (intent, order, events) in enumerate(adoptions):
            applied = apply_event(intent, events[0]) if len(events) == 1 else None
            if applied is not None and _plain_move(applied):
                self._note_legs(intent.client_order_id, order)
                batch.append((n, applied.intent))
            elif events:
                rest.append(n)
        stored = uow.intents.update_many([intent for _, intent in batch])
        for (n, _), after in zip(batch, stored, strict=True):
            adopted[n] = after
        for n in rest:
            intent, order, _ = adoptions[n]
            try:
                adopted[n] = self.adopt(uow, intent, order, stored=True)
            except ConcurrencyConflict:
                adopted[n] = None
        return adopted

    def _adopt_answer(
        self, uow: UnitOfWork, intent: OrderIntent, order: BrokerOrder
    ) -> OrderIntent:
        """:meth:`adopt` the broker's answer to the send of ``intent``.

        ``intent`` is the row as this call's first commit left it (stored or found
        there), so it is taken as stored (no read). If the row moved on since (an
        event applied by another unit of work), the version check refuses the first
        update before anything is written, and the events are applied to the stored
        row instead, read first, as :meth:`adopt` does by default.

        The common answer, a plain acknowledgement (:func:`plain_ack`), is stored
        as the intent it makes, without the one event adopting would build and
        apply for it (the same intent, the same update).
        """
        # The later of the two instants, as max() picks it.
        as_of = order.updated_at
        if intent.updated_at > as_of:
            as_of = intent.updated_at
        try:
            if not is_plain_ack(
                intent, status=order.status, filled_qty=order.filled_qty
            ):
                return self.adopt(uow, intent, order, stored=True)
            self._note_legs(intent.client_order_id, order)
            # plain_ack's intent, stored in the same step (one copy, not two).
            return uow.intents.update_acknowledged(intent, order.broker_order_id, as_of)
        except ConcurrencyConflict:
            return self.adopt(uow, intent, order)

    def catch_up(self, intent: OrderIntent, order: BrokerOrder) -> list[OrderEvent]:
        """The events :meth:`adopt` applies to bring ``intent`` level with ``order``.

        Empty when they already agree (adopting would change nothing).
        """
        return catch_up_events(
            intent,
            status=order.status,
            filled_qty=order.filled_qty,
            filled_avg_price=order.filled_avg_price,
            broker_order_id=order.broker_order_id,
            as_of=max(order.updated_at, intent.updated_at),
        )

    def _send(self, intent: OrderIntent) -> BrokerOrder | BrokerRejected | None:
        cid = intent.client_order_id
        unknown = False  # an earlier try may have reached the broker
        for attempt in range(self._retry.attempts):
            try:
                return self._broker.submit(cid, intent.spec)
            except DuplicateClientOrderId:
                return self._lookup(cid)
            except BrokerRejected as e:
                # A refused retry says nothing about the try whose answer we lost.
                return self._lookup(cid) if unknown else e
            except TransientBrokerError as e:
                unknown = True
                if attempt + 1 < self._retry.attempts:
                    self._clock.sleep(self._backoff(attempt, e))
        return None

    def _lookup(self, client_order_id: str) -> BrokerOrder | None:
        try:
            return self._broker.get_order_by_client_id(client_order_id)
        except (OrderNotFound, TransientBrokerError):
            return None  # unknown: the reconciler settles it after a grace period

    def _backoff(self, attempt: int, error: TransientBrokerError) -> float:
        retry_after = getattr(error, "retry_after_s", None)
        if retry_after is not None:
            return float(retry_after)
        ceiling = min(self._retry.max_delay_s, self._retry.base_delay_s * 2**attempt)
        return float(self._rng().uniform(0.5 * ceiling, ceiling))

    def _record_answer(
        self,
        uow: UnitOfWork,
        decision: DecisionRecord,
        intent: OrderIntent,
        answer: BrokerOrder | BrokerRejected | None,
    ) -> OrderIntent:
        now = self._clock.now()
        cid = intent.client_order_id
        if isinstance(answer, BrokerRejected):
            event = OrderEvent(
                kind=OrderEventKind.REJECTED,
                client_order_id=cid,
                occurred_at=now,
                reason=answer.reason,
            )
            applied = self.apply(uow, event)
            assert applied is not None
            outcome = OutcomeRecord(
                decision_id=decision.decision_id,
                kind=OutcomeKind.FAILED,
                recorded_at=now,
                client_order_id=cid,
                reason=f"rejected:{answer.code or 'broker'}",
                details={"message": answer.reason},
            )
            uow.decisions.record_outcome(outcome)
            return applied.intent
        # A resent intent the store already carries further than the fresh broker's
        # ack must not be "caught up" backwards; the broker's replayed events are
        # idempotent no-ops on it. Either way the answer's legs are ours (adopting
        # notes them itself).
        if answer is not None:
            if intent.status is _SUBMITTED:
                intent = self._adopt_answer(uow, intent, answer)
            else:
                self._note_legs(cid, answer)
        details = {"ack": "received" if answer is not None else "unknown"}
        uow.decisions.record_outcome(_submitted_outcome(decision, cid, now, details))
        return intent


#: :class:`OutcomeRecord` built without its validators (see :func:`_submitted_outcome`).
_outcome = trusted_builder(OutcomeRecord)


def _submitted_outcome(
    decision: DecisionRecord, cid: str, now: datetime, details: dict[str, str]
) -> OutcomeRecord:
    """The decision's ``submitted`` outcome, recorded for every order placed.

    Its validators are skipped when they could only pass (about 12 K instructions
    of an order's cost): the decision id is a validated decision's, ``cid`` the
    stored intent's (the store checked it is text), the kind a constant that the
    post-init check accepts with an order id, and ``now`` is checked here as its
    validator would in its common case (an aware datetime at :data:`UTC`). Any
    other ``now`` (or an empty ``cid``) goes through the validating constructor,
    which raises as before.
    """
    plain = type(now) is datetime and now.tzinfo is UTC and cid
    build = _outcome if plain else OutcomeRecord
    return build(
        decision_id=decision.decision_id,
        kind=_SUBMITTED_OUTCOME,
        recorded_at=now,
        client_order_id=cid,
        reason=None,
        details=details,
    )


def may_try_again(intent: OrderIntent) -> bool:
    """Whether a new attempt (a new client order id) may follow ``intent``.

    Only an attempt that ended FAILED without a fill and that the broker never
    acknowledged (no broker order id: never sent, or refused before it was taken) —
    or one an operator failed. An acknowledged order the broker cannot find is an
    outage until proved otherwise: sending the decision again could trade it twice.
    """
    if intent.status is not IntentStatus.FAILED or intent.filled_qty != 0:
        return False
    operator = (intent.reason or "").startswith(OPERATOR_REASON)
    return intent.broker_order_id is None or operator


def _plain_move(applied: Applied) -> bool:
    """The event changed the intent and nothing else: no fill, no verdict overruled."""
    return (
        applied.ignored is None
        and applied.new_fill is None
        and applied.overruled is None
    )
