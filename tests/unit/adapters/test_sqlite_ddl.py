"""A fresh SQLite store runs the DDL rendered once, and it is create_all's.

``create_at_head`` runs :data:`SQLITE_DDL` on SQLite instead of rendering the
statements through SQLAlchemy's DDL compiler for every new replay store. The
tuple must be exactly what ``metadata.create_all`` sends today (a table change
fails here, with the new tuple to paste), and a store made from it must have the
schema, statement text included, of one made by ``create_all``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tradecore.adapters.sqlstore import migrate
from tradecore.adapters.sqlstore.engine import make_engine
from tradecore.adapters.sqlstore.sqlite_ddl import SQLITE_DDL
from tradecore.adapters.sqlstore.tables import metadata


def test_the_stored_ddl_is_what_create_all_renders() -> None:
    rendered = migrate.render_ddl()
    assert rendered == SQLITE_DDL, (
        "the tables changed: paste this into sqlite_ddl.SQLITE_DDL\n"
        + "\n".join(f"    {statement!r}," for statement in rendered)
    )


def _schema(path: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"
        ).fetchall()
    connection.close()
    return rows


def test_a_fresh_store_has_create_all_s_schema(tmp_path: Path) -> None:
    shortcut = make_engine(f"sqlite:///{tmp_path / 'shortcut.db'}")
    migrate.create_at_head(shortcut)
    migrate.require_head(shortcut)
    shortcut.dispose()
    general = make_engine(f"sqlite:///{tmp_path / 'general.db'}")
    with general.begin() as connection:
        metadata.create_all(connection, checkfirst=False)
        migrate._VERSION_TABLE.create(connection, checkfirst=False)
    general.dispose()
    schema = _schema(tmp_path / "shortcut.db")
    assert len(schema) > len(metadata.tables)
    assert schema == _schema(tmp_path / "general.db")
