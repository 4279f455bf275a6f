"""``tradecore-live init`` writes a config the strict loader takes; key files in
``[signing] trusted_public_keys`` are read as ``manifest verify --pubkey`` reads them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.manifests import sample_manifest
from tradecore.adapters.signing import write_signed_manifest
from tradecore.apps.config.settings import load_settings
from tradecore.apps.live.main import app as live_app
from tradecore.apps.replay.main import app as replay_app
from tradecore.apps.wiring import errors
from tradecore.domain.research.manifest import SignedManifest

runner = CliRunner()


@pytest.mark.parametrize(
    ("flag", "kind", "base_url"),
    [
        ("--emulator", "alpaca", "http://127.0.0.1:8080"),
        ("--alpaca-paper", "alpaca", None),
    ],
)
def test_init_writes_a_config_the_strict_loader_takes(
    tmp_path: Path, flag: str, kind: str, base_url: str | None
) -> None:
    out = tmp_path / "paper.toml"
    result = runner.invoke(live_app, ["init", flag, "--out", str(out)])
    assert result.exit_code == 0, result.output
    settings = load_settings(out, {}, {})
    assert settings.broker.kind == kind
    assert settings.broker.live is False
    assert settings.broker.base_url == base_url
    assert settings.store.url == "sqlite:///paper.db"
    assert settings.risk.limits.max_order_notional is not None
    assert settings.risk.breakers.daily_loss is not None
    assert settings.signing.allow_dev_key is (flag == "--emulator")
    text = out.read_text()
    assert "APCA_API_SECRET_KEY" in text  # says where keys come from ...
    assert not re.search(r"(?m)^\s*(secret|password)\s*=", text)  # ... and holds none


def test_the_commented_alert_sinks_load_once_uncommented(tmp_path: Path) -> None:
    out = tmp_path / "paper.toml"
    assert runner.invoke(live_app, ["init", "--out", str(out)]).exit_code == 0
    text = out.read_text()
    start = text.index("# A webhook")
    tail = re.sub(r"(?m)^# ([\[a-z].*=.*|\[.*\])$", r"\1", text[start:])
    out.write_text(text[:start] + tail)
    settings = load_settings(out, {}, {})
    assert settings.alerts.webhook is not None
    assert settings.alerts.smtp is not None
    assert len(settings.alerts.routes) == 3


def test_init_without_a_flag_is_the_emulator_and_never_overwrites_silently(
    tmp_path: Path,
) -> None:
    out = tmp_path / "paper.toml"
    first = runner.invoke(live_app, ["init", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "emulator" in first.output
    out.write_text("# mine\n")
    again = runner.invoke(live_app, ["init", "--out", str(out)])
    assert again.exit_code == errors.CONFIG_OR_AUTH
    assert again.output.strip().splitlines() == [
        f"error: {out} exists: give --force to overwrite it, or another --out"
    ]
    assert out.read_text() == "# mine\n"
    forced = runner.invoke(
        live_app, ["init", "--alpaca-paper", "--force", "--out", str(out)]
    )
    assert forced.exit_code == 0, forced.output
    assert "paper-api.alpaca.markets" in out.read_text()
    both = runner.invoke(
        live_app, ["init", "--emulator", "--alpaca-paper", "--out", str(out)]
    )
    assert both.exit_code == errors.CONFIG_OR_AUTH


# --- key files in [signing] trusted_public_keys --------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Keep the development key inside the test's folder."""
    return {"TRADECORE_DEV_KEY_DIR": str(tmp_path / "dev-key")}


def _signed_manifest(tmp_path: Path, env: dict[str, str]) -> tuple[Path, Path]:
    keys = tmp_path / "k"
    made = runner.invoke(replay_app, ["keys", "generate", "--out", str(keys)], env=env)
    assert made.exit_code == 0, made.output
    manifest = tmp_path / "out" / "manifest.json"
    write_signed_manifest(manifest, SignedManifest(manifest=sample_manifest()))
    signed = runner.invoke(
        replay_app,
        ["manifest", "sign", str(manifest), "--key", str(keys / "signing.key")],
        env=env,
    )
    assert signed.exit_code == 0, signed.output
    return manifest, keys / "signing.pub"


def _verify(manifest: Path, config: Path, env: dict[str, str]) -> tuple[int, str]:
    # With --config and no --pubkey, only the configured keys (and the dev key) count.
    result = runner.invoke(
        replay_app,
        ["manifest", "verify", str(manifest), "--config", str(config)],
        env=env,
    )
    return result.exit_code, result.output


def test_a_trusted_key_may_be_a_key_file_or_its_hex(
    tmp_path: Path, env: dict[str, str]
) -> None:
    manifest, pub = _signed_manifest(tmp_path, env)
    config = tmp_path / "tc.toml"
    config.write_text(f'[signing]\ntrusted_public_keys = ["{pub}"]\n')
    code, output = _verify(manifest, config, env)
    assert code == 0, output
    assert output.startswith("manifest OK: ")
    hex_key = pub.read_text().strip()
    config.write_text(f'[signing]\ntrusted_public_keys = ["{hex_key}"]\n')
    assert _verify(manifest, config, env)[0] == 0
    # Without the key, the same manifest is not trusted: the entry did the work.
    config.write_text("[signing]\ntrusted_public_keys = []\n")
    assert _verify(manifest, config, env)[0] == errors.MANIFEST_REJECTED


def test_a_bad_key_file_is_one_line_naming_the_entry(
    tmp_path: Path, env: dict[str, str]
) -> None:
    manifest, pub = _signed_manifest(tmp_path, env)
    missing = tmp_path / "nowhere" / "signing.pub"
    config = tmp_path / "tc.toml"
    config.write_text(f'[signing]\ntrusted_public_keys = ["{pub}", "{missing}"]\n')
    code, output = _verify(manifest, config, env)
    assert code == errors.CONFIG_OR_AUTH, output
    (line,) = output.strip().splitlines()
    assert line.startswith("error: signing.trusted_public_keys[1]: cannot read")
    assert str(missing) in line
    garbage = tmp_path / "garbage.pub"
    garbage.write_text("not a key\n")
    config.write_text(f'[signing]\ntrusted_public_keys = ["{garbage}"]\n')
    code, output = _verify(manifest, config, env)
    assert code == errors.SIGNATURE, output
    assert "signing.trusted_public_keys[0]" in output
    assert len(output.strip().splitlines()) == 1
