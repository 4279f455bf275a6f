"""Composition for manifests: which key signs, which keys are trusted, the live gate.

``tradecore-replay`` signs with the configured key, or with the local development
key (marking the manifest ``dev_key``) when none is configured. ``tradecore-live``
calls :func:`verify_manifest_file` before trading: any failure raises a
:class:`~tradecore.domain.errors.ManifestRejected` subclass, which the CLI turns
into its own exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tradecore.adapters.signing import (
    NaclSigner,
    NaclVerifier,
    dev_public_key,
    dev_signer,
    load_public_key,
    load_signer,
    parse_public_key,
    read_signed_manifest,
    write_signed_manifest,
)
from tradecore.apps.config.operations import SigningSettings
from tradecore.domain.errors import ConfigurationError, SignatureError
from tradecore.domain.research.manifest import (
    Manifest,
    SignedManifest,
    check_manifest_matches,
)
from tradecore.services.research.manifests import sign_manifest, verify_manifest


def _dev_dir(settings: SigningSettings) -> Path | None:
    return Path(settings.dev_key_dir) if settings.dev_key_dir else None


def configured_signer(
    settings: SigningSettings, key_file: Path | None = None
) -> tuple[NaclSigner, bool]:
    """Return the signer to use and whether it is the development key.

    An explicit ``key_file`` wins over ``settings.key_file``; with neither, the
    development key is used (created on first use).

    Raises:
        ConfigurationError: a key file is missing, unreadable or exposed.
        SignatureError: a key file does not hold a key.
    """
    path = key_file or (Path(settings.key_file) if settings.key_file else None)
    if path is None:
        return dev_signer(_dev_dir(settings)), True
    signer = load_signer(path)
    return signer, signer.public_key() == dev_public_key(_dev_dir(settings))


def trusted_keys(
    settings: SigningSettings,
    pubkey_files: Sequence[Path] = (),
    *,
    include_dev_key: bool = False,
) -> list[bytes]:
    """Return the public keys to trust: config, extra ``.pub`` files, the dev key.

    Raises:
        ConfigurationError: a public key file cannot be read.
        SignatureError: a configured key is not 64 hex characters, or a key file
            does not hold one.
    """
    keys = [
        configured_public_key(text, f"signing.trusted_public_keys[{n}]")
        for n, text in enumerate(settings.trusted_public_keys)
    ]
    keys += [load_public_key(path) for path in pubkey_files]
    dev = dev_public_key(_dev_dir(settings)) if include_dev_key else None
    return keys + ([dev] if dev is not None else [])


def configured_public_key(text: str, where: str) -> bytes:
    """One ``[signing] trusted_public_keys`` entry: 64 hex characters, or a key file.

    An entry that looks like a path (it has a ``/``, starts with ``~`` or ends in
    ``.pub``) is read as ``manifest verify --pubkey`` reads its file (``keys
    generate`` writes one); anything else must be the hex key itself. The hex error
    never echoes the text, which could be a private key pasted by mistake.

    Raises:
        ConfigurationError: the key file cannot be read (one line naming it).
        SignatureError: not a hex key, or a file that does not hold one.
    """
    stripped = text.strip()
    if (
        "/" in stripped
        or "\\" in stripped
        or stripped.startswith("~")
        or (stripped.endswith(".pub"))
    ):
        try:
            return load_public_key(Path(stripped).expanduser())
        except (ConfigurationError, SignatureError) as error:
            raise type(error)(f"{where}: {error}") from None
    return parse_public_key(stripped, where)


def sign_manifest_file(
    path: Path, settings: SigningSettings, key_file: Path | None = None
) -> SignedManifest:
    """Sign the manifest in ``path`` in place (re-signing replaces a signature).

    Raises:
        ManifestMissing, ManifestMalformed: the file is absent or not a manifest.
        ConfigurationError, SignatureError: see :func:`configured_signer`.
    """
    unsigned = read_signed_manifest(path).manifest
    signer, is_dev = configured_signer(settings, key_file)
    signed = sign_manifest(unsigned, signer, dev_key=is_dev)
    write_signed_manifest(path, signed)
    return signed


def verify_manifest_file(
    path: Path,
    settings: SigningSettings,
    *,
    pubkey_files: Sequence[Path] = (),
    trust_local_dev_key: bool = False,
    allow_dev_key: bool | None = None,
    feature_schema_hash: str | None = None,
    dataset_fingerprint: str | None = None,
) -> Manifest:
    """Read, verify and match a manifest file; return the manifest if it may be used.

    Args:
        path: the manifest file.
        settings: trusted keys, the development key's folder, ``allow_dev_key``.
        pubkey_files: more public key files to trust.
        trust_local_dev_key: also trust this machine's development key.
        allow_dev_key: accept manifests marked ``dev_key`` (``None``: as the config
            says; ``tradecore-live`` never passes True).
        feature_schema_hash: the feature schema in use, if it must match.
        dataset_fingerprint: the data set in use, if it must match.

    Raises:
        ManifestRejected: missing, malformed, unsigned, tampered, untrusted key,
            development key not allowed, or a feature-schema / dataset mismatch.
    """
    signed = read_signed_manifest(path)
    allow_dev = settings.allow_dev_key if allow_dev_key is None else allow_dev_key
    keys = trusted_keys(settings, pubkey_files, include_dev_key=trust_local_dev_key)
    manifest = verify_manifest(signed, NaclVerifier(), keys, allow_dev_key=allow_dev)
    check_manifest_matches(
        manifest,
        feature_schema_hash=feature_schema_hash,
        dataset_fingerprint=dataset_fingerprint,
    )
    return manifest
