"""One transaction per unit of work, whether its statements run on the driver or not.

The order path's statements, begin and commit run on the raw DBAPI connection
(:mod:`tradecore.adapters.sqlstore.session`); other statements go through a
SQLAlchemy connection made over the same DBAPI connection on first use. These
tests hold the two to one transaction, rolled back on leaving the unit, and hold
the connections a store keeps between units to a clean state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from tests.contract.store_contract import make_intent
from tradecore.adapters.sqlstore import SqlStore, codec, open_store
from tradecore.adapters.sqlstore import tables as t
from tradecore.adapters.sqlstore.connections import IdleConnections
from tradecore.domain.errors import NotFound
from tradecore.domain.orders.intent import mark_submitted
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.ports.store_records import BrokerOrderRecord

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A fresh store at head, on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_databases")()
    opened = open_store(url, fresh=True)
    yield opened
    opened.close()


def _broker_order_row(client_order_id: str) -> dict[str, object]:
    return {
        "broker_order_id": f"b-{client_order_id}",
        "client_order_id": client_order_id,
        "raw_status": "accepted",
        "submitted_at": T0,
        "updated_at": T0,
    }


def _broker_orders(store: SqlStore) -> int:
    with store.unit_of_work() as uow:
        return len(uow.session.execute(t.broker_orders.select()).fetchall())


def test_driver_writes_not_committed_are_rolled_back_on_leaving(
    store: SqlStore,
) -> None:
    intent = make_intent(1)
    with store.unit_of_work() as uow:
        uow.intents.create(intent)
    with store.unit_of_work() as uow:
        assert uow.intents.find(intent.client_order_id) is None


def test_driver_and_sqlalchemy_statements_share_one_transaction(
    store: SqlStore,
) -> None:
    intent = make_intent(1)
    with store.unit_of_work() as uow:
        uow.intents.create(intent)  # begun on the driver
        uow.session.execute(
            t.broker_orders.insert(), _broker_order_row(intent.client_order_id)
        )
    assert _broker_orders(store) == 0
    with store.unit_of_work() as uow:
        assert uow.intents.find(intent.client_order_id) is None
        uow.intents.create(intent)
        uow.session.execute(
            t.broker_orders.insert(), _broker_order_row(intent.client_order_id)
        )
        uow.commit()
    assert _broker_orders(store) == 1


def test_driver_statements_after_sqlalchemy_took_over_are_not_autocommitted(
    store: SqlStore,
) -> None:
    intent = make_intent(1)
    with store.unit_of_work() as uow:
        stored = uow.intents.create(intent)
        uow.session.execute(
            t.broker_orders.insert(), _broker_order_row(intent.client_order_id)
        )
        uow.commit()
        uow.intents.update(mark_submitted(stored, T0))  # a new transaction
    with store.unit_of_work() as uow:
        assert uow.intents.get(intent.client_order_id).version == 1


def test_the_path_commits_twice_in_one_unit(store: SqlStore) -> None:
    intent = make_intent(1)
    with store.unit_of_work() as uow:
        submitted = uow.intents.update(mark_submitted(uow.intents.create(intent), T0))
        uow.commit()
        order = BrokerOrderRecord(
            broker_order_id="b-1",
            client_order_id=intent.client_order_id,
            raw_status="accepted",
            submitted_at=T0,
            updated_at=T0,
        )
        uow.broker_orders.record(order)
        uow.commit()
        uow.intents.update(submitted)  # not committed: rolled back on leaving
    with store.unit_of_work() as uow:
        assert uow.intents.get(intent.client_order_id).version == 2
        assert uow.broker_orders.get("b-1") == order


def test_a_failed_driver_statement_leaves_the_next_unit_clean(store: SqlStore) -> None:
    orphan = BrokerOrderRecord(
        broker_order_id="b-9",
        client_order_id="no-such-intent",
        raw_status="accepted",
        submitted_at=T0,
        updated_at=T0,
    )
    intent = make_intent(1)
    with store.unit_of_work() as uow:
        uow.intents.create(intent)
        with pytest.raises(NotFound):
            uow.broker_orders.record(orphan)  # foreign key violation
    with store.unit_of_work() as uow:
        assert uow.intents.find(intent.client_order_id) is None
        uow.intents.create(intent)
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.intents.get(intent.client_order_id).version == 1


def test_sqlite_driver_transaction_takes_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = open_store(f"sqlite:///{path}", fresh=True)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with store.unit_of_work() as uow:
            uow.intents.create(make_intent(1))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            uow.commit()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()
        store.close()


@pytest.mark.parametrize("open_transaction", [False, True])
def test_only_clean_connections_are_kept(
    store: SqlStore, open_transaction: bool
) -> None:
    engine = store.engine
    connections = IdleConnections(engine)
    checked_out: Callable[[], int] = engine.pool.checkedout  # type: ignore[attr-defined]
    before = checked_out()
    pooled, no_cursor = connections.take()
    assert no_cursor is None
    cursor = pooled.cursor()
    if open_transaction:
        cursor.execute("BEGIN" if engine.dialect.name == "sqlite" else "SELECT 1")
    assert connections.is_clean(pooled) is not open_transaction
    connections.give_back(pooled, cursor)
    assert checked_out() == before + (0 if open_transaction else 1)
    again, kept = connections.take()
    assert connections.is_clean(again)
    assert kept is (None if open_transaction else cursor)
    connections.give_back(again, kept)
    connections.close()
    assert checked_out() == before


def _raw_rows(store: SqlStore, table: str) -> list[tuple[object, ...]]:
    """The table's rows as the driver returns them (no column type processing)."""
    with store.engine.connect() as conn:
        query = f"SELECT * FROM {table} ORDER BY decision_id"  # nosec B608 - the test's own table names
        return [tuple(r) for r in conn.exec_driver_sql(query).fetchall()]


def test_decisions_and_outcomes_on_the_driver_store_what_sqlalchemy_stores(
    store: SqlStore,
) -> None:
    """The order path writes decisions and outcomes on the raw cursor; the values
    stored (SQLite's time text included) are those SQLAlchemy's Core insert stores."""
    decision = DecisionRecord(
        decision_id="d-1",
        strategy_id="sma_cross",
        symbol="AAPL",
        decided_at=T0,
        manifest_hash="ab" * 32,
        details={"target": "10", "why": ["a", 1]},
    )
    outcome = OutcomeRecord(
        decision_id="d-1",
        kind=OutcomeKind.SUBMITTED,
        recorded_at=T0.replace(microsecond=123456),
        client_order_id="c-1",
        details={"ack": "received"},
    )
    twin, twin_outcome = (
        codec.flat_row(decision, json_fields=("details",)) | {"decision_id": "d-2"},
        codec.flat_row(outcome, json_fields=("details",)) | {"decision_id": "d-2"},
    )
    with store.unit_of_work() as uow:
        assert uow.decisions.record_decision(decision)
        assert not uow.decisions.record_decision(decision)  # idempotent
        assert uow.decisions.record_outcome(outcome)
        assert not uow.decisions.record_outcome(outcome)
        uow.session.execute(t.decisions.insert(), twin)  # SQLAlchemy's, same unit
        uow.session.execute(t.outcomes.insert(), twin_outcome)
        uow.commit()
    for table in ("decisions", "outcomes"):
        ours, theirs = _raw_rows(store, table)
        assert ours[1:] == theirs[1:]
    with store.unit_of_work() as uow:
        assert uow.decisions.outcome("d-1") == outcome
        assert uow.decisions.decisions_since(T0) == [
            decision,
            attrs.evolve(decision, decision_id="d-2"),
        ]
        with pytest.raises(NotFound):
            uow.decisions.record_outcome(attrs.evolve(outcome, decision_id="d-9"))
