"""Config governance: ops sections, redacted view, config hash, conflicts, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.apps.config.settings import (
    config_hash,
    load_settings,
    redacted,
    secret_values,
)
from tradecore.apps.wiring import errors
from tradecore.domain import errors as e

OPS_TOML = """
[alerts]
window_s = 60
kill_switch_codes = ["broker.lockout"]
[alerts.webhook]
url = "https://hooks.example.test/tradecore"
[alerts.smtp]
host = "127.0.0.1"
sender = "tc@example.test"
recipients = ["oncall@example.test"]
username = "tc"
[[alerts.routes]]
sinks = ["webhook", "email"]
min_severity = "critical"
[[alerts.routes]]
sinks = ["log"]
codes = ["breaker.*"]
[observability]
port = 9100
"""
ENV = {"TRADECORE_WEBHOOK_SECRET": "whsec-123", "TRADECORE_SMTP_PASSWORD": "pw-456"}


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tc.toml"
    path.write_text(text)
    return path


def test_ops_sections_load_from_file_and_secrets_from_the_environment(
    tmp_path: Path,
) -> None:
    settings = load_settings(_toml(tmp_path, OPS_TOML), ENV, {})
    assert settings.alerts.webhook is not None
    assert settings.alerts.webhook.secret == "whsec-123"
    assert settings.alerts.smtp is not None
    assert settings.alerts.smtp.password == "pw-456"
    assert settings.alerts.routes[1].codes == ("breaker.*",)
    assert settings.observability.port == 9100
    assert "whsec-123" not in repr(settings)
    assert sorted(secret_values(settings)) == ["pw-456", "tc", "whsec-123"]


def test_the_redacted_view_hides_every_secret(tmp_path: Path) -> None:
    view = redacted(load_settings(_toml(tmp_path, OPS_TOML), ENV, {}))
    assert view["alerts"]["webhook"]["secret"] == "***"
    assert view["alerts"]["smtp"]["password"] == "***"
    assert view["alerts"]["smtp"]["username"] == "***"
    assert "whsec-123" not in str(view)
    assert redacted(load_settings(None, {}, {}))["alerts"]["webhook"] is None


def test_config_hash_follows_settings_but_not_secrets(tmp_path: Path) -> None:
    path = _toml(tmp_path, OPS_TOML)
    base = config_hash(load_settings(path, ENV, {}))
    assert len(base) == 64
    assert base == config_hash(load_settings(path, ENV, {}))
    other_secret = {**ENV, "TRADECORE_WEBHOOK_SECRET": "rotated"}
    assert config_hash(load_settings(path, other_secret, {})) == base
    changed = _toml(tmp_path, OPS_TOML.replace("window_s = 60", "window_s = 61"))
    assert config_hash(load_settings(changed, ENV, {})) != base


def test_a_secret_set_in_file_and_environment_differently_names_both(
    tmp_path: Path,
) -> None:
    text = OPS_TOML.replace(
        'url = "https://hooks.example.test/tradecore"',
        'url = "https://hooks.example.test/tradecore"\nsecret = "from-file"',
    )
    with pytest.raises(e.ConfigurationError) as raised:
        load_settings(_toml(tmp_path, text), ENV, {})
    message = str(raised.value)
    assert "config file" in message
    assert "TRADECORE_WEBHOOK_SECRET" in message
    assert "from-file" not in message
    assert "whsec-123" not in message
    assert errors.exit_code_for(raised.value) == errors.CONFIG_OR_AUTH


@pytest.mark.parametrize(
    "text",
    [
        "[alerts]\nwindow = 5\n",
        "[alerts.webhook]\nurl = 'https://x.test'\nsecrett = 'x'\n",
        "[[alerts.routes]]\nsinks = ['log']\nmin_severity = 'loud'\n",
        "[signing]\nallow_dev_keys = true\n",
        "[observability]\nport = 'high'\n",
    ],
)
def test_unknown_keys_and_bad_values_in_ops_sections_are_errors(
    tmp_path: Path, text: str
) -> None:
    with pytest.raises(e.ConfigurationError, match="config"):
        load_settings(_toml(tmp_path, text), {}, {})


def test_manifest_rejections_have_their_own_exit_code() -> None:
    assert errors.MANIFEST_REJECTED not in {
        errors.OK,
        errors.BUG,
        errors.USAGE,
        errors.DOMAIN,
        errors.UNAVAILABLE,
        errors.CONFIG_OR_AUTH,
        errors.SIGNATURE,
    }
    for error in (
        e.ManifestMissing("x"),
        e.ManifestUnsigned("x"),
        e.ManifestTampered("x"),
        e.UntrustedSigningKey("x"),
        e.ManifestMalformed("x"),
        e.ManifestMismatch("dataset_fingerprint", "a", "b"),
    ):
        assert errors.exit_code_for(error) == errors.MANIFEST_REJECTED
    assert errors.exit_code_for(e.SignatureError("x")) == errors.SIGNATURE
