"""Sign manifests, and decide whether a signed manifest may be trusted.

Verification answers one question with one distinct error per way it can fail, so an
operator reading ``tradecore-live``'s refusal knows what to fix: unsigned, tampered
(the signature does not verify under the key it names), signed by a key that is not
trusted, or signed with a development key where only production keys are accepted.
"""

from __future__ import annotations

from collections.abc import Collection

import attrs

from tradecore.domain.errors import (
    ManifestTampered,
    ManifestUnsigned,
    SignatureError,
    UntrustedSigningKey,
)
from tradecore.domain.research.manifest import (
    Manifest,
    ManifestSignature,
    SignedManifest,
    key_id,
    manifest_bytes,
    manifest_hash,
)
from tradecore.ports.signing import Signer, Verifier
from tradecore.ports.store import UnitOfWork
from tradecore.ports.store_records import ManifestRecord, ModelRecord


def sign_manifest(
    manifest: Manifest, signer: Signer, *, dev_key: bool = False
) -> SignedManifest:
    """Sign ``manifest``; ``dev_key`` is written into the manifest *before* signing.

    The flag is part of the signed bytes, so it cannot be removed afterwards without
    breaking the signature.
    """
    manifest = attrs.evolve(manifest, dev_key=dev_key)
    signature = signer.sign(manifest_bytes(manifest))
    return SignedManifest(
        manifest=manifest,
        signature=ManifestSignature(
            public_key=signer.public_key().hex(), value=signature.hex()
        ),
    )


def verify_manifest(
    signed: SignedManifest,
    verifier: Verifier,
    trusted_keys: Collection[bytes],
    *,
    allow_dev_key: bool = False,
) -> Manifest:
    """Return the manifest if its signature verifies under one of ``trusted_keys``.

    Args:
        signed: the manifest as read from its file.
        verifier: checks one signature under one public key.
        trusted_keys: raw public keys whose signatures are accepted.
        allow_dev_key: accept manifests marked as signed with a development key.

    Raises:
        ManifestUnsigned: there is no signature.
        ManifestTampered: the signature does not verify under the key it names.
        UntrustedSigningKey: it verifies, but that key is not trusted, or it is a
            development-key manifest and ``allow_dev_key`` is false.
    """
    signature = signed.signature
    if signature is None:
        raise ManifestUnsigned("the manifest is not signed")
    public_key = bytes.fromhex(signature.public_key)
    try:
        verifier.verify(
            manifest_bytes(signed.manifest), bytes.fromhex(signature.value), public_key
        )
    except SignatureError as e:
        raise ManifestTampered(
            f"the signature does not verify under key {signature.key_id}: the "
            "manifest or its signature was changed after signing"
        ) from e
    if public_key not in set(trusted_keys):
        trusted = ", ".join(sorted(key_id(k) for k in trusted_keys)) or "none"
        raise UntrustedSigningKey(
            f"signed by key {signature.key_id}, which is not trusted (trusted: {trusted})"
        )
    if signed.manifest.dev_key and not allow_dev_key:
        raise UntrustedSigningKey(
            f"signed with development key {signature.key_id}; sign it with a "
            "production key (tradecore-replay manifest sign FILE --key KEYFILE)"
        )
    return signed.manifest


def manifest_record(signed: SignedManifest) -> ManifestRecord:
    """Return the store's record of ``signed`` (for ``uow.models.record_manifest``)."""
    manifest, signature = signed.manifest, signed.signature
    return ManifestRecord(
        manifest_hash=manifest_hash(manifest),
        model_hash=manifest.model_hash,
        data_hash=manifest.dataset_fingerprint,
        cost_model_hash=manifest.cost_model_version,
        config_hash=manifest.config_hash,
        created_at=manifest.created_at,
        signature=None if signature is None else signature.value,
        key_id=None if signature is None else signature.key_id,
    )


def store_manifest(uow: UnitOfWork, signed: SignedManifest) -> bool:
    """Register the manifest's model (once) and store the manifest (once).

    So the hash every decision record carries resolves, in the same database, to
    what the decision depended on. Returns False if the manifest was already stored.
    """
    manifest = signed.manifest
    uow.models.register(
        ModelRecord(
            model_hash=manifest.model_hash,
            name=manifest.model_name,
            created_at=manifest.created_at,
            metadata={"version": manifest.model_version},
        )
    )
    return uow.models.record_manifest(manifest_record(signed))
