"""The Store contract on the write-behind store (replay's store) over SQLite.

Two cases are restated for a single-writer cache (the replay process owns its
database file): ST-03, two writers racing to create, must fail loudly for the second
one rather than store two intents; ST-19, a hand-edited row, is refused when a handle
loads it.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest

from tests.contract.sql_support import raw_sql_runner
from tests.contract.store_contract import RawSql, StoreContract, StoreFactory
from tradecore.adapters.sqlstore import open_store
from tradecore.adapters.sqlstore.write_behind import WriteBehindStore
from tradecore.domain.errors import InvalidInput, StoreError
from tradecore.domain.orders.intent import mark_submitted
from tradecore.ports.store import Store


def _open_write_behind(url: str) -> WriteBehindStore:
    return WriteBehindStore(open_store(url, durability="normal"))


def store_url(store: Store) -> str:
    """The database URL a write-behind test store was opened on."""
    assert isinstance(store, WriteBehindStore)
    return store.url


def make_reopened(store: Store) -> WriteBehindStore:
    """A second, fresh handle on the same database (what a restart sees)."""
    return _open_write_behind(store_url(store))


class TestWriteBehindStore(StoreContract):
    """WriteBehindStore on a SQLite file copied from the migrated template."""

    @pytest.fixture
    def db_url(self, sqlite_template: Path, tmp_path: Path) -> str:
        """Give each test its own migrated database file."""
        path = tmp_path / "store.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"

    @pytest.fixture
    def make_store(self, db_url: str) -> StoreFactory:
        """Open the test's database with replay's settings, behind the cache."""
        return functools.partial(_open_write_behind, db_url)

    @pytest.fixture
    def raw_sql(self, db_url: str) -> RawSql:
        """Run SQL straight on the database file."""
        return raw_sql_runner(db_url)

    def test_racing_processes_create_one_intent(self, make_store: StoreFactory) -> None:
        """ST-03 (one writer) a second handle creating the same id fails at commit."""
        first, second = make_store(), make_store()
        try:
            for handle in (first, second):
                with handle.unit_of_work() as uow:
                    uow.intents.create(self.make_intent())
                    if handle is first:
                        uow.commit()
                    else:
                        with pytest.raises(StoreError):
                            uow.commit()
        finally:
            first.close()
            second.close()
        check = make_store()
        with check.unit_of_work() as uow:
            assert len(uow.intents.open_intents()) == 1
        check.close()

    def test_unknown_stored_status_is_invalid_input(
        self, store: Store, raw_sql: RawSql
    ) -> None:
        """ST-19 (one writer) a hand-edited unknown status is refused on load."""
        with store.unit_of_work() as uow:
            stored = uow.intents.create(self.make_intent())
            uow.commit()
        raw_sql(
            "UPDATE intents SET status = 'lost' WHERE client_order_id = :c",
            {"c": stored.client_order_id},
        )
        with pytest.raises(InvalidInput, match="lost"):
            _open_write_behind(str(store_url(store)))

    def test_out_of_range_stored_amount_is_invalid_input(
        self, store: Store, raw_sql: RawSql
    ) -> None:
        """ST-35 (one writer) a hand-edited negative filled qty is refused on load."""
        with store.unit_of_work() as uow:
            stored = uow.intents.create(self.make_intent())
            uow.commit()
        raw_sql(
            "UPDATE intents SET filled_qty = -1 WHERE client_order_id = :c",
            {"c": stored.client_order_id},
        )
        with pytest.raises(InvalidInput, match="filled_qty"):
            _open_write_behind(str(store_url(store)))

    def test_second_open_unit_is_refused(self, store: Store) -> None:
        """Units of work cannot interleave: the mirrors have one undo journal."""
        with store.unit_of_work(), pytest.raises(StoreError, match="one open unit"):
            store.unit_of_work().__enter__()

    def test_rollback_restores_the_committed_state(self, store: Store) -> None:
        """A rolled-back unit leaves memory and database as the last commit left them."""
        with store.unit_of_work() as uow:
            stored = uow.intents.create(self.make_intent())
            uow.commit()
        with store.unit_of_work() as uow:
            uow.intents.update(mark_submitted(stored, stored.decided_at))
            uow.intents.create(self.make_intent(2))
            uow.audit.append("test", {"n": 1})  # flushes the pending rows into SQL
        with store.unit_of_work() as uow:
            assert uow.intents.get(stored.client_order_id) == stored
            assert uow.intents.find(self.make_intent(2).client_order_id) is None
            assert uow.audit.verify().rows == 0
        reopened = make_reopened(store)
        with reopened.unit_of_work() as uow:
            assert [i.client_order_id for i in uow.intents.open_intents()] == [
                stored.client_order_id
            ]
        reopened.close()
