"""Manifests: everything a model or parameter set depended on, in one signable record.

A manifest binds strategy and model identity, parameters, the training window and
embargo, the data (sources, provenance, fingerprint), the feature schema, the cost
model version, the config snapshot and the code version. Its signature is over
:func:`manifest_bytes`, the one canonical encoding, so a verifier on another machine
computes the very same bytes; :func:`manifest_hash` identifies it in decision records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput, ManifestMismatch
from tradecore.domain.hashing import OMIT_IF_DEFAULT, canonical_bytes, sha256_bytes

#: The tag inside every manifest body; a new layout gets a new tag.
MANIFEST_FORMAT = "tradecore.manifest/1"
#: Where data may come from (Alpaca feeds, local files, the generator).
PROVENANCES = ("iex", "sip", "delayed_sip", "file", "generated")
SIGNATURE_ALGORITHM = "ed25519"

_HEX_RE = re.compile(r"^[0-9a-f]+$")


def _parameters(value: Mapping[str, object]) -> dict[str, object]:
    if not isinstance(value, Mapping):
        raise InvalidInput("parameters", value, "expected a mapping")
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise InvalidInput("parameters", key, "names must be non-empty strings")
        # A float has no one decimal spelling; Decimal/str keep the signed bytes exact.
        if not isinstance(item, str | int | bool | Decimal):
            raise InvalidInput(
                f"parameters.{key}", item, "expected str, int or Decimal"
            )
    return dict(value)


def _hex(length: int) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if (
            not isinstance(value, str)
            or len(value) != length
            or not _HEX_RE.match(value)
        ):
            raise InvalidInput(
                attribute.name, value, f"expected {length} lowercase hex"
            )

    return check


def _one_of(options: tuple[str, ...]) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in options:
            raise InvalidInput(attribute.name, value, f"expected one of {options}")

    return check


def _non_negative_int(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(attribute.name, value, "expected an integer >= 0")


@attrs.frozen(kw_only=True, slots=True)
class DataSource:
    """One input data set: what it is, where it came from, and its fingerprint."""

    name: str = attrs.field(validator=v.non_empty_str)
    provenance: str = attrs.field(validator=_one_of(PROVENANCES))
    fingerprint: str = attrs.field(validator=v.non_empty_str)


def _sources(value: Iterable[DataSource]) -> tuple[DataSource, ...]:
    """A typed ``tuple`` converter (a bare ``tuple`` leaves mypy unable to check)."""
    return tuple(value)


@attrs.frozen(kw_only=True, slots=True)
class PromotionStamp:
    """The promotion gate's verdict on a run, bound into its signed manifest.

    ``promotion_sha256`` is the sha256 of the ``promotion.json`` the gate wrote
    (every criterion's value, threshold and verdict), so the signature covers the
    reasons too; ``stamped_at`` is when the gate ran.
    """

    passed: bool = attrs.field(validator=v.instance_of(bool))
    promotion_sha256: str = attrs.field(validator=_hex(64))
    stamped_at: datetime = attrs.field(validator=v.utc_datetime)


@attrs.frozen(kw_only=True, slots=True)
class Manifest:
    """What a model or parameter set was made from; see the module docstring."""

    strategy_id: str = attrs.field(validator=v.non_empty_str)
    strategy_version: str = attrs.field(validator=v.non_empty_str)
    model_name: str = attrs.field(validator=v.non_empty_str)
    model_version: str = attrs.field(validator=v.non_empty_str)
    model_hash: str = attrs.field(validator=v.non_empty_str)
    parameters: Mapping[str, object] = attrs.field(converter=_parameters)
    #: Training window (``None`` for rule-based strategies that were not fitted).
    training_start: datetime | None = attrs.field(validator=v.optional_utc_datetime)
    training_end: datetime | None = attrs.field(validator=v.optional_utc_datetime)
    #: Bars left out between training and evaluation folds (purged CV embargo).
    embargo_bars: int = attrs.field(validator=_non_negative_int)
    data_sources: tuple[DataSource, ...] = attrs.field(converter=_sources)
    dataset_fingerprint: str = attrs.field(validator=v.non_empty_str)
    feature_schema_hash: str = attrs.field(validator=v.non_empty_str)
    cost_model_version: str = attrs.field(validator=v.non_empty_str)
    config_hash: str = attrs.field(validator=v.non_empty_str)
    created_at: datetime = attrs.field(validator=v.utc_datetime)
    code_version: str = attrs.field(validator=v.non_empty_str)
    #: Signed with a local development key, not a production one.
    dev_key: bool = attrs.field(default=False, validator=v.instance_of(bool))
    #: The promotion gate's stamp (``None``: never promoted). Left out of the
    #: canonical body when absent, so manifests made before it keep their hashes.
    promotion: PromotionStamp | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(v.instance_of(PromotionStamp)),
        metadata={OMIT_IF_DEFAULT: True},
    )

    def __attrs_post_init__(self) -> None:
        if (self.training_start is None) != (self.training_end is None):
            raise InvalidInput(
                "training_end", self.training_end, "give both or neither"
            )
        start, end = self.training_start, self.training_end
        if start is not None and end is not None and end <= start:
            raise InvalidInput("training_end", self.training_end, "not after start")
        for source in self.data_sources:
            if not isinstance(source, DataSource):
                raise InvalidInput("data_sources", source, "expected DataSource")


@attrs.frozen(kw_only=True, slots=True)
class ManifestSignature:
    """A detached Ed25519 signature over :func:`manifest_bytes`, with its public key."""

    public_key: str = attrs.field(validator=_hex(64))
    value: str = attrs.field(validator=_hex(128))
    algorithm: str = attrs.field(
        default=SIGNATURE_ALGORITHM, validator=_one_of((SIGNATURE_ALGORITHM,))
    )

    @property
    def key_id(self) -> str:
        """Short stable name of the signing key (for messages and records)."""
        return key_id(bytes.fromhex(self.public_key))


@attrs.frozen(kw_only=True, slots=True)
class SignedManifest:
    """A manifest and its signature (``None``: not signed yet)."""

    manifest: Manifest = attrs.field(validator=v.instance_of(Manifest))
    signature: ManifestSignature | None = None


def manifest_body(manifest: Manifest) -> dict[str, object]:
    """Return the manifest as JSON primitives, tagged with :data:`MANIFEST_FORMAT`."""
    body: dict[str, object] = json.loads(canonical_bytes(manifest))
    body["format"] = MANIFEST_FORMAT
    return body


def manifest_bytes(manifest: Manifest) -> bytes:
    """Return the bytes a signature covers: the canonical encoding of the body."""
    return canonical_bytes(manifest_body(manifest))


def manifest_hash(manifest: Manifest) -> str:
    """Return the hex sha256 of :func:`manifest_bytes` (what decision records carry)."""
    return sha256_bytes(manifest_bytes(manifest))


def key_id(public_key: bytes) -> str:
    """Return a short stable id for a raw public key: 16 hex chars of its sha256."""
    return sha256_bytes(public_key)[:16]


def check_manifest_matches(
    manifest: Manifest,
    *,
    feature_schema_hash: str | None = None,
    dataset_fingerprint: str | None = None,
) -> None:
    """Refuse a manifest made for other features or data than the ones in use.

    Args:
        manifest: the verified manifest.
        feature_schema_hash: the feature schema in use (``None``: not checked).
        dataset_fingerprint: the data set in use (``None``: not checked).

    Raises:
        ManifestMismatch: a given value differs from the manifest's.
    """
    checks = (
        ("feature_schema_hash", manifest.feature_schema_hash, feature_schema_hash),
        ("dataset_fingerprint", manifest.dataset_fingerprint, dataset_fingerprint),
    )
    for field, in_manifest, in_use in checks:
        if in_use is not None and in_use != in_manifest:
            raise ManifestMismatch(field, in_manifest, in_use)
