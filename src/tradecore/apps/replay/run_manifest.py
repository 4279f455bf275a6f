"""The manifest of a run: what a replay's strategy and parameters were made from.

``tradecore-replay run`` builds one before the first bar (so every decision record
carries its hash), signs it with the configured key or the local development key,
and writes it as ``manifest.json`` into the output folder. ``tradecore-live run``
computes the same identity for what it is about to trade (:func:`run_identity`) and
refuses a manifest made for another strategy, other parameters or another feature
schema.

Every field is a function of the run's inputs — the creation time is the data's
last bar, never the wall clock — so replaying the same inputs with the same key
writes a byte-identical manifest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path

import attrs

import tradecore
from tradecore.adapters.signing import write_signed_manifest
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.wiring.manifest_trust import configured_signer
from tradecore.domain.errors import ManifestMismatch
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint, from_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.research.manifest import DataSource, Manifest, SignedManifest
from tradecore.domain.strategies.api import AnyStrategy
from tradecore.services.research.manifests import sign_manifest

MANIFEST_FILE = "manifest.json"
#: The bar fields the bundled strategies read; part of the feature schema.
BAR_FEATURES = ("close", "volume")
FEATURE_SCHEMA_FORMAT = "tradecore.features/1"

# The generator's bars are "generated" in a manifest (PROVENANCES).
_PROVENANCE = {Provenance.SIMULATED: "generated"}


@attrs.frozen(kw_only=True)
class RunIdentity:
    """What a run trades with: strategy, parameters and the features it reads."""

    strategy: str
    strategy_id: str
    strategy_version: str
    parameters: Mapping[str, str]
    feature_schema_hash: str
    #: A fitted model's artifact sha256 (``ModelStrategy``); ``None``: rule-based.
    artifact_hash: str | None = None

    @property
    def model_hash(self) -> str:
        """The model traded: a fitted model's artifact sha256, else (rule-based
        strategies) the hash of the strategy's name and parameters."""
        if self.artifact_hash is not None:
            return self.artifact_hash
        return sha256_hex({"strategy": self.strategy, "params": self.parameters})


def run_identity(
    strategy: str,
    chosen: AnyStrategy,
    params: Mapping[str, object],
    interval: timedelta,
) -> RunIdentity:
    """Return the identity of ``chosen`` (built from ``strategy`` and ``params``).

    A strategy that reads a declared feature set (``ModelStrategy``) brings its own
    ``feature_schema_hash`` and its artifact's ``model_hash``; the others get
    :func:`feature_schema_hash`'s and the hash of their name and parameters.
    """
    version = getattr(type(chosen), "version", None) or f"tradecore-{_code_version()}"
    own = getattr(chosen, "feature_schema_hash", None)
    artifact = getattr(chosen, "model_hash", None)
    return RunIdentity(
        strategy=strategy,
        strategy_id=chosen.strategy_id,
        strategy_version=str(version),
        parameters={k: str(v) for k, v in sorted(params.items())},
        feature_schema_hash=own
        if isinstance(own, str)
        else feature_schema_hash(strategy, interval),
        artifact_hash=artifact if isinstance(artifact, str) else None,
    )


def feature_schema_hash(strategy: str, interval: timedelta) -> str:
    """The hash of what the strategy reads: which bar fields, at which interval."""
    return sha256_hex(
        {
            "format": FEATURE_SCHEMA_FORMAT,
            "strategy": strategy,
            "bar_fields": list(BAR_FEATURES),
            "bar_interval_s": interval.total_seconds(),
        }
    )


def build_manifest(
    identity: RunIdentity,
    frames: Sequence[BarFrame],
    *,
    config_hash: str,
    cost_model_version: str,
    release: Callable[[BarFrame], None] | None = None,
    extra_sources: Sequence[DataSource] = (),
) -> Manifest:
    """Return the (unsigned) manifest of a run over ``frames``.

    ``release`` is called with each frame once its bytes are hashed (bars on
    memory-mapped files let their pages go). ``extra_sources`` (e.g. the corporate
    actions applied) are listed after the bars.

    Raises:
        InvalidInput: a field is malformed (e.g. no bars at all).
    """
    sources = (
        *(_source(f, release) for f in sorted(frames, key=_symbol)),
        *extra_sources,
    )
    return Manifest(
        strategy_id=identity.strategy_id,
        strategy_version=identity.strategy_version,
        model_name=identity.strategy,
        model_version=identity.strategy_version,
        model_hash=identity.model_hash,
        parameters=dict(identity.parameters),
        training_start=None,
        training_end=None,
        embargo_bars=0,
        data_sources=sources,
        dataset_fingerprint=data_fingerprint(frames, release),
        feature_schema_hash=identity.feature_schema_hash,
        cost_model_version=cost_model_version,
        config_hash=config_hash,
        created_at=from_ns(max(int(f.timestamps[-1]) for f in frames if len(f))),
        code_version=_code_version(),
    )


def sign_run_manifest(manifest: Manifest, signing: SigningSettings) -> SignedManifest:
    """Sign with the configured key, else the development key (marked ``dev_key``).

    Raises:
        ConfigurationError, SignatureError: the configured key cannot be used.
    """
    signer, is_dev = configured_signer(signing)
    return sign_manifest(manifest, signer, dev_key=is_dev)


def write_run_manifest(folder: Path, signed: SignedManifest) -> Path:
    """Write ``signed`` as ``folder/manifest.json``; return the path."""
    path = folder / MANIFEST_FILE
    write_signed_manifest(path, signed)
    return path


def check_run_matches(manifest: Manifest, identity: RunIdentity) -> None:
    """Refuse a manifest made for another strategy, parameters or feature schema.

    Raises:
        ManifestMismatch: names the first field that differs.
    """
    checks = (
        ("model_name", manifest.model_name, identity.strategy),
        ("parameters", _text(manifest.parameters), _text(identity.parameters)),
        (
            "feature_schema_hash",
            manifest.feature_schema_hash,
            identity.feature_schema_hash,
        ),
    )
    for field, in_manifest, in_use in checks:
        if in_manifest != in_use:
            raise ManifestMismatch(field, in_manifest, in_use)


def manifest_parameters(manifest: Manifest) -> dict[str, str]:
    """The manifest's parameters as the ``--param`` strings that rebuild them."""
    return {k: str(v) for k, v in manifest.parameters.items()}


def _text(params: Mapping[str, object]) -> str:
    return json.dumps({k: str(v) for k, v in params.items()}, sort_keys=True)


def _source(frame: BarFrame, release: Callable[[BarFrame], None] | None) -> DataSource:
    return DataSource(
        name=f"bars/{frame.symbol}",
        provenance=_PROVENANCE.get(frame.provenance, frame.provenance.value),
        fingerprint=data_fingerprint([frame], release),
    )


def _code_version() -> str:
    return tradecore.__version__


def _symbol(frame: BarFrame) -> str:
    return frame.symbol
