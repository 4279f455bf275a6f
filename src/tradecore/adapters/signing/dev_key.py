"""The local development key: created on first use when no signing key is configured.

It lets every replay run sign its manifest on a laptop with no key management, while
the manifest's ``dev_key`` flag says so and ``tradecore-live`` refuses such manifests
unless told otherwise. The key lives in the user's data directory (or a configured
one) and is never created anywhere a production key is expected.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from tradecore.adapters.signing.ed25519 import (
    PRIVATE_KEY_NAME,
    PUBLIC_KEY_NAME,
    NaclSigner,
    generate_key_files,
    load_public_key,
    load_signer,
)
from tradecore.domain.errors import ConfigurationError


def default_dev_key_dir() -> Path:
    """Return ``<user data dir>/tradecore/dev-key`` (XDG on Linux)."""
    return Path(platformdirs.user_data_dir("tradecore", appauthor=False)) / "dev-key"


def dev_signer(directory: Path | None = None) -> NaclSigner:
    """Return the development signer, generating its key pair on first use.

    Args:
        directory: where the key lives (``None``: :func:`default_dev_key_dir`).

    Raises:
        ConfigurationError: the key cannot be written or read, or is exposed.
    """
    directory = directory or default_dev_key_dir()
    if not (directory / PRIVATE_KEY_NAME).exists():
        try:
            generate_key_files(directory)
        except ConfigurationError:
            # Another process created it first: use theirs.
            if not (directory / PRIVATE_KEY_NAME).exists():
                raise
    return load_signer(directory / PRIVATE_KEY_NAME)


def dev_public_key(directory: Path | None = None) -> bytes | None:
    """Return the development public key if one was created, else ``None``.

    Raises:
        ConfigurationError: the file exists but cannot be read.
        SignatureError: the file is not a public key.
    """
    path = (directory or default_dev_key_dir()) / PUBLIC_KEY_NAME
    return load_public_key(path) if path.exists() else None
