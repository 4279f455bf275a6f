"""Key files, the development key and manifest files on disk."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.manifests import sample_manifest, signer
from tradecore.adapters.signing import (
    dev_public_key,
    dev_signer,
    generate_key_files,
    load_public_key,
    load_signer,
    read_signed_manifest,
    write_signed_manifest,
)
from tradecore.domain.errors import (
    ConfigurationError,
    ManifestMalformed,
    ManifestMissing,
    SignatureError,
)
from tradecore.domain.research.manifest import SignedManifest, key_id
from tradecore.services.research.manifests import sign_manifest


def test_generated_private_key_is_0600_and_loads(tmp_path: Path) -> None:
    files = generate_key_files(tmp_path / "keys")
    assert stat.S_IMODE(files.private_key.stat().st_mode) == 0o600
    loaded = load_signer(files.private_key)
    assert loaded.public_key() == load_public_key(files.public_key)
    assert files.key_id == key_id(loaded.public_key())
    assert files.private_key.read_text().strip() not in repr(loaded)


def test_generation_never_overwrites_a_key(tmp_path: Path) -> None:
    files = generate_key_files(tmp_path)
    before = files.private_key.read_bytes()
    with pytest.raises(ConfigurationError, match="refusing to overwrite"):
        generate_key_files(tmp_path)
    assert files.private_key.read_bytes() == before


def test_a_private_key_others_can_read_is_refused(tmp_path: Path) -> None:
    files = generate_key_files(tmp_path)
    files.private_key.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_signer(files.private_key)


def test_a_garbled_key_file_is_a_signature_error_that_does_not_echo_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.key"
    path.write_text("zz" * 32)
    path.chmod(0o600)
    with pytest.raises(SignatureError) as raised:
        load_signer(path)
    assert "zz" not in str(raised.value)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_public_key(tmp_path / "missing.pub")


def test_the_dev_key_is_created_once_then_reused(tmp_path: Path) -> None:
    directory = tmp_path / "dev"
    assert dev_public_key(directory) is None
    first = dev_signer(directory)
    assert dev_signer(directory).public_key() == first.public_key()
    assert dev_public_key(directory) == first.public_key()


def test_a_manifest_file_round_trips(tmp_path: Path) -> None:
    signed = sign_manifest(sample_manifest(), signer())
    path = tmp_path / "out" / "manifest.json"
    write_signed_manifest(path, signed)
    back = read_signed_manifest(path)
    assert back.signature == signed.signature
    assert back.manifest.created_at == signed.manifest.created_at
    assert json.loads(path.read_text())["manifest"]["format"] == "tradecore.manifest/1"


def test_an_unsigned_manifest_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    write_signed_manifest(path, SignedManifest(manifest=sample_manifest()))
    assert read_signed_manifest(path).signature is None


def _rewrite(path: Path, edit: object) -> None:
    document = json.loads(path.read_text())
    edit(document)  # type: ignore[operator]
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["manifest"].pop("config_hash"), "missing keys"),
        (lambda d: d["manifest"].update(extra=1), "unknown keys"),
        (lambda d: d["manifest"].update(format="other/9"), "format"),
        (lambda d: d["manifest"].update(created_at="yesterday"), "created_at"),
        (lambda d: d["manifest"].update(embargo_bars=-2), "embargo_bars"),
        (lambda d: d["manifest"].update(data_sources={}), "data_sources"),
        (lambda d: d["signature"].update(value="AB" * 64), "value"),
        (lambda d: d.update(manifest=[]), "JSON object"),
        (
            lambda d: d["manifest"].update(created_at="2026-01-05T12:00:00-00:00"),
            "canonical",
        ),
    ],
)
def test_malformed_manifest_files_name_the_problem(
    tmp_path: Path, edit: object, message: str
) -> None:
    path = tmp_path / "manifest.json"
    write_signed_manifest(path, sign_manifest(sample_manifest(), signer()))
    _rewrite(path, edit)
    with pytest.raises(ManifestMalformed, match=message):
        read_signed_manifest(path)


def test_duplicate_keys_and_bad_json_are_malformed(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{"manifest": {}, "manifest": {}}')
    with pytest.raises(ManifestMalformed, match="twice"):
        read_signed_manifest(path)
    path.write_text("{not json")
    with pytest.raises(ManifestMalformed, match="not valid JSON"):
        read_signed_manifest(path)


def test_a_missing_file_is_manifest_missing(tmp_path: Path) -> None:
    with pytest.raises(ManifestMissing, match="no manifest"):
        read_signed_manifest(tmp_path / "nope.json")
