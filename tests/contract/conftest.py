"""Fixtures the SQL store's contract modules share: migrated databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.contract import parity_table
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Remember each contract case's id and adapter for the parity table."""
    parity_table.remember(items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Record each contract case's outcome per adapter."""
    parity_table.record(report)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the case x adapter parity table after a run of contract suites."""
    lines = parity_table.render()
    if lines:
        terminalreporter.section("contract parity: case x adapter")
        for line in lines:
            terminalreporter.write_line(line)
