"""Reconciliation: make our books agree with the broker after a restart or a gap.

For every open intent, the broker's record (looked up by client order id) is adopted.
An order the broker does not know is settled the duplicate-safe way: an intent that was
only SUBMITTED is resent under the *same* id (if it got there, the broker answers
"duplicate" and we adopt it; if the resend is refused, the id is looked up once more
before the refusal is believed). An intent the broker had *acknowledged* but now cannot
find is an outage until proved otherwise: it stays open, is reported every pass, and
after a grace period (brokers are briefly inconsistent) alerted as
``order.acknowledged_not_found``. It is never failed here, so no new attempt (no new
client order id) follows it without an operator's action. An intent still CREATED was
never sent: it is marked FAILED, never sent late.

An open broker order whose intent we hold as REJECTED or FAILED contradicts our
verdict: it is adopted (its fills overrule the verdict) and reported.

Then positions: the ledger rebuilt from stored fills is compared with the broker's
positions, and every difference is recorded with the action taken. Reconciliation
never invents an order, and never trades to "fix" a position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal

import attrs

from tradecore.domain.errors import (
    BrokerRejected,
    DuplicateClientOrderId,
    OrderNotFound,
    TransientBrokerError,
)
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import OrderIntent, mark_failed
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.lifecycle import VERDICTS, IntentStatus
from tradecore.domain.orders.records import OutcomeKind, OutcomeRecord
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.broker import Broker, BrokerOrder
from tradecore.ports.clock import Clock
from tradecore.ports.metrics import Metrics
from tradecore.ports.store import UnitOfWork
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.orders.order_manager import OrderManager


@attrs.frozen(kw_only=True)
class Discrepancy:
    """One disagreement found, and what was done about it."""

    kind: str
    action: str
    symbol: str | None = None
    client_order_id: str | None = None
    ours: str | None = None
    theirs: str | None = None


@attrs.frozen(kw_only=True)
class ReconcileReport:
    """What a reconciliation pass found and did."""

    checked: int
    adopted: int
    discrepancies: tuple[Discrepancy, ...]

    @property
    def clean(self) -> bool:
        """True when nothing disagreed."""
        return not self.discrepancies


class Reconciler:
    """Runs reconciliation passes against one broker and store."""

    def __init__(
        self,
        broker: Broker,
        clock: Clock,
        commits: CommitPolicy,
        orders: OrderManager,
        *,
        grace_period: timedelta = timedelta(seconds=30),
        alerter: Alerter | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """Wire the reconciler; ``grace_period``: how long "not found" is only doubted.

        ``alerter`` hears of every pass that found discrepancies (one alert, counts
        by kind); ``metrics`` counts each discrepancy.
        """
        self._alerter = alerter
        self._metrics = metrics
        self._broker = broker
        self._clock = clock
        self._commits = commits
        self._orders = orders
        self._grace = grace_period

    def run(self) -> ReconcileReport:
        """Reconcile open intents, then outcomes, then orphans and positions."""
        found: list[Discrepancy] = []
        with self._commits.step() as uow:
            intents = list(uow.intents.open_intents())
        adopted = sum(self._reconcile_intent(intent, found) for intent in intents)
        # Ask the broker before the transaction: no network wait while holding the
        # store's write lock (on SQLite that would block every other writer).
        open_orders = list(self._broker.open_orders())
        positions = {p.symbol: p.qty for p in self._broker.positions()}
        with self._commits.step() as uow:
            self._settle_outcomes(uow, found)
            self._check_orphans(uow, found, open_orders)
            self._check_positions(uow, found, positions)
            for d in found:
                uow.audit.append("reconcile_discrepancy", attrs.asdict(d))
        self._commits.flush()
        self._announce(found)
        return ReconcileReport(
            checked=len(intents), adopted=adopted, discrepancies=tuple(found)
        )

    def _announce(self, found: list[Discrepancy]) -> None:
        """Count the discrepancies and raise one alert for the pass, if any."""
        kinds: dict[str, int] = {}
        for d in found:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
            if self._metrics is not None:
                self._metrics.reconcile_discrepancy(d.kind)
        if not found or self._alerter is None:
            return
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        self._alerter.send(
            Alert(
                severity=Severity.WARNING,
                code=AlertCode.RECONCILE_MISMATCH.value,
                message=f"reconciliation found {len(found)} discrepancies: {summary}",
                raised_at=self._clock.now(),
                context={"kinds": dict(sorted(kinds.items()))},
            )
        )

    def _reconcile_intent(self, intent: OrderIntent, found: list[Discrepancy]) -> bool:
        cid = intent.client_order_id
        if intent.status is IntentStatus.CREATED:
            self._fail(intent, "not sent before restart")
            found.append(
                Discrepancy(kind="unsent_intent", client_order_id=cid, action="failed")
            )
            return False
        order = self._find(cid)
        if order is None and not _acknowledged(intent):
            order = self._resend(intent, found)
            if order is None:
                return False
        if order is None:
            return self._handle_missing(intent, found)
        with self._commits.step() as uow:
            current = uow.intents.get(cid)
            self._orders.adopt(uow, current, order)
        return True

    def _find(self, client_order_id: str) -> BrokerOrder | None:
        try:
            return self._broker.get_order_by_client_id(client_order_id)
        except OrderNotFound:
            return None

    def _resend(
        self, intent: OrderIntent, found: list[Discrepancy]
    ) -> BrokerOrder | None:
        """Resend a SUBMITTED intent the broker does not show, under the same id."""
        cid = intent.client_order_id
        try:
            return self._broker.submit(cid, intent.spec)
        except DuplicateClientOrderId:
            order = self._find(cid)
        except BrokerRejected as e:
            # The broker showed no order under this id and refuses it now; one more
            # look, in case the first try landed in between, before believing it.
            order = self._find(cid)
            if order is None:
                self._apply_reject(intent, e.reason)
                found.append(
                    Discrepancy(
                        kind="resend_rejected", client_order_id=cid, action="rejected"
                    )
                )
                return None
        except TransientBrokerError:
            order = None
        if order is None:
            found.append(
                Discrepancy(
                    kind="unresolved", client_order_id=cid, action="retry later"
                )
            )
        return order

    def _handle_missing(self, intent: OrderIntent, found: list[Discrepancy]) -> bool:
        """An acknowledged order the broker cannot find: keep it open, look again."""
        cid = intent.client_order_id
        age = self._clock.now() - intent.updated_at
        if age < self._grace:
            found.append(
                Discrepancy(
                    kind="unresolved", client_order_id=cid, action="retry later"
                )
            )
            return False
        found.append(
            Discrepancy(
                kind="acknowledged_order_not_found",
                client_order_id=cid,
                symbol=intent.spec.symbol,
                ours=intent.status.value,
                theirs="not found",
                action="kept open; alert; look again next pass",
            )
        )
        if self._alerter is not None:
            self._alerter.send(
                Alert(
                    severity=Severity.CRITICAL,
                    code=AlertCode.ACKED_ORDER_NOT_FOUND.value,
                    message=(
                        f"the broker acknowledged {cid} ({intent.spec.symbol}, "
                        f"{intent.broker_order_id}) and now answers not found; "
                        "kept open: no new order for this decision without an operator"
                    ),
                    raised_at=self._clock.now(),
                    context={
                        "client_order_id": cid,
                        "broker_order_id": intent.broker_order_id,
                        "status": intent.status.value,
                        "dedup_key": cid,
                    },
                )
            )
        return False

    def _fail(self, intent: OrderIntent, reason: str) -> None:
        with self._commits.step() as uow:
            current = uow.intents.get(intent.client_order_id)
            uow.intents.update(mark_failed(current, reason, self._clock.now()))

    def _apply_reject(self, intent: OrderIntent, reason: str) -> None:
        event = OrderEvent(
            kind=OrderEventKind.REJECTED,
            client_order_id=intent.client_order_id,
            occurred_at=self._clock.now(),
            reason=reason,
        )
        with self._commits.step() as uow:
            self._orders.apply(uow, event)

    def _settle_outcomes(self, uow: UnitOfWork, found: list[Discrepancy]) -> None:
        now = self._clock.now()
        for decision in uow.decisions.decisions_without_outcome():
            cid = decision.details.get("client_order_id")
            intent = uow.intents.find(str(cid)) if cid else None
            if intent is not None and intent.status is not IntentStatus.FAILED:
                outcome = OutcomeRecord(
                    decision_id=decision.decision_id,
                    kind=OutcomeKind.SUBMITTED,
                    recorded_at=now,
                    client_order_id=intent.client_order_id,
                    details={"ack": "reconciled"},
                )
            else:
                outcome = OutcomeRecord(
                    decision_id=decision.decision_id,
                    kind=OutcomeKind.FAILED,
                    recorded_at=now,
                    reason="interrupted",
                    details={"why": "process stopped before the order was sent"},
                )
            uow.decisions.record_outcome(outcome)
            found.append(
                Discrepancy(
                    kind="missing_outcome", action=f"recorded {outcome.kind.value}"
                )
            )

    def _check_orphans(
        self,
        uow: UnitOfWork,
        found: list[Discrepancy],
        open_orders: Sequence[BrokerOrder],
    ) -> None:
        for order in open_orders:
            intent = uow.intents.find(order.client_order_id)
            if intent is not None and intent.status in VERDICTS:
                # The broker works an order we recorded as refused or lost.
                adopted = self._orders.adopt(uow, intent, order)
                found.append(
                    Discrepancy(
                        kind="verdict_contradicted",
                        client_order_id=order.client_order_id,
                        symbol=order.spec.symbol,
                        ours=intent.status.value,
                        theirs=order.status.value,
                        action=f"adopted the broker's order; now {adopted.status.value}",
                    )
                )
            elif intent is None:
                found.append(
                    Discrepancy(
                        kind="orphaned_order",
                        client_order_id=order.client_order_id,
                        symbol=order.spec.symbol,
                        action="reported; not ours to cancel",
                    )
                )

    def _check_positions(
        self,
        uow: UnitOfWork,
        found: list[Discrepancy],
        theirs: Mapping[str, Decimal],
    ) -> None:
        ours = Ledger.opening(Decimal(0)).apply_all(uow.fills.all())
        for symbol in sorted(set(theirs) | {p.symbol for p in ours.positions()}):
            mine, broker = ours.position(symbol), theirs.get(symbol, Decimal(0))
            if mine == broker:
                continue
            kind = "phantom_position" if mine == 0 else "quantity_mismatch"
            found.append(
                Discrepancy(
                    kind=kind,
                    symbol=symbol,
                    ours=str(mine),
                    theirs=str(broker),
                    action="reported; broker position is the truth for risk",
                )
            )


def _acknowledged(intent: OrderIntent) -> bool:
    """Whether the broker ever acknowledged the intent's order (we hold its id)."""
    return intent.broker_order_id is not None or intent.status is not (
        IntentStatus.SUBMITTED
    )
