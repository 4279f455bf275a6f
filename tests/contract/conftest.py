"""Fixtures the SQL store's contract modules share: migrated databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.contract.sql_support import migrated, raw_sql_runner
from tradecore.adapters.sqlstore.tables import metadata


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate one SQLite file per session; tests copy it (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrated(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_contract_url(postgres_databases: Callable[[], str]) -> str:
    """Create and migrate the session's PostgreSQL contract database."""
    return migrated(postgres_databases())


@pytest.fixture
def clean_postgres(postgres_contract_url: str) -> str:
    """Empty every table of the contract database before a test."""
    names = ", ".join(t.name for t in metadata.sorted_tables)
    raw_sql_runner(postgres_contract_url)(
        f"TRUNCATE {names} RESTART IDENTITY CASCADE", {}
    )
    return postgres_contract_url
