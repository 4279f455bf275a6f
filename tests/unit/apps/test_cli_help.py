"""Both console apps answer --help and --version, and map errors to exit codes."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

import tradecore
from tradecore.apps.live import main as live
from tradecore.apps.replay import main as replay
from tradecore.apps.wiring import errors
from tradecore.domain import errors as e

runner = CliRunner()


@pytest.mark.parametrize("app", [live.app, replay.app])
def test_help_and_version(app: typer.Typer) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0
    assert tradecore.__version__ in version.output


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (e.SignatureError("bad"), errors.SIGNATURE),
        (e.ConfigurationError("bad"), errors.CONFIG_OR_AUTH),
        (e.AuthenticationFailed("bad"), errors.CONFIG_OR_AUTH),
        (e.MissingSecret("no key"), errors.MISSING_SECRET),
        (e.SchemaOutOfDate("old"), errors.SCHEMA_NOT_AT_HEAD),
        (e.StoreUnavailable("down"), errors.UNAVAILABLE),
        (e.RateLimited("slow"), errors.UNAVAILABLE),
        (e.InvalidInput("qty", -1, "must be > 0"), errors.DOMAIN),
        (e.RiskRejected("max_notional", "too big"), errors.DOMAIN),
    ],
)
def test_exit_code_table(error: e.TradecoreError, code: int) -> None:
    assert errors.exit_code_for(error) == code
