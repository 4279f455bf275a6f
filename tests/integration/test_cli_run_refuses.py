"""``tradecore-live run`` refuses to start, each refusal with its own exit code and a
message that says what to fix: a database not at the migration head, a missing API
key or master key, and one setting given two different values by two sources."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.risk_support import sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
#: Nothing listens here: a refusal must come before any broker call.
DEAD_BROKER = '[broker]\nkind = "alpaca"\nbase_url = "http://127.0.0.1:9"\n'
DEAD_STREAM = 'stream_url = "ws://127.0.0.1:9/stream"\n'
KEYS = {"APCA_API_KEY_ID": "key", "APCA_API_SECRET_KEY": "secret"}


@pytest.fixture
def bars(tmp_path: Path) -> Path:
    folder = tmp_path / "bars"
    write_bar_files(folder, generate_bars(["AAA"], 30, start=START, seed=2))
    return folder


def _run(
    tmp_path: Path, config: str, env: dict[str, str], *args: str
) -> tuple[int, str]:
    toml = tmp_path / "live.toml"
    toml.write_text(config)
    result = CliRunner().invoke(app, ["--config", str(toml), "run", *args], env=env)
    return result.exit_code, result.output


def test_a_database_not_at_head_is_refused_before_the_broker(
    tmp_path: Path, bars: Path
) -> None:
    empty = tmp_path / "empty.db"
    config = f'[store]\nurl = "sqlite:///{empty}"\n{DEAD_BROKER}{DEAD_STREAM}'
    code, output = _run(tmp_path, config, KEYS, "--bars", str(bars))
    assert code == errors.SCHEMA_NOT_AT_HEAD
    assert "tradecore-live db upgrade" in output

    old = tmp_path / "old.db"
    sqlite_store(old).close()
    downgrade = CliRunner().invoke(
        app, ["--database-url", f"sqlite:///{old}", "db", "downgrade", "0001_initial"]
    )
    assert downgrade.exit_code == 0, downgrade.output
    config = f'[store]\nurl = "sqlite:///{old}"\n{DEAD_BROKER}{DEAD_STREAM}'
    code, output = _run(tmp_path, config, KEYS, "--bars", str(bars))
    assert code == errors.SCHEMA_NOT_AT_HEAD
    assert "tradecore-live db upgrade" in output


def test_live_mode_without_the_master_key_is_refused(
    tmp_path: Path, bars: Path
) -> None:
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    config = f'[store]\nurl = "sqlite:///{db}"\n{DEAD_BROKER}live = true\n'
    code, output = _run(tmp_path, config, KEYS, "--bars", str(bars), "--live")
    assert code == errors.MISSING_SECRET
    assert "TRADECORE_MASTER_KEY" in output
    assert "secret" not in output.replace("TRADECORE_SECRETS_FILE", "")


def test_a_missing_api_key_is_refused(tmp_path: Path, bars: Path) -> None:
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    config = f'[store]\nurl = "sqlite:///{db}"\n{DEAD_BROKER}{DEAD_STREAM}'
    code, output = _run(tmp_path, config, {}, "--bars", str(bars))
    assert code == errors.MISSING_SECRET
    assert "no Alpaca API key" in output
    half = {"APCA_API_KEY_ID": "key"}
    code, output = _run(tmp_path, config, half, "--bars", str(bars))
    assert code == errors.MISSING_SECRET
    assert "APCA_API_SECRET_KEY is not set" in output


def test_one_setting_from_two_sources_with_different_values_is_refused(
    tmp_path: Path, bars: Path
) -> None:
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    config = f'[store]\nurl = "sqlite:///{db}"\n[broker]\nkind = "simulated"\n'
    env = {"TRADECORE_BROKER": "alpaca"}
    code, output = _run(tmp_path, config, env, "--bars", str(bars))
    assert code == errors.CONFIG_OR_AUTH
    assert "broker.kind is set twice with different values" in output
    assert "environment variable TRADECORE_BROKER" in output
    env = {"TRADECORE_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"}
    code, output = _run(tmp_path, config, env, "--bars", str(bars))
    assert code == errors.CONFIG_OR_AUTH
    assert "store.url is set twice" in output
    # The same value from both sources is no conflict.
    same = {"TRADECORE_BROKER": "simulated"}
    code, output = _run(tmp_path, config, same, "--bars", str(bars), "--param=qty=1")
    assert code == errors.OK, output
