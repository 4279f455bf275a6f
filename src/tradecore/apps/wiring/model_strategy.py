"""Loading a :class:`~tradecore.domain.strategies.model_strategy.ModelStrategy` from
a model directory (``tradecore-replay train``'s output), verified before it trades.

In order, any failure a :class:`~tradecore.domain.errors.ManifestRejected` (exit 7):

1. the signed manifest verifies under a trusted key
   (:func:`~tradecore.apps.wiring.manifest_trust.verify_manifest_file` and its
   trust rules: configured keys, the development key only where allowed);
2. the artifact's sha256 equals the manifest's ``model_hash``;
3. ``features.toml`` parses to a feature set whose schema hash equals the
   manifest's ``feature_schema_hash``;
4. the artifact is loaded (its hash checked again before a byte is parsed).

``tradecore-replay run --strategy model --param model_dir=DIR`` comes here through
:func:`~tradecore.apps.wiring.strategy_loader.load_strategy`; replays trust this
machine's development key (they sign with it by default); the other ``--param``
names are ModelStrategy's thresholds, and ``model_hash=SHA256`` pins the artifact
(a run manifest recording it then binds the exact model: another artifact in the
same folder is refused, whoever signed its directory). Those are the replay's trust rules: a live
process must call :func:`load_model_strategy` with its own (no development key
with ``--live``), not rely on ``load_strategy("model", ...)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from tradecore.adapters.models.artifacts import file_sha256, load_model
from tradecore.adapters.models.layout import (
    FEATURES_FILE,
    MANIFEST_FILE,
    artifact_path,
    read_card,
)
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.settings import load_settings
from tradecore.apps.wiring.manifest_trust import verify_manifest_file
from tradecore.domain.errors import (
    ConfigurationError,
    InvalidInput,
    ManifestMalformed,
    ManifestMismatch,
)
from tradecore.domain.features.declaration import parse_features
from tradecore.domain.features.feature_set import FeatureSet
from tradecore.domain.research.manifest import Manifest
from tradecore.domain.strategies.model_strategy import ModelStrategy

#: The strategy name that loads a model directory.
MODEL_STRATEGY = "model"

#: ModelStrategy's tunable parameters (``--param NAME=VALUE``) and their types.
_TUNABLE: dict[str, Callable[[str], object]] = {
    "p_long": float,
    "p_short": float,
    "weight": float,
    "max_names": int,
    "short": lambda text: {"true": True, "false": False}[text.lower()],
    "rebalance": int,
}


def load_model_strategy(
    params: Mapping[str, object],
    signing: SigningSettings | None = None,
    *,
    trust_local_dev_key: bool = True,
    allow_dev_key: bool | None = True,
) -> ModelStrategy:
    """The verified ModelStrategy of ``params["model_dir"]`` (module docstring).

    ``signing`` defaults to the environment's settings (``TRADECORE_DEV_KEY_DIR``...).

    Raises:
        ConfigurationError: no ``model_dir``, an unknown parameter or a bad value.
        ManifestRejected: any check of the module docstring failed, or the
            artifact is not the ``model_hash`` pinned (exit 7).
    """
    given = dict(params)
    folder = given.pop("model_dir", None)
    pinned = given.pop("model_hash", None)
    if folder is None or not str(folder):
        raise ConfigurationError("--strategy model needs --param model_dir=DIR")
    tuned = _tunables(given)
    settings = signing or load_settings(None, os.environ).signing
    model_dir = Path(str(folder))
    manifest = verify_model_dir(
        model_dir,
        settings,
        trust_local_dev_key=trust_local_dev_key,
        allow_dev_key=allow_dev_key,
    )
    if pinned is not None and str(pinned) != manifest.model_hash:
        raise ManifestMismatch("model_hash", str(pinned), manifest.model_hash)
    feature_set = _feature_set(model_dir)
    card = read_card(model_dir)
    model = load_model(artifact_path(model_dir), manifest.model_hash)
    try:
        return ModelStrategy(
            model,
            feature_set,
            model_hash=manifest.model_hash,
            strategy_id=str(card.get("strategy_id") or manifest.strategy_id),
            edge_scale=float(str(card.get("avg_abs_forward_return", 0.0))),
            **tuned,  # type: ignore[arg-type]
        )
    except InvalidInput as e:
        raise ConfigurationError(f"--strategy model: {e}") from None


def verify_model_dir(
    model_dir: Path,
    signing: SigningSettings,
    *,
    trust_local_dev_key: bool = False,
    allow_dev_key: bool | None = None,
) -> Manifest:
    """Checks 1-3 of the module docstring; the verified manifest.

    Raises:
        ConfigurationError: ``model_dir`` is not a folder.
        ManifestRejected: the manifest, artifact or features do not verify.
    """
    if not model_dir.is_dir():
        raise ConfigurationError(f"model_dir {model_dir} is not a folder")
    manifest = verify_manifest_file(
        model_dir / MANIFEST_FILE,
        signing,
        trust_local_dev_key=trust_local_dev_key,
        allow_dev_key=allow_dev_key,
    )
    try:
        artifact = artifact_path(model_dir)
    except (FileNotFoundError, KeyError, ValueError):
        raise ManifestMalformed(f"{model_dir}: no readable model_card.json") from None
    if not artifact.is_file():
        raise ManifestMalformed(f"{model_dir}: the artifact {artifact.name} is missing")
    actual = file_sha256(artifact)
    if actual != manifest.model_hash:
        raise ManifestMismatch("model_hash", manifest.model_hash, actual)
    schema_hash = _feature_set(model_dir).schema_hash()
    if schema_hash != manifest.feature_schema_hash:
        raise ManifestMismatch(
            "feature_schema_hash", manifest.feature_schema_hash, schema_hash
        )
    return manifest


def _feature_set(model_dir: Path) -> FeatureSet:
    path = model_dir / FEATURES_FILE
    try:
        return parse_features(path.read_text(), str(path))
    except FileNotFoundError:
        raise ManifestMalformed(f"{model_dir}: {FEATURES_FILE} is missing") from None
    except InvalidInput as e:
        raise ManifestMalformed(f"{path}: {e}") from None


def _tunables(given: Mapping[str, object]) -> dict[str, object]:
    unknown = sorted(set(given) - set(_TUNABLE))
    if unknown:
        raise ConfigurationError(
            f"strategy 'model' has no parameter {', '.join(unknown)}; known: "
            f"model_dir, model_hash, {', '.join(_TUNABLE)}"
        )
    tuned = {}
    for name, value in given.items():
        try:
            tuned[name] = _TUNABLE[name](str(value))
        except (ValueError, KeyError):
            raise ConfigurationError(
                f"strategy 'model' parameter {name}={value!r}: expected "
                f"{'true/false' if name == 'short' else _TUNABLE[name].__name__}"
            ) from None
    return tuned
