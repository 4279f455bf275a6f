"""``tradecore-live config show``: the redacted effective config and its hash."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from tradecore.apps.config.settings import config_hash, load_settings
from tradecore.apps.live.main import app
from tradecore.apps.wiring import errors

runner = CliRunner()


def test_config_show_prints_the_redacted_config_and_its_hash(tmp_path: Path) -> None:
    config = tmp_path / "tc.toml"
    config.write_text('[alerts.webhook]\nurl = "https://hooks.example.test/x"\n')
    env = {"TRADECORE_WEBHOOK_SECRET": "whsec-do-not-show"}
    result = runner.invoke(app, ["--config", str(config), "config", "show"], env=env)
    assert result.exit_code == 0, result.output
    assert "whsec-do-not-show" not in result.output
    document = json.loads(result.output)
    assert document["settings"]["alerts"]["webhook"]["secret"] == "***"
    effective = load_settings(config, {**os.environ, **env}, {})
    assert document["config_hash"] == config_hash(effective)


def test_config_show_refuses_conflicting_sources(tmp_path: Path) -> None:
    config = tmp_path / "tc.toml"
    config.write_text('[store]\nurl = "sqlite:///a.db"\n')
    result = runner.invoke(
        app,
        ["--config", str(config), "config", "show"],
        env={"TRADECORE_DATABASE_URL": "sqlite:///b.db"},
    )
    assert result.exit_code == errors.CONFIG_OR_AUTH
    assert "config file" in result.output
    assert "TRADECORE_DATABASE_URL" in result.output
