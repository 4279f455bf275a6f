"""The Store contract on PostgreSQL (a database of this test session's own)."""

from __future__ import annotations

import functools

import pytest

from tests.contract.sql_support import raw_sql_runner
from tests.contract.store_contract import RawSql, StoreContract, StoreFactory
from tradecore.adapters.sqlstore import open_store

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreContract):
    """SqlStore on PostgreSQL; tables are emptied before each test."""

    @pytest.fixture
    def make_store(self, clean_postgres: str) -> StoreFactory:
        """Open the session's contract database."""
        return functools.partial(open_store, clean_postgres)

    @pytest.fixture
    def raw_sql(self, clean_postgres: str) -> RawSql:
        """Run SQL straight on the database."""
        return raw_sql_runner(clean_postgres)
