"""Migrations: head -> base -> head on both databases; tables and migrations agree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tradecore.adapters.sqlstore import make_engine, migrate, open_store
from tradecore.adapters.sqlstore.tables import metadata
from tradecore.domain.errors import SchemaOutOfDate


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Give an empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    make: Callable[[], str] = request.getfixturevalue("postgres_databases")
    return make()


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_round_trips(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine)
        assert _tables(engine) == set(metadata.tables)
        assert migrate.current_revision(engine) == migrate.head_revision()
        migrate.downgrade(engine, "base")
        assert _tables(engine) == set()
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert _tables(engine) == set(metadata.tables)
    finally:
        engine.dispose()


def test_migrations_match_the_tables(empty_url: str) -> None:
    """Autogenerate finds nothing to do: tables.py and the migrations agree."""
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_open_refuses_a_database_not_at_head(empty_url: str) -> None:
    with pytest.raises(SchemaOutOfDate, match="tradecore-live db upgrade"):
        open_store(empty_url)
    store = open_store(empty_url, upgrade=True)
    store.close()
    open_store(empty_url).close()


def test_migrations_are_found_in_the_checkout() -> None:
    found = migrate.migrations_dir()
    assert (found / "env.py").is_file()
    assert any((found / "versions").glob("*.py"))
