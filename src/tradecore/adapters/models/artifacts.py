"""Artifact files: their sha256, checked before a byte is parsed; loading by kind.

:func:`load_model` is how every reader opens a model: it hashes the file, refuses
it if the hash is not the one the (signed) manifest names, and only then hands the
bytes to the library that parses them. Parsing an untrusted pickle-like file is
how model files run code; the hash check means only the file that was signed is
ever parsed (and skops refuses unknown types on top of that).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tradecore.domain.errors import ConfigurationError, ManifestTampered
from tradecore.ports.model import Model

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """The sha256 hex digest of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_verified(artifact: Path, sha256: str) -> bytes:
    """The artifact's bytes, once their sha256 equals ``sha256``.

    Raises:
        ConfigurationError: no such file.
        ManifestTampered: the bytes hash to something else (nothing is parsed).
    """
    try:
        data = artifact.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(f"model artifact {artifact} does not exist") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ManifestTampered(
            f"model artifact {artifact.name} has sha256 {actual}, the manifest says "
            f"{sha256}: refusing to load it"
        )
    return data


def load_model(artifact: Path, sha256: str) -> Model:
    """Load the artifact (kind from its file name) after checking its sha256.

    Raises:
        ManifestTampered: the hash differs.
        ConfigurationError: an unknown artifact file name, or a missing file.
    """
    from tradecore.adapters.models.layout import ARTIFACT_FILES

    if artifact.name == ARTIFACT_FILES["sklearn"]:
        from tradecore.adapters.models.sklearn_model import SklearnLoader

        return SklearnLoader().load(artifact, sha256)
    if artifact.name == ARTIFACT_FILES["lightgbm"]:
        from tradecore.adapters.models.lightgbm_model import LightGBMLoader

        return LightGBMLoader().load(artifact, sha256)
    raise ConfigurationError(
        f"model artifact {artifact.name!r}: expected one of "
        f"{', '.join(sorted(ARTIFACT_FILES.values()))}"
    )
