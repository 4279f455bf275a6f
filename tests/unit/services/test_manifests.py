"""Signing and verifying manifests: one distinct error per way trust can fail."""

from __future__ import annotations

import attrs
import pytest

from tests.manifests import OTHER_SEED, evolve, sample_manifest, signer
from tradecore.adapters.signing import NaclVerifier
from tradecore.domain.errors import (
    ManifestTampered,
    ManifestUnsigned,
    UntrustedSigningKey,
)
from tradecore.domain.research.manifest import SignedManifest, key_id, manifest_hash
from tradecore.services.research.manifests import (
    manifest_record,
    sign_manifest,
    verify_manifest,
)

TRUSTED = [signer().public_key()]


def test_a_signed_manifest_verifies_under_a_trusted_key() -> None:
    signed = sign_manifest(sample_manifest(), signer())
    assert verify_manifest(signed, NaclVerifier(), TRUSTED) == signed.manifest
    assert signed.signature is not None
    assert signed.signature.key_id == key_id(signer().public_key())


def test_unsigned_is_its_own_error() -> None:
    with pytest.raises(ManifestUnsigned):
        verify_manifest(
            SignedManifest(manifest=sample_manifest()), NaclVerifier(), TRUSTED
        )


def test_a_changed_field_is_tampering() -> None:
    signed = sign_manifest(sample_manifest(), signer())
    changed = attrs.evolve(signed, manifest=evolve(signed.manifest, embargo_bars=0))
    with pytest.raises(ManifestTampered, match="changed after signing"):
        verify_manifest(changed, NaclVerifier(), TRUSTED)


def test_a_swapped_public_key_is_tampering() -> None:
    signed = sign_manifest(sample_manifest(), signer())
    assert signed.signature is not None
    other = signer(OTHER_SEED).public_key().hex()
    swapped = attrs.evolve(
        signed, signature=attrs.evolve(signed.signature, public_key=other)
    )
    with pytest.raises(ManifestTampered):
        verify_manifest(swapped, NaclVerifier(), [*TRUSTED, bytes.fromhex(other)])


def test_a_valid_signature_by_an_untrusted_key_names_both_keys() -> None:
    signed = sign_manifest(sample_manifest(), signer(OTHER_SEED))
    with pytest.raises(UntrustedSigningKey) as raised:
        verify_manifest(signed, NaclVerifier(), TRUSTED)
    assert key_id(signer(OTHER_SEED).public_key()) in str(raised.value)
    assert key_id(TRUSTED[0]) in str(raised.value)


def test_dev_key_manifests_need_explicit_permission() -> None:
    signed = sign_manifest(sample_manifest(), signer(), dev_key=True)
    assert signed.manifest.dev_key is True
    with pytest.raises(UntrustedSigningKey, match="development key"):
        verify_manifest(signed, NaclVerifier(), TRUSTED)
    assert verify_manifest(signed, NaclVerifier(), TRUSTED, allow_dev_key=True)


def test_the_dev_key_flag_cannot_be_removed_after_signing() -> None:
    signed = sign_manifest(sample_manifest(), signer(), dev_key=True)
    stripped = attrs.evolve(signed, manifest=evolve(signed.manifest, dev_key=False))
    with pytest.raises(ManifestTampered):
        verify_manifest(stripped, NaclVerifier(), TRUSTED)


def test_the_store_record_carries_hash_signature_and_key_id() -> None:
    signed = sign_manifest(sample_manifest(), signer())
    record = manifest_record(signed)
    assert record.manifest_hash == manifest_hash(signed.manifest)
    assert record.model_hash == signed.manifest.model_hash
    assert record.data_hash == signed.manifest.dataset_fingerprint
    assert signed.signature is not None
    assert record.signature == signed.signature.value
    assert record.key_id == key_id(signer().public_key())
    unsigned = manifest_record(SignedManifest(manifest=sample_manifest()))
    assert unsigned.signature is None
    assert unsigned.key_id is None
