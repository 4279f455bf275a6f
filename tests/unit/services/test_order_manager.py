"""Exactly-once placement: lost responses, duplicates, rejects, and reconciliation.

Runs the real order manager against the simulated broker (wrapped to inject faults)
and a real SQLite store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from tests.factories import event, key
from tests.risk_support import RecordingAlerter, audit_rows
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.errors import (
    InsufficientBuyingPower,
    OrderNotFound,
    TransientBrokerError,
)
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import OrderIntent, mark_failed, mark_submitted
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.alerts import AlertCode
from tradecore.ports.broker import BrokerOrder
from tradecore.ports.store import Store
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import (
    OPERATOR_REASON,
    OrderManager,
    RetryPolicy,
)
from tradecore.services.orders.reconciler import Reconciler

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class LosingBroker(SimulatedBroker):
    """Sends the order, then loses the response ``lose`` times (a timeout)."""

    def __init__(self, clock: SimClock, config: VenueConfig, lose: int) -> None:
        super().__init__(clock, config)
        self.lose = lose
        self.submits = 0

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        self.submits += 1
        order = super().submit(client_order_id, spec)
        if self.lose > 0:
            self.lose -= 1
            raise TransientBrokerError("response lost")
        return order


class DownBroker(SimulatedBroker):
    """Refuses every submit with a timeout, without sending anything."""

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        raise TransientBrokerError("connection refused")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'om.db'}", upgrade=True)
    yield opened
    opened.close()


def _setup(broker_cls: type, **extra: object) -> tuple[SimClock, SimulatedBroker]:
    clock = SimClock(T0)
    config = VenueConfig(
        seed=1, fill_model=FillModel.ideal(), calendar=MarketCalendar.always_open()
    )
    broker = broker_cls(clock, config, **extra)
    broker.on_bar(
        Bar(symbol="AAPL", timestamp=T0, open=100.0, high=101.0, low=99.0, close=100.0,
            volume=1e6)
    )  # fmt: skip
    return clock, broker


def _intent_and_decision() -> tuple[OrderIntent, DecisionRecord]:
    intent = OrderIntent.create(
        key(), OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(100)), decided_at=T0
    )
    decision = DecisionRecord(
        decision_id="d-1",
        strategy_id="sma_cross",
        symbol="AAPL",
        decided_at=T0,
        details={"client_order_id": intent.client_order_id},
    )
    return intent, decision


def _broker_orders(broker: SimulatedBroker) -> Sequence[BrokerOrder]:
    return broker.open_orders()


def test_a_lost_response_is_resolved_by_resubmitting_the_same_id(store: Store) -> None:
    clock, broker = _setup(LosingBroker, lose=1)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    intent, decision = _intent_and_decision()
    placed = manager.place(decision, intent)
    assert broker.submits == 2  # the retry hit "duplicate" and adopted the original
    assert [o.client_order_id for o in _broker_orders(broker)] == [
        intent.client_order_id
    ]
    assert placed.status is IntentStatus.ACKED
    with store.unit_of_work() as uow:
        outcome = uow.decisions.outcome("d-1")
    assert outcome is not None
    assert outcome.kind is OutcomeKind.SUBMITTED


def test_placing_the_same_decision_twice_sends_once(store: Store) -> None:
    clock, broker = _setup(LosingBroker, lose=0)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    intent, decision = _intent_and_decision()
    manager.place(decision, intent)
    manager.place(decision, intent)
    assert broker.submits == 1
    assert len(_broker_orders(broker)) == 1


def test_an_unreachable_broker_leaves_the_intent_submitted_never_rejected(
    store: Store,
) -> None:
    clock, broker = _setup(DownBroker)
    manager = OrderManager(
        broker, clock, CommitEachStep(store), retry=RetryPolicy(attempts=3)
    )
    intent, decision = _intent_and_decision()
    placed = manager.place(decision, intent)
    assert placed.status is IntentStatus.SUBMITTED
    assert clock.now() > T0  # it backed off between tries, on the injected clock
    with store.unit_of_work() as uow:
        outcome = uow.decisions.outcome("d-1")
    assert outcome is not None
    assert outcome.details == {"ack": "unknown"}


def test_reconcile_after_a_crash_adopts_the_order_the_broker_has(store: Store) -> None:
    clock, broker = _setup(LosingBroker, lose=0)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    intent, decision = _intent_and_decision()
    # The process crashed after the broker accepted the order, before the ack was stored.
    with store.unit_of_work() as uow:
        uow.decisions.record_decision(decision)
        stored = uow.intents.create(intent)
        uow.intents.update(mark_submitted(stored, T0))
        uow.commit()
    broker.submit(intent.client_order_id, intent.spec)
    clock.advance(60)
    broker.on_bar(
        Bar(symbol="AAPL", timestamp=clock.now(), open=100.5, high=101.0, low=99.5,
            close=100.0, volume=1e6)
    )  # fmt: skip
    clock.advance(60)
    report = Reconciler(broker, clock, CommitEachStep(store), manager).run()
    with store.unit_of_work() as uow:
        after = uow.intents.get(intent.client_order_id)
        fills = uow.fills.for_order(intent.client_order_id)
        outcome = uow.decisions.outcome("d-1")
    assert after.status is IntentStatus.FILLED
    assert sum(f.qty for f in fills) == Decimal(100)
    assert broker.submits == 1  # adopted, not sent again
    assert report.adopted == 1
    assert outcome is not None
    assert outcome.kind is OutcomeKind.SUBMITTED
    assert [d.kind for d in report.discrepancies] == ["missing_outcome"]


def test_reconcile_fails_an_intent_that_was_never_sent(store: Store) -> None:
    clock, broker = _setup(LosingBroker, lose=0)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    intent, decision = _intent_and_decision()
    with store.unit_of_work() as uow:  # crash after the intent commit, before SUBMITTED
        uow.decisions.record_decision(decision)
        uow.intents.create(intent)
        uow.commit()
    report = Reconciler(broker, clock, CommitEachStep(store), manager).run()
    with store.unit_of_work() as uow:
        assert uow.intents.get(intent.client_order_id).status is IntentStatus.FAILED
        outcome = uow.decisions.outcome("d-1")
        assert uow.audit.verify().intact
    assert broker.submits == 0  # never sent late
    assert outcome is not None
    assert outcome.kind is OutcomeKind.FAILED
    assert {d.kind for d in report.discrepancies} == {
        "unsent_intent",
        "missing_outcome",
    }


def test_reconcile_reports_a_position_the_ledger_does_not_know(store: Store) -> None:
    clock, broker = _setup(LosingBroker, lose=0)
    broker.submit("manual-1", OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(5)))
    clock.advance(60)
    broker.on_bar(
        Bar(symbol="AAPL", timestamp=clock.now(), open=100.0, high=101.0, low=99.0,
            close=100.0, volume=1e6)
    )  # fmt: skip
    clock.advance(120)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    report = Reconciler(broker, clock, CommitEachStep(store), manager).run()
    kinds = {d.kind: d for d in report.discrepancies}
    assert kinds["phantom_position"].theirs == "5"
    assert broker.submits == 1  # nothing was traded to "fix" it


def test_a_new_decision_on_an_existing_intent_is_skipped_not_resent(
    store: Store,
) -> None:
    """A second decision with the same key gets its one outcome: skipped(duplicate)."""
    clock, broker = _setup(LosingBroker, lose=0)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    intent, decision = _intent_and_decision()
    manager.place(decision, intent)
    later = attrs.evolve(decision, decision_id="d-2")
    manager.place(later, intent)
    assert broker.submits == 1
    with store.unit_of_work() as uow:
        outcome = uow.decisions.outcome("d-2")
    assert outcome is not None
    assert (outcome.kind, outcome.reason) == (OutcomeKind.SKIPPED, "duplicate_intent")


def test_a_failed_unsent_attempt_is_followed_by_the_next_attempt(store: Store) -> None:
    """FAILED without reaching the broker: the next attempt gets a new id, bounded."""
    clock, broker = _setup(LosingBroker, lose=0)
    manager = OrderManager(broker, clock, CommitEachStep(store), max_attempts=2)
    intent, decision = _intent_and_decision()
    with store.unit_of_work() as uow:
        stored = uow.intents.create(intent)
        uow.intents.update(mark_failed(stored, "not sent before restart", T0))
        uow.commit()
    placed = manager.place(decision, intent)
    assert placed.attempt == 2
    assert placed.client_order_id.endswith("-2")
    assert [o.client_order_id for o in _broker_orders(broker)] == [
        placed.client_order_id
    ]
    with store.unit_of_work() as uow:
        uow.intents.update(
            mark_failed(uow.intents.get(placed.client_order_id), "x", T0)
        )
        uow.commit()
    again = manager.place(attrs.evolve(decision, decision_id="d-3"), intent)
    assert again.attempt == 2  # max_attempts reached: no third id, nothing sent
    assert broker.submits == 1


class StoreReadingBroker(SimulatedBroker):
    """Reads, in a unit of its own, what the store has made durable at each submit."""

    def __init__(self, clock: SimClock, config: VenueConfig, store: Store) -> None:
        super().__init__(clock, config)
        self.store = store
        self.seen: list[OrderIntent | None] = []

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        with self.store.unit_of_work() as uow:
            self.seen.append(uow.intents.find(client_order_id))
        return super().submit(client_order_id, spec)


def test_the_intent_is_durably_submitted_before_the_call_in_one_commit(
    store: Store,
) -> None:
    """Decision and SUBMITTED intent in the first commit (one row write), the ack
    and the outcome in the second: two commits, and a submitted intent at the call."""
    clock, broker = _setup(StoreReadingBroker, store=store)
    commits = CommitEachStep(store)
    manager = OrderManager(broker, clock, commits)
    intent, decision = _intent_and_decision()
    placed = manager.place(decision, intent)
    assert broker.seen == [mark_submitted(attrs.evolve(intent, version=1), T0)]
    assert commits.commits == 2
    assert (placed.status, placed.version) == (IntentStatus.ACKED, 2)


def test_an_intent_stored_created_is_marked_submitted_before_the_call(
    store: Store,
) -> None:
    """A CREATED intent already stored (a kill round's claim, or a crash of a
    version that committed CREATED first) is marked SUBMITTED in place's first
    commit and sent once; placing it again sends nothing."""
    clock, broker = _setup(StoreReadingBroker, store=store)
    commits = CommitEachStep(store)
    manager = OrderManager(broker, clock, commits)
    intent, decision = _intent_and_decision()
    with store.unit_of_work() as uow:
        uow.decisions.record_decision(decision)
        stored = uow.intents.create(intent)
        uow.commit()
    placed = manager.place(decision, intent)
    assert broker.seen == [attrs.evolve(mark_submitted(stored, T0), version=2)]
    assert commits.commits == 2
    assert placed.status is IntentStatus.ACKED
    again = manager.place(attrs.evolve(decision, decision_id="d-2"), intent)
    assert again == placed
    assert len(broker.seen) == 1


class AckingElsewhereBroker(SimulatedBroker):
    """Accepts the order, and has its ack applied by another unit of work (another
    process's event stream) before the answer reaches the caller."""

    def __init__(self, clock: SimClock, config: VenueConfig, store: Store) -> None:
        super().__init__(clock, config)
        self.store = store
        self.clock = clock

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        order = super().submit(client_order_id, spec)
        ack = OrderEvent(
            kind=OrderEventKind.ACCEPTED,
            client_order_id=client_order_id,
            occurred_at=self.clock.now(),
            broker_order_id=order.broker_order_id,
        )
        with self.store.unit_of_work() as uow:
            other = OrderManager(self, self.clock, CommitEachStep(self.store))
            assert other.apply(uow, ack) is not None
            uow.commit()
        return order


def test_an_ack_applied_elsewhere_first_is_not_applied_twice(store: Store) -> None:
    """The answer is adopted over the row as place stored it; a row moved on since
    (here: acknowledged by another unit) is read again, never overwritten."""
    clock, broker = _setup(AckingElsewhereBroker, store=store)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    intent, decision = _intent_and_decision()
    placed = manager.place(decision, intent)
    assert (placed.status, placed.version) == (IntentStatus.ACKED, 2)
    with store.unit_of_work() as uow:
        assert uow.intents.get(intent.client_order_id) == placed
        outcome = uow.decisions.outcome("d-1")
    assert outcome is not None
    assert (outcome.kind, outcome.details) == (
        OutcomeKind.SUBMITTED,
        {"ack": "received"},
    )


# --- issue 17: unknown outcomes, fills after a verdict, 404 on acknowledged orders ---


class RefusingRetryBroker(SimulatedBroker):
    """Takes the first try but loses its answer, then refuses the retry outright."""

    def __init__(self, clock: SimClock, config: VenueConfig, keep: bool = True) -> None:
        super().__init__(clock, config)
        self.keep = keep
        self.submits = 0

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        self.submits += 1
        if self.submits == 1:
            if self.keep:
                super().submit(client_order_id, spec)
            raise TransientBrokerError("HTTP 409: the answer proves nothing")
        raise InsufficientBuyingPower("insufficient buying power", code="40310000")


@pytest.mark.parametrize("landed", [True, False])
def test_a_refused_retry_after_an_unknown_first_try_is_settled_by_lookup(
    store: Store, landed: bool
) -> None:
    """Issue 17 (1): the retry's refusal says nothing about the first try."""
    clock, broker = _setup(RefusingRetryBroker, keep=landed)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    intent, decision = _intent_and_decision()
    placed = manager.place(decision, intent)
    assert broker.submits == 2
    if landed:  # the lookup found the first try: adopted
        assert placed.status is IntentStatus.ACKED
    else:  # not found (yet): unknown, for the reconciler; never REJECTED
        assert placed.status is IntentStatus.SUBMITTED
    with store.unit_of_work() as uow:
        outcome = uow.decisions.outcome("d-1")
    assert outcome is not None
    assert outcome.kind is OutcomeKind.SUBMITTED


def test_fill_after_verdict_is_applied_audited_and_alerted(
    store: Store, tmp_path: Path
) -> None:
    """Issue 17 (2): a fill on a REJECTED intent wins; the ledger follows the broker."""
    clock, broker = _setup(LosingBroker, lose=0)
    alerter = RecordingAlerter()
    manager = OrderManager(broker, clock, CommitEachStep(store), alerter=alerter)
    intent, _ = _intent_and_decision()
    with store.unit_of_work() as uow:
        stored = uow.intents.create(intent)
        uow.intents.update(mark_submitted(stored, T0))
        uow.commit()
    rejected = event(intent, OrderEventKind.REJECTED, reason="HTTP 409 read as no")
    fill = event(intent, OrderEventKind.PARTIAL_FILL, qty="40", seconds=2)
    with store.unit_of_work() as uow:
        manager.apply(uow, rejected)
        applied = manager.apply(uow, fill)
        uow.commit()
    assert applied is not None
    assert applied.intent.status is IntentStatus.PARTIALLY_FILLED
    with store.unit_of_work() as uow:
        after = uow.intents.get(intent.client_order_id)
        fills = list(uow.fills.all())
    audit = [p for _, p in audit_rows(tmp_path / "om.db", "fill_after_verdict")]
    assert after.status is IntentStatus.PARTIALLY_FILLED
    assert after.filled_qty == Decimal(40)
    assert Ledger.opening(Decimal(0)).apply_all(fills).position("AAPL") == 40
    assert len(audit) == 1
    assert audit[0]["verdict"] == "rejected"
    assert alerter.codes() == [AlertCode.FILL_AFTER_VERDICT.value]


def _acked_at_broker(
    store: Store, broker: SimulatedBroker, manager: OrderManager
) -> OrderIntent:
    intent, decision = _intent_and_decision()
    placed = manager.place(decision, intent)
    assert placed.status is IntentStatus.ACKED
    assert placed.broker_order_id is not None
    broker.forget(intent.client_order_id)
    return placed


class ForgetfulBroker(LosingBroker):
    """Acknowledges orders, then (an outage) answers "not found" for forgotten ones."""

    def __init__(self, clock: SimClock, config: VenueConfig) -> None:
        super().__init__(clock, config, lose=0)
        self.forgotten: set[str] = set()

    def forget(self, client_order_id: str) -> None:
        self.forgotten.add(client_order_id)

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder:
        if client_order_id in self.forgotten:
            raise OrderNotFound(f"no order with client id {client_order_id}")
        return super().get_order_by_client_id(client_order_id)

    def open_orders(self) -> Sequence[BrokerOrder]:
        return [
            o for o in super().open_orders() if o.client_order_id not in self.forgotten
        ]


def test_an_acknowledged_order_answering_404_stays_open_and_is_alerted(
    store: Store,
) -> None:
    """Issue 17 (3), reconciler: a 404 for an acknowledged order is an outage."""
    clock, broker = _setup(ForgetfulBroker)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    placed = _acked_at_broker(store, broker, manager)
    alerter = RecordingAlerter()
    reconciler = Reconciler(
        broker, clock, CommitEachStep(store), manager, alerter=alerter
    )
    first = reconciler.run()  # within the grace period: only doubted
    assert "unresolved" in {d.kind for d in first.discrepancies}
    clock.advance(120)
    for _ in range(2):  # looked at again every pass, never failed
        report = reconciler.run()
        kinds = {d.kind for d in report.discrepancies}
        assert "acknowledged_order_not_found" in kinds
    with store.unit_of_work() as uow:
        after = uow.intents.get(placed.client_order_id)
    assert after.status is IntentStatus.ACKED
    assert broker.submits == 1  # nothing resent, no new id
    assert AlertCode.ACKED_ORDER_NOT_FOUND.value in alerter.codes()


def test_an_acknowledged_order_answering_404_gets_no_new_attempt(store: Store) -> None:
    """Issue 17 (3), order manager: no new client order id without an operator."""
    clock, broker = _setup(ForgetfulBroker)
    manager = OrderManager(broker, clock, CommitEachStep(store))
    placed = _acked_at_broker(store, broker, manager)
    clock.advance(120)
    Reconciler(broker, clock, CommitEachStep(store), manager).run()
    intent, decision = _intent_and_decision()
    again = manager.place(attrs.evolve(decision, decision_id="d-2"), intent)
    assert again.client_order_id == placed.client_order_id
    assert broker.submits == 1
    # Failed as an older version did ("broker lost an acknowledged order"): still no
    # new attempt, since the broker had acknowledged it.
    with store.unit_of_work() as uow:
        stored = uow.intents.get(placed.client_order_id)
        uow.intents.update(mark_failed(stored, "broker lost an acknowledged order", T0))
        uow.commit()
    again = manager.place(attrs.evolve(decision, decision_id="d-3"), intent)
    assert again.client_order_id == placed.client_order_id
    assert broker.submits == 1
    # An operator's action releases the decision: the next attempt gets a new id.
    with store.unit_of_work() as uow:
        uow.intents.update(
            attrs.evolve(
                uow.intents.get(placed.client_order_id),
                reason=f"{OPERATOR_REASON} confirmed lost with the broker",
            )
        )
        uow.commit()
    released = manager.place(attrs.evolve(decision, decision_id="d-4"), intent)
    assert released.attempt == 2
    assert broker.submits == 2
