"""A fresh store made from the tables is the migrated store, on both databases.

A replay creates its store with :func:`migrate.create_at_head` (``create_all`` and an
Alembic stamp) instead of running the migrations. That is only sound if the two give
the same schema, so this compares a migrated database with a created one: on SQLite
every ``sqlite_master`` statement (whitespace aside: an ``ADD COLUMN`` is spliced into
the stored text) and every ``PRAGMA`` view of columns, indexes and foreign keys; on
PostgreSQL the reflected columns (order, type, nullability, default, identity),
primary keys, foreign keys, unique and check constraints and indexes of every table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tradecore.adapters.sqlstore import make_engine, migrate, open_store
from tradecore.adapters.sqlstore.tables import metadata
from tradecore.domain.errors import ConfigurationError


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_empty_urls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """Two empty databases of one kind: one to migrate, one to create."""
    if request.param == "sqlite":
        return (
            f"sqlite:///{tmp_path / 'migrated.db'}",
            f"sqlite:///{tmp_path / 'new.db'}",
        )
    make: Callable[[], str] = request.getfixturevalue("postgres_databases")
    return make(), make()


def _sqlite_schema(connection: sa.Connection) -> dict[str, Any]:
    rows = connection.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ).all()
    schema: dict[str, Any] = {
        "master": [
            (kind, name, table, re.sub(r"\s+", " ", sql or ""))
            for kind, name, table, sql in rows
        ]
    }
    for kind, name, _, _ in rows:
        if kind != "table":
            continue
        for pragma in ("table_info", "index_list", "foreign_key_list"):
            schema[f"{pragma}({name})"] = connection.exec_driver_sql(
                f'PRAGMA {pragma}("{name}")'
            ).all()
    for kind, name, _, _ in rows:
        if kind == "index":
            schema[f"index_xinfo({name})"] = connection.exec_driver_sql(
                f'PRAGMA index_xinfo("{name}")'
            ).all()
    return schema


def _reflected_schema(connection: sa.Connection) -> dict[str, Any]:
    inspector = sa.inspect(connection)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        schema[table] = {
            "columns": [
                {k: str(v) for k, v in column.items()}
                for column in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table),
            "fks": sorted(
                inspector.get_foreign_keys(table), key=lambda fk: str(fk["name"])
            ),
            "unique": sorted(
                inspector.get_unique_constraints(table), key=lambda u: str(u["name"])
            ),
            "checks": sorted(
                inspector.get_check_constraints(table), key=lambda c: str(c["name"])
            ),
            "indexes": sorted(
                inspector.get_indexes(table), key=lambda i: str(i["name"])
            ),
        }
    return schema


def _schema(engine: sa.Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return _sqlite_schema(connection)
        return _reflected_schema(connection)


def test_a_created_store_has_the_migrated_schema(
    two_empty_urls: tuple[str, str],
) -> None:
    migrated, created = (make_engine(url) for url in two_empty_urls)
    try:
        migrate.upgrade(migrated)
        migrate.create_at_head(created)
        expected, actual = _schema(migrated), _schema(created)
        assert migrate.current_revision(created) == migrate.current_revision(migrated)
    finally:
        migrated.dispose()
        created.dispose()
    assert actual == expected
    # Not vacuous: every table of the code is in what was compared.
    assert all(any(table in str(key) for key in expected) for table in metadata.tables)


def test_the_head_constant_is_alembics_head() -> None:
    """A new migration must move ``HEAD_REVISION`` (and the tables) with it."""
    assert migrate.head_revision() == migrate.HEAD_REVISION


def test_a_fresh_store_opens_at_head_and_refuses_a_used_database(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    open_store(url, fresh=True).close()
    engine = make_engine(url)
    try:
        assert migrate.current_revision(engine) == migrate.HEAD_REVISION
        migrate.require_head(engine)
    finally:
        engine.dispose()
    with pytest.raises(ConfigurationError, match="already has tables"):
        open_store(url, fresh=True)
