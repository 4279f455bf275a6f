"""Applying the rejection policy: retry the amended order, later or now, or give up.

:func:`tradecore.domain.risk.rejection_policy.decide` says what to do; this service does
it. A retry is a new decision (recorded, with its own one outcome) and a new attempt
of the same decision key (the broker never sees a client order id twice), placed
exactly once through the :class:`OrderManager`. Retries that must wait (the open, a
backoff) are queued and placed by :meth:`RejectionHandler.place_due`. A give-up is
alerted. A retry the broker refuses again comes straight back here, and the policy's
cap ends the chain.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain.hashing import sha256_hex
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec
from tradecore.domain.risk.rejection_policy import (
    Rejection,
    RejectionAction,
    RejectionDecision,
    RejectionPolicy,
    decide,
)
from tradecore.ports.alerts import Alert, Alerter, Severity
from tradecore.ports.clock import Clock
from tradecore.services.orders.order_manager import OrderManager


class RejectionHandler:
    """Turns broker rejections into capped retries or alerts."""

    def __init__(
        self,
        orders: OrderManager,
        clock: Clock,
        alerter: Alerter,
        policy: RejectionPolicy | None = None,
    ) -> None:
        """Wire the handler; ``policy`` defaults to :class:`RejectionPolicy()`."""
        self._orders = orders
        self._clock = clock
        self._alerter = alerter
        self._policy = policy or RejectionPolicy()
        self._root: dict[str, str] = {}
        self._tried: dict[str, tuple[RejectionAction, ...]] = {}
        self._queue: list[tuple[datetime, int, str, OrderIntent, DecisionRecord]] = []
        self._seq = 0
        #: How many retries are queued (an attribute, not a property: the engine
        #: asks before every bar).
        self.waiting = 0
        self._handled: dict[str, RejectionDecision] = {}
        #: Every decision taken, in order (what happened to each rejection).
        self.decisions: list[RejectionDecision] = []
        #: Called with every retry as stored after placing it (the engine counts its
        #: working quantity, so the strategy does not order it a second time).
        self.on_placed: Callable[[OrderIntent], None] | None = None

    def on_rejected(
        self,
        intent: OrderIntent,
        reason: str,
        *,
        code: str | None = None,
        reference_price: Decimal | None = None,
    ) -> RejectionDecision:
        """Handle the broker's rejection of ``intent`` with ``reason``.

        Each rejected client order id is handled once: a caller that is shown the
        same rejected intent again (a decision re-placed, an event replayed) gets
        the first decision back and nothing is retried or alerted twice.
        """
        cid = intent.client_order_id
        if (earlier := self._handled.get(cid)) is not None:
            return earlier
        root = self._root.get(cid, intent.parent_client_order_id or cid)
        now = self._clock.now()
        decision = decide(
            Rejection(
                reason=reason,
                spec=intent.spec,
                at=now,
                attempt=intent.attempt,
                code=code,
                tried=self._tried.get(root, ()),
                reference_price=reference_price or intent.arrival_price,
            ),
            self._policy,
        )
        self.decisions.append(decision)
        self._handled[cid] = decision
        if decision.retry_spec is None or decision.retry_at is None:
            self._give_up(intent, reason, decision)
            return decision
        self._tried[root] = (*self._tried.get(root, ()), decision.action)
        retry, record = self._retry(intent, decision, decision.retry_spec, now)
        self._root[retry.client_order_id] = root
        if decision.retry_at <= now:
            self._place(record, retry, reference_price)
        else:
            self._seq += 1
            heapq.heappush(
                self._queue, (decision.retry_at, self._seq, root, retry, record)
            )
            self.waiting = len(self._queue)
        return decision

    def place_due(self) -> list[OrderIntent]:
        """Place the queued retries whose time has come; return them as stored."""
        now, placed = self._clock.now(), []
        while self._queue and self._queue[0][0] <= now:
            _, _, _, retry, record = heapq.heappop(self._queue)
            self.waiting = len(self._queue)
            stored = self._place(record, retry, None)
            if stored is not None:
                placed.append(stored)
        return placed

    def _place(
        self, record: DecisionRecord, retry: OrderIntent, reference: Decimal | None
    ) -> OrderIntent | None:
        """Place ``retry``; ``None`` if the broker's rules refuse it (recorded so)."""
        if (breach := self._orders.rule_breach(retry.spec)) is not None:
            self._orders.record_breach(record, breach)
            return None
        stored = self._orders.place(record, retry)
        if self.on_placed is not None:
            self.on_placed(stored)
        if stored.status is IntentStatus.REJECTED:
            self.on_rejected(
                stored, stored.reason or "rejected", reference_price=reference
            )
        return stored

    def _retry(
        self,
        intent: OrderIntent,
        decision: RejectionDecision,
        spec: OrderSpec,
        now: datetime,
    ) -> tuple[OrderIntent, DecisionRecord]:
        key = intent.decision_key
        if spec.qty is not None and spec.qty != key.qty:
            key = attrs.evolve(key, qty=spec.qty)
        retry = OrderIntent.create(
            key,
            spec,
            decided_at=now,
            attempt=intent.attempt + 1,
            parent_client_order_id=intent.client_order_id,
            arrival_price=intent.arrival_price,
            execution_policy=intent.execution_policy,
            config_hash=intent.config_hash,
            model_hash=intent.model_hash,
            cost_model_hash=intent.cost_model_hash,
        )
        inputs = sha256_hex([intent.client_order_id, decision.action, decision.note])
        record = DecisionRecord.keyed(
            strategy_id=key.strategy_id,
            symbol=spec.symbol,
            decided_at=now,
            inputs_hash=inputs,
            config_hash=intent.config_hash,
            details={
                "retry_of": intent.client_order_id,
                "action": decision.action.value,
                "note": decision.note,
            },
        )
        return retry, record

    def _give_up(
        self, intent: OrderIntent, reason: str, decision: RejectionDecision
    ) -> None:
        self._alerter.send(
            Alert(
                severity=Severity.WARNING,
                code="order_rejected",
                message=f"{intent.spec.symbol} order rejected, not retried: "
                f"{decision.note}",
                raised_at=self._clock.now(),
                context={
                    "client_order_id": intent.client_order_id,
                    "reason": reason,
                    "kind": decision.kind.value,
                    "policy": decision.policy.value,
                    "attempt": intent.attempt,
                },
            )
        )
