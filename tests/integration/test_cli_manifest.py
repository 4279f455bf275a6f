"""``tradecore-replay keys generate`` and ``manifest sign|verify`` end to end."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.manifests import sample_manifest
from tradecore.adapters.signing import write_signed_manifest
from tradecore.apps.replay.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.research.manifest import SignedManifest

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Keep the development key inside the test's folder."""
    return {"TRADECORE_DEV_KEY_DIR": str(tmp_path / "dev-key")}


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _unsigned(tmp_path: Path) -> Path:
    path = tmp_path / "out" / "manifest.json"
    write_signed_manifest(path, SignedManifest(manifest=sample_manifest()))
    return path


def _keys(env: dict[str, str], directory: Path) -> tuple[Path, Path]:
    code, output = _run(env, "keys", "generate", "--out", str(directory))
    assert code == 0, output
    return directory / "signing.key", directory / "signing.pub"


def test_keys_generate_writes_0600_and_never_prints_the_key(
    tmp_path: Path, env: dict[str, str]
) -> None:
    code, output = _run(env, "keys", "generate", "--out", str(tmp_path / "k"))
    assert code == 0, output
    private = tmp_path / "k" / "signing.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().strip() not in output
    assert "key id" in output
    code, output = _run(env, "keys", "generate", "--out", str(tmp_path / "k"))
    assert code == errors.CONFIG_OR_AUTH
    assert "refusing to overwrite" in output


def test_sign_then_verify_with_the_public_key(
    tmp_path: Path, env: dict[str, str]
) -> None:
    key, pub = _keys(env, tmp_path / "k")
    manifest = _unsigned(tmp_path)
    code, output = _run(env, "manifest", "sign", str(manifest), "--key", str(key))
    assert code == 0, output
    assert "development key" not in output
    code, output = _run(env, "manifest", "verify", str(manifest), "--pubkey", str(pub))
    assert code == 0, output
    assert output.startswith("manifest OK: ")
    assert json.loads(manifest.read_text())["manifest"]["dev_key"] is False


def test_every_way_to_fail_verification_exits_7_with_its_reason(
    tmp_path: Path, env: dict[str, str]
) -> None:
    key, pub = _keys(env, tmp_path / "k")
    _, other_pub = _keys(env, tmp_path / "other")
    manifest = _unsigned(tmp_path)
    verify = ["manifest", "verify", str(manifest), "--pubkey", str(pub)]

    assert _fails(env, verify) == "error: the manifest is not signed\n"
    _run(env, "manifest", "sign", str(manifest), "--key", str(key))
    wrong_key = ["manifest", "verify", str(manifest), "--pubkey", str(other_pub)]
    assert "not trusted" in _fails(env, wrong_key)
    dataset = [*verify, "--expect-dataset", "ff" * 32]
    assert "dataset_fingerprint" in _fails(env, dataset)
    schema = [*verify, "--expect-feature-schema", "ee" * 32]
    assert "feature_schema_hash" in _fails(env, schema)

    manifest.write_text(manifest.read_text().replace('"slow": 30', '"slow": 31'))
    assert "does not verify" in _fails(env, verify)
    manifest.unlink()
    assert "no manifest" in _fails(env, verify)


def _fails(env: dict[str, str], args: list[str]) -> str:
    code, output = _run(env, *args)
    assert code == errors.MANIFEST_REJECTED, output
    return output


def test_without_a_key_the_dev_key_signs_and_verify_trusts_it_locally(
    tmp_path: Path, env: dict[str, str]
) -> None:
    manifest = _unsigned(tmp_path)
    code, output = _run(env, "manifest", "sign", str(manifest))
    assert code == 0, output
    assert "(development key)" in output
    assert (tmp_path / "dev-key" / "signing.key").exists()
    assert json.loads(manifest.read_text())["manifest"]["dev_key"] is True
    code, output = _run(env, "manifest", "verify", str(manifest))
    assert code == 0, output
    assert "signed with a development key" in output


def test_configured_trusted_keys_come_from_the_config_file(
    tmp_path: Path, env: dict[str, str]
) -> None:
    key, pub = _keys(env, tmp_path / "k")
    manifest = _unsigned(tmp_path)
    config = tmp_path / "tc.toml"
    config.write_text(
        f'[signing]\nkey_file = "{key}"\n'
        f'trusted_public_keys = ["{pub.read_text().strip()}"]\n'
    )
    assert _run(env, "manifest", "sign", str(manifest), "--config", str(config))[0] == 0
    code, output = _run(
        env, "manifest", "verify", str(manifest), "--config", str(config)
    )
    assert code == 0, output
