"""A lock held elsewhere cannot stall trading forever (issue 17).

Two real connections to PostgreSQL: one holds a row lock in an open transaction,
the store's write on that row fails after ``[store] lock_timeout_s`` as
``StoreUnavailable`` (retryable; the CLI exits 4) instead of waiting forever.
Before: sessions had no lock or statement timeout; the write hung.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.contract.sql_support import migrated
from tradecore.adapters.sqlstore import make_engine, open_store
from tradecore.apps.config.settings import load_settings
from tradecore.apps.live.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.errors import StoreUnavailable


@pytest.fixture
def database(postgres_databases) -> str:  # type: ignore[no-untyped-def]
    return migrated(postgres_databases())


@pytest.fixture
def tripped(database: str) -> str:
    store = open_store(database)
    with store.unit_of_work() as uow:
        uow.controls.set_breaker("daily_loss", tripped=True, reason="test")
        uow.commit()
    store.close()
    return database


@pytest.fixture
def row_locked(tripped: str) -> Iterator[str]:
    """Another session holds the breaker row's lock until the test ends."""
    dsn = sa.make_url(tripped).set(drivername="postgresql")
    holder = psycopg.connect(dsn.render_as_string(hide_password=False))
    holder.execute("SELECT * FROM breakers WHERE name = 'daily_loss' FOR UPDATE")
    yield tripped
    holder.rollback()
    holder.close()


def test_a_row_lock_held_elsewhere_fails_the_write_after_the_lock_timeout(
    row_locked: str,
) -> None:
    store = open_store(row_locked, lock_timeout_s=0.5)
    started = time.monotonic()

    def reset() -> None:
        with store.unit_of_work() as uow:
            uow.controls.set_breaker("daily_loss", tripped=False, reason="x")
            uow.commit()

    try:
        with pytest.raises(StoreUnavailable, match="lock timeout"):
            reset()
    finally:
        store.close()
    assert time.monotonic() - started < 5


def test_the_cli_exits_4_on_a_lock_held_elsewhere(
    row_locked: str, tmp_path: Path
) -> None:
    config = tmp_path / "tc.toml"
    config.write_text(f'[store]\nurl = "{row_locked}"\nlock_timeout_s = 0.5\n')
    result = CliRunner().invoke(
        app,
        ["--config", str(config), "breaker", "approve", "daily_loss", "--reason", "ok"],
    )
    assert result.exit_code == errors.UNAVAILABLE, result.output
    assert "lock timeout" in result.output
    assert "Traceback" not in result.output


def test_sessions_get_the_configured_lock_and_statement_timeouts(
    database: str, tmp_path: Path
) -> None:
    defaults = make_engine(database)
    with defaults.connect() as conn:
        assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "5s"
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "30s"
    defaults.dispose()
    config = tmp_path / "tc.toml"
    config.write_text("[store]\nlock_timeout_s = 2\nstatement_timeout_s = 0.25\n")
    store = load_settings(config, {}, {}).store
    engine = make_engine(
        database,
        lock_timeout_s=store.lock_timeout_s,
        statement_timeout_s=store.statement_timeout_s,
    )
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "2s"
            with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
                conn.exec_driver_sql("SELECT pg_sleep(2)")
    finally:
        engine.dispose()
