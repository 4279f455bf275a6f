"""The check ``tradecore-live`` runs before trading: what it accepts and refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.manifests import OTHER_SEED, sample_manifest, signer
from tradecore.adapters.signing import dev_signer, write_signed_manifest
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.wiring import errors
from tradecore.apps.wiring.manifest_trust import verify_manifest_file
from tradecore.domain import errors as e
from tradecore.services.research.manifests import sign_manifest

TRUSTED = SigningSettings(trusted_public_keys=(signer().public_key().hex(),))


def _write(tmp_path: Path, seed: bytes | None = None, *, dev: bool = False) -> Path:
    path = tmp_path / "manifest.json"
    write_signed_manifest(
        path,
        sign_manifest(
            sample_manifest(), signer(seed or b"") if seed else signer(), dev_key=dev
        ),
    )
    return path


def test_a_manifest_signed_by_a_trusted_key_is_accepted(tmp_path: Path) -> None:
    manifest = verify_manifest_file(
        _write(tmp_path),
        TRUSTED,
        feature_schema_hash="23" * 32,
        dataset_fingerprint="01" * 32,
    )
    assert manifest.strategy_id == "sma_cross"


@pytest.mark.parametrize(
    ("prepare", "error"),
    [
        (lambda p: p.unlink(), e.ManifestMissing),
        (
            lambda p: p.write_text(p.read_text().replace('"fast": 10', '"fast": 12')),
            e.ManifestTampered,
        ),
        (lambda p: p.write_text(p.read_text()[:-20]), e.ManifestMalformed),
    ],
)
def test_live_refuses_missing_tampered_and_malformed_manifests_with_exit_7(
    tmp_path: Path, prepare: object, error: type[e.ManifestRejected]
) -> None:
    path = _write(tmp_path)
    prepare(path)  # type: ignore[operator]
    with pytest.raises(error) as raised:
        verify_manifest_file(path, TRUSTED)
    assert errors.exit_code_for(raised.value) == errors.MANIFEST_REJECTED


def test_live_refuses_an_untrusted_key_and_a_data_mismatch(tmp_path: Path) -> None:
    with pytest.raises(e.UntrustedSigningKey):
        verify_manifest_file(_write(tmp_path, OTHER_SEED), TRUSTED)
    with pytest.raises(e.ManifestMismatch) as raised:
        verify_manifest_file(_write(tmp_path), TRUSTED, dataset_fingerprint="aa")
    assert errors.exit_code_for(raised.value) == errors.MANIFEST_REJECTED


def test_live_refuses_dev_key_manifests_unless_configured(tmp_path: Path) -> None:
    dev_dir = tmp_path / "dev"
    path = tmp_path / "manifest.json"
    write_signed_manifest(
        path, sign_manifest(sample_manifest(), dev_signer(dev_dir), dev_key=True)
    )
    settings = SigningSettings(dev_key_dir=str(dev_dir))
    with pytest.raises(e.UntrustedSigningKey, match="not trusted"):
        verify_manifest_file(path, settings)
    with pytest.raises(e.UntrustedSigningKey, match="development key"):
        verify_manifest_file(path, settings, trust_local_dev_key=True)
    allowed = SigningSettings(dev_key_dir=str(dev_dir), allow_dev_key=True)
    assert verify_manifest_file(path, allowed, trust_local_dev_key=True).dev_key
