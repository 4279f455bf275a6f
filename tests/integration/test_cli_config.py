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


def test_config_show_with_a_decimal_risk_value_does_not_crash(tmp_path: Path) -> None:
    # Was: TypeError: Object of type Decimal is not JSON serializable.
    config = tmp_path / "tc.toml"
    config.write_text("[risk]\nmax_order_notional = 2500.50\nprice_collar_pct = 2.5\n")
    result = runner.invoke(app, ["--config", str(config), "config", "show"])
    assert result.exit_code == 0, result.output
    risk = json.loads(result.output)["settings"]["risk"]["limits"]
    assert risk["max_order_notional"] == "2500.5"
    assert risk["price_collar_pct"] == "2.5"


def test_config_show_redacts_the_smtp_username(tmp_path: Path) -> None:
    config = tmp_path / "tc.toml"
    config.write_text(
        '[alerts.smtp]\nhost = "h"\nsender = "a@x"\nrecipients = ["o@x"]\n'
        'username = "smtp-login-name"\n'
    )
    env = {"TRADECORE_SMTP_PASSWORD": "pw"}
    result = runner.invoke(app, ["--config", str(config), "config", "show"], env=env)
    assert result.exit_code == 0, result.output
    assert "smtp-login-name" not in result.output
    assert json.loads(result.output)["settings"]["alerts"]["smtp"]["username"] == "***"


def test_config_show_refuses_a_string_where_a_list_is_expected(tmp_path: Path) -> None:
    config = tmp_path / "tc.toml"
    config.write_text('[risk]\nrestricted_symbols = "AAPL"\n')
    result = runner.invoke(app, ["--config", str(config), "config", "show"])
    assert result.exit_code == errors.CONFIG_OR_AUTH
    assert "risk.restricted_symbols = 'AAPL': expected a list" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
