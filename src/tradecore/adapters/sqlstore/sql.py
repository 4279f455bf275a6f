"""Dialect-specific statement builders shared by the repositories.

Both SQLite (3.35+) and PostgreSQL speak ``INSERT ... ON CONFLICT DO NOTHING
RETURNING``: one round trip that inserts or tells us the key was taken, with no
error to recover from (a failed statement would abort a PostgreSQL transaction).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table


def upsert(dialect_name: str, table: Table) -> Any:
    """Return the dialect's ``INSERT`` that supports ``ON CONFLICT`` clauses.

    Each dialect is imported when first asked for: a replay (SQLite) then never
    imports the PostgreSQL dialect (issue 18: start-up).
    """
    if dialect_name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def insert_ignore(dialect_name: str, table: Table, *keys: str) -> Any:
    """Return ``INSERT ... ON CONFLICT (keys) DO NOTHING`` for ``table``."""
    return upsert(dialect_name, table).on_conflict_do_nothing(index_elements=keys)


@cache
def insert_ignore_returning(dialect_name: str, table: Table, key: str) -> Any:
    """Return (built once) ``INSERT ... ON CONFLICT (key) DO NOTHING RETURNING key``.

    Building ON CONFLICT statements costs more than running them on SQLite, so every
    unit of work shares one instance per dialect and table.
    """
    return insert_ignore(dialect_name, table, key).returning(table.c[key])
