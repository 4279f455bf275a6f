"""The configuration files in ``examples/`` load, through the loader and the CLI,
and hold no secret (keys and passwords come from the environment)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.apps.config.settings import load_settings, secret_values
from tradecore.apps.live.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONFIGS = ("paper-emulator.toml", "alpaca-paper.toml", "alerts.toml")


def test_every_example_config_is_tested() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.toml")) == sorted(CONFIGS)


@pytest.mark.parametrize("name", CONFIGS)
def test_example_loads_and_holds_no_secret(name: str) -> None:
    settings = load_settings(EXAMPLES / name, {})
    # The SMTP login name is redacted like a secret, but may sit in the file.
    smtp = settings.alerts.smtp
    login = {smtp.username} if smtp is not None else set()
    assert set(secret_values(settings)) <= login


@pytest.mark.parametrize("name", CONFIGS)
def test_config_show_prints_the_example(name: str) -> None:
    result = CliRunner().invoke(
        app, ["--config", str(EXAMPLES / name), "config", "show"], env={}
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["config_hash"]) == 64


def test_the_examples_say_where_they_point() -> None:
    emulator = load_settings(EXAMPLES / "paper-emulator.toml", {})
    assert emulator.broker.kind == "alpaca"
    assert emulator.broker.base_url == "http://127.0.0.1:8080"  # the emulator's default
    paper = load_settings(EXAMPLES / "alpaca-paper.toml", {})
    assert (paper.broker.kind, paper.broker.live, paper.broker.base_url) == (
        "alpaca",
        False,
        None,
    )
    alerts = load_settings(EXAMPLES / "alerts.toml", {}).alerts
    assert alerts.webhook is not None
    assert alerts.smtp is not None
    assert {s for r in alerts.routes for s in r.sinks} == {
        "log",
        "store",
        "webhook",
        "email",
    }
