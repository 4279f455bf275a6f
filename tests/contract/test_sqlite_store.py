"""The Store contract on SQLite (a file, WAL, synchronous=FULL: the live settings)."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest

from tests.contract.sql_support import raw_sql_runner
from tests.contract.store_contract import RawSql, StoreContract, StoreFactory
from tradecore.adapters.sqlstore import open_store


class TestSqliteStore(StoreContract):
    """SqlStore on a SQLite file copied from the migrated template."""

    @pytest.fixture
    def db_url(self, sqlite_template: Path, tmp_path: Path) -> str:
        """Give each test its own migrated database file."""
        path = tmp_path / "store.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"

    @pytest.fixture
    def make_store(self, db_url: str) -> StoreFactory:
        """Open the test's database with the live (fully durable) settings."""
        return functools.partial(open_store, db_url, durability="full")

    @pytest.fixture
    def raw_sql(self, db_url: str) -> RawSql:
        """Run SQL straight on the database file."""
        return raw_sql_runner(db_url)
