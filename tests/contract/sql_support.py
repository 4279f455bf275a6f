"""Helpers for the SQL store's tests: migrate a database, run raw SQL on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from tradecore.adapters.sqlstore import make_engine, migrate


def migrated(url: str) -> str:
    """Run the migrations up to head on ``url`` and return it."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def raw_sql_runner(url: str) -> Callable[[str, dict[str, Any]], None]:
    """Return a function running one SQL statement on ``url``, outside any store."""

    def run(statement: str, params: dict[str, Any]) -> None:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(statement), params)
        engine.dispose()

    return run
