"""The console's read queries on SQLite and PostgreSQL: same answers on both.

CR-01 the audit log in keyset pages: newest first, every row once, no gaps;
CR-02 search by kind and by text (LIKE wildcards taken literally);
CR-03 the newest entry of a kind within a window of the newest rows;
CR-04 intents by status: counts, the newest first;
CR-05 an order's decision and outcome;
CR-06 fills since a time, decisions and outcomes of a day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from tests.factories import T0, key
from tradecore.adapters.sqlstore import SqlStore, open_store
from tradecore.adapters.sqlstore.console_reads import ConsoleReads
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import OPEN, TERMINAL, IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import OrderSpec, Side

AUDIT_ROWS = 23


@pytest.fixture(params=["sqlite", "postgres"], scope="module")
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlStore]:
    """One seeded store per backend for the module (the reads change nothing)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('reads')}/reads.db"
    else:
        create: Callable[[], str] = request.getfixturevalue("postgres_databases")
        url = create()
    opened = open_store(url, upgrade=True, clock=lambda: T0)
    _seed(opened)
    yield opened
    opened.close()


def _order(i: int, status: IntentStatus) -> OrderIntent:
    spec = OrderSpec(
        symbol="AAPL" if i % 2 else "MSFT", side=Side.BUY, qty=Decimal(i + 1)
    )
    k = key(symbol=spec.symbol, qty=spec.qty, signal_hash=f"s{i}")
    created = OrderIntent.create(k, spec, decided_at=T0 + timedelta(minutes=i))
    return attrs.evolve(created, status=status)


def _seed(store: SqlStore) -> None:
    statuses = [
        IntentStatus.FILLED,
        IntentStatus.ACKED,
        IntentStatus.CANCELED,
        IntentStatus.SUBMITTED,
        IntentStatus.FILLED,
    ]
    with store.unit_of_work() as uow:
        for seq in range(1, AUDIT_ROWS + 1):
            kind = "alert" if seq % 3 == 0 else "note"
            text = "100% _sure_" if seq == 7 else f"row {seq}"
            uow.audit.append(kind, {"code": f"c{seq % 4}", "text": text})
        for i, status in enumerate(statuses):
            intent = uow.intents.create(_order(i, status))
            decision = DecisionRecord(
                decision_id=f"d{i}",
                strategy_id="sma_cross",
                symbol=intent.spec.symbol,
                decided_at=intent.decided_at,
                details={
                    "target": str(i + 1),
                    "client_order_id": intent.client_order_id,
                },
            )
            uow.decisions.record_decision(decision)
            uow.decisions.record_outcome(
                OutcomeRecord(
                    decision_id=f"d{i}",
                    kind=OutcomeKind.SUBMITTED,
                    recorded_at=intent.decided_at,
                    client_order_id=intent.client_order_id,
                )
            )
            if status is IntentStatus.FILLED:
                uow.fills.record(
                    Fill(
                        execution_id=f"x{i}",
                        client_order_id=intent.client_order_id,
                        symbol=intent.spec.symbol,
                        side=Side.BUY,
                        qty=Decimal(i + 1),
                        price=Decimal("10.5"),
                        filled_at=intent.decided_at,
                    )
                )
        uow.commit()


def test_cr01_keyset_pages_walk_every_row_once_newest_first(store: SqlStore) -> None:
    reads = ConsoleReads(store.engine)
    assert reads.audit_head() == AUDIT_ROWS
    seen: list[int] = []
    before = None
    while True:
        page = reads.audit_page(before=before, limit=5)
        if not page:
            break
        seen += [r.seq for r in page]
        before = page[-1].seq
    assert seen == list(range(AUDIT_ROWS, 0, -1))


def test_cr02_search_by_kind_and_literal_text(store: SqlStore) -> None:
    reads = ConsoleReads(store.engine)
    alerts = reads.audit_page(kind="alert", limit=100)
    assert [r.seq for r in alerts] == [
        s for s in range(AUDIT_ROWS, 0, -1) if s % 3 == 0
    ]
    [found] = reads.audit_page(text="100% _SURE_")
    assert found.seq == 7
    assert found.payload == {"code": "c3", "text": "100% _sure_"}
    assert reads.audit_page(text="100%_") == []  # % and _ are not wildcards
    notes = reads.audit_page(kind="note", text="c1", before=10)
    assert [r.seq for r in notes] == [5, 1]  # 9 is an alert


def test_cr03_newest_of_a_kind_within_a_window(store: SqlStore) -> None:
    reads = ConsoleReads(store.engine)
    newest = reads.latest_audit("alert", contains="c1")
    assert newest is not None
    assert newest.seq == 21
    assert reads.latest_audit("alert", contains="c1", window=2) is None
    assert reads.latest_audit("nothing") is None


def test_cr04_intents_by_status(store: SqlStore) -> None:
    reads = ConsoleReads(store.engine)
    assert reads.status_counts(OPEN) == {"acked": 1, "submitted": 1}
    assert reads.status_counts(TERMINAL) == {"filled": 2, "canceled": 1}
    newest = reads.newest_intents(TERMINAL, limit=2)
    assert [i.status for i in newest] == [IntentStatus.FILLED, IntentStatus.CANCELED]
    assert newest[0].decided_at > newest[1].decided_at


def test_cr05_an_orders_decision_and_outcome(store: SqlStore) -> None:
    reads = ConsoleReads(store.engine)
    [filled, _] = reads.newest_intents([IntentStatus.FILLED], limit=5)
    why = reads.explain([filled.client_order_id, "unknown"])
    assert set(why) == {filled.client_order_id}
    explained = why[filled.client_order_id]
    assert explained.decision is not None
    assert explained.decision.details["target"] == "5"
    assert explained.outcome is not None
    assert explained.outcome.kind is OutcomeKind.SUBMITTED
    assert reads.explain([]) == {}


def test_cr06_fills_decisions_and_outcomes_since(store: SqlStore) -> None:
    reads = ConsoleReads(store.engine)
    fills = reads.fills_since(T0 + timedelta(minutes=1))
    assert [f.execution_id for f in fills] == ["x4"]
    assert reads.fill_count_since(T0) == 2
    assert reads.last_decision_at() == T0 + timedelta(minutes=4)
    newest = reads.newest_decision()
    assert newest is not None
    assert newest.decision_id == "d4"
    assert reads.outcome_counts_since(T0 + timedelta(minutes=3)) == {"submitted": 2}
