"""A model folder (``tradecore.adapters.models.layout``), verified before anything uses it.

:func:`verify_model_dir` is the one check ``model register``, ``model promote``,
``run`` and the live reload all go through: the signed manifest verifies under the
trusted keys, the artifact's sha256 is the manifest's ``model_hash`` (and the
card's ``artifact_sha256``), the card names the manifest's feature schema and
strategy id, ``features.toml`` parses to the manifest's feature schema hash, and
the card is the one the manifest signed (``tradecore-replay train`` binds it: the
manifest's ``config_hash`` is the hash of its parameters and the card), so a card's
leakage verdict cannot be edited after signing. Any failure is a
:class:`~tradecore.domain.errors.ManifestRejected` (exit code 7).

:func:`leak_refusal` is what ``promote`` adds: a card whose leakage check failed
names the leak and the model is refused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import attrs
from sqlalchemy import make_url

from tradecore.adapters.models.layout import (
    FEATURES_FILE,
    MANIFEST_FILE,
    MODEL_CARD_FILE,
    read_card,
)
from tradecore.adapters.signing import read_signed_manifest
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.settings import Settings
from tradecore.apps.wiring.manifest_trust import verify_manifest_file
from tradecore.domain.errors import (
    DomainError,
    InvalidInput,
    ManifestMalformed,
    ManifestMismatch,
    ManifestMissing,
    ManifestTampered,
)
from tradecore.domain.features.declaration import parse_features
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.research.leakage import Leak
from tradecore.domain.research.manifest import Manifest, SignedManifest
from tradecore.ports.store import UnitOfWork

_CHUNK = 1 << 20
#: Metadata key of a registered model's folder in the registry.
PATH_KEY = "path"


class ModelRefused(DomainError):
    """A model that verifies but must not trade (its leakage check failed)."""


@attrs.frozen(kw_only=True)
class VerifiedModel:
    """A model folder whose manifest, artifact and card agree and verify."""

    folder: Path
    manifest: Manifest
    #: With its signature, as the store keeps it.
    signed: SignedManifest
    card: Mapping[str, object]

    @property
    def model_hash(self) -> str:
        """The artifact's sha256 (the registry's key)."""
        return self.manifest.model_hash

    @property
    def strategy_id(self) -> str:
        """What a live run of this model trades as."""
        return self.manifest.strategy_id

    @property
    def name(self) -> str:
        """The model's name in the manifest."""
        return self.manifest.model_name


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_model_dir(
    folder: Path, signing: SigningSettings, *, allow_dev_key: bool
) -> VerifiedModel:
    """Verify a model folder; see the module docstring.

    Args:
        folder: the model folder.
        signing: trusted keys and the development key's folder.
        allow_dev_key: accept a development-key manifest (and trust this machine's
            development key); never with real money.

    Raises:
        ManifestRejected: the manifest is missing or does not verify, the artifact's
            hash differs, or the card disagrees with the manifest.
    """
    card = _card(folder)
    manifest_path = folder / MANIFEST_FILE
    manifest = verify_manifest_file(
        manifest_path,
        signing,
        trust_local_dev_key=allow_dev_key,
        allow_dev_key=allow_dev_key,
        feature_schema_hash=_text(card, "feature_schema_hash", folder),
    )
    signed = read_signed_manifest(manifest_path)
    if signed.manifest != manifest:
        raise ManifestTampered(f"{manifest_path} changed while it was being verified")
    _check_artifact(folder, card, manifest)
    if sha256_hex({"parameters": dict(manifest.parameters), "card": card}) != (
        manifest.config_hash
    ):
        raise ManifestTampered(
            f"{folder / MODEL_CARD_FILE} is not the card the manifest signed "
            "(its config_hash binds parameters and card): the card changed"
        )
    card_strategy = _text(card, "strategy_id", folder)
    if card_strategy != manifest.strategy_id:
        raise ManifestMismatch("strategy_id", manifest.strategy_id, card_strategy)
    _check_features(folder, manifest)
    return VerifiedModel(folder=folder, manifest=manifest, signed=signed, card=card)


def _check_features(folder: Path, manifest: Manifest) -> None:
    """``features.toml`` parses and hashes to the manifest's feature schema."""
    path = folder / FEATURES_FILE
    try:
        schema = parse_features(path.read_text(), str(path)).schema_hash()
    except FileNotFoundError:
        raise ManifestMissing(
            f"{folder}: no {FEATURES_FILE} (the feature set)"
        ) from None
    except InvalidInput as e:
        raise ManifestMalformed(f"{path}: {e}") from None
    if schema != manifest.feature_schema_hash:
        raise ManifestMismatch(
            "feature_schema_hash", manifest.feature_schema_hash, schema
        )


def _card(folder: Path) -> dict[str, object]:
    if not folder.is_dir():
        raise ManifestMissing(f"{folder} is not a model folder")
    try:
        return read_card(folder)
    except FileNotFoundError:
        raise ManifestMissing(
            f"{folder}: no {MODEL_CARD_FILE} (the model card)"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ManifestMalformed(f"{folder / MODEL_CARD_FILE}: not JSON ({e})") from None


def _text(card: Mapping[str, object], key: str, folder: Path) -> str:
    value = card.get(key)
    if not isinstance(value, str) or not value:
        raise ManifestMalformed(f"{folder / MODEL_CARD_FILE}: no {key!r}")
    return value


def _check_artifact(
    folder: Path, card: Mapping[str, object], manifest: Manifest
) -> None:
    name = _text(card, "artifact", folder)
    artifact = folder / name
    if Path(name).name != name or not artifact.is_file():
        raise ManifestMissing(f"{folder}: the card's artifact {name!r} is not there")
    actual = file_sha256(artifact)
    if actual != manifest.model_hash:
        raise ManifestTampered(
            f"{artifact}: sha256 {actual} is not the manifest's model_hash "
            f"{manifest.model_hash} (the artifact changed)"
        )
    stated = _text(card, "artifact_sha256", folder)
    if stated != manifest.model_hash:
        raise ManifestMismatch("model_hash", manifest.model_hash, stated)


def leak_refusal(model: VerifiedModel) -> str | None:
    """Return why ``model`` must not be promoted (its leakage check), or ``None``."""
    leakage = model.card.get("leakage")
    if not isinstance(leakage, Mapping):
        return f"model {model.model_hash[:16]} has no leakage check in its card"
    if leakage.get("passed") is True:
        return None
    return (
        f"model {model.model_hash[:16]} failed its leakage check: "
        f"{_describe_leak(leakage.get('leak'))}"
    )


def _describe_leak(leak: object) -> str:
    if not isinstance(leak, Mapping):
        return "no leak recorded, but the check did not pass"
    try:
        return Leak(**leak).describe()
    except (TypeError, ValueError):
        return f"leak {dict(leak)}"


def copy_into(folder: Path, registry: Path, model_hash: str) -> Path:
    """Copy the model folder to ``registry/<model_hash>`` (once; atomic rename).

    A folder already there is kept: it was verified when it was copied, and every
    later use verifies it again.
    """
    target = registry / model_hash
    if target.is_dir():
        return target
    registry.mkdir(parents=True, exist_ok=True)
    staging = registry / f".{model_hash}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(folder, staging)
    staging.rename(target)
    return target


def registry_dir(settings: Settings) -> Path:
    """Where registered model folders live: ``[model] registry_dir``, else a default.

    The default is ``models/`` beside a SQLite store's file (the registry travels
    with its database), or ``./tradecore-models`` for a server database.
    """
    if settings.model.registry_dir:
        return Path(settings.model.registry_dir).expanduser().resolve()
    url = make_url(settings.store.url)
    if url.get_backend_name() == "sqlite" and url.database not in (
        None,
        "",
        ":memory:",
    ):
        return Path(url.database).expanduser().resolve().parent / "models"
    return Path("tradecore-models").resolve()


def registered_folder(uow: UnitOfWork, model_hash: str) -> Path:
    """The registry folder of a registered model (from its record).

    Raises:
        NotFound: no such model.
        ManifestMissing: the model was not registered through ``model register``.
    """
    path = uow.models.get(model_hash).metadata.get(PATH_KEY)
    if not isinstance(path, str):
        raise ManifestMissing(
            f"model {model_hash[:16]} has no registry folder: register it with "
            "`tradecore-live model register MODEL_DIR`"
        )
    return Path(path)
