"""``tradecore-live db ...`` and ``audit verify`` end to end with CliRunner."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from tests.risk_support import sqlite_store
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.live.main import app
from tradecore.apps.wiring import errors

runner = CliRunner()


HEAD = "0004_model_stages"


def _run(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--database-url", url, *args], env={})
    return result.exit_code, result.output


def test_db_upgrade_current_downgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _run(url, "db", "current") == (
        0,
        f"base (empty) (needs upgrade to {HEAD})\n",
    )
    assert _run(url, "db", "upgrade") == (0, f"database at {HEAD}\n")
    assert _run(url, "db", "current") == (0, f"{HEAD} (up to date)\n")
    assert _run(url, "db", "downgrade", "0001_initial") == (
        0,
        "database at 0001_initial\n",
    )
    assert _run(url, "db", "current") == (
        0,
        f"0001_initial (needs upgrade to {HEAD})\n",
    )
    assert _run(url, "db", "downgrade", "base") == (0, "database at base\n")


def test_commands_refuse_a_database_not_at_head(tmp_path: Path) -> None:
    code, output = _run(f"sqlite:///{tmp_path / 'cli.db'}", "audit", "verify")
    assert code == errors.SCHEMA_NOT_AT_HEAD
    assert "tradecore-live db upgrade" in output


def test_the_option_overrides_the_config_file_and_the_log_says_so(
    tmp_path: Path,
) -> None:
    config = tmp_path / "tc.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "a.db"}"\n')
    chosen = tmp_path / "b.db"
    sqlite_store(chosen).close()  # migrated: `db current` says "at head" only here
    url = f"sqlite:///{chosen}"
    args = ["--config", str(config), "--database-url", url, "db", "current"]
    result = runner.invoke(app, args, env={})
    assert result.exit_code == errors.OK, result.output
    assert "needs upgrade" not in result.stdout
    assert "store.url: the command-line option overrides config file" in result.stderr
    assert not (tmp_path / "a.db").exists()


def test_audit_verify_reports_the_tampered_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = open_store(url, upgrade=True)
    with store.unit_of_work() as uow:
        for n in range(3):
            uow.audit.append("order", {"n": n})
        uow.commit()
    store.close()
    assert _run(url, "audit", "verify") == (0, "audit log intact: 3 rows\n")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET kind = 'x' WHERE seq = 2"))
    engine.dispose()
    code, output = _run(url, "audit", "verify")
    assert code == errors.DOMAIN
    assert "row 2" in output
