"""The manifest file: ``{"manifest": {...}, "signature": {...} | null}`` as JSON.

Reading is strict, because the file is an attack surface: unknown, missing or
duplicated keys are errors, and the manifest must come back to exactly the canonical
bytes that were signed (one spelling per value), so no edit can change what a field
means while leaving the signed bytes intact.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import attrs

from tradecore.domain.errors import InvalidInput, ManifestMalformed, ManifestMissing
from tradecore.domain.hashing import canonical_bytes
from tradecore.domain.research.manifest import (
    MANIFEST_FORMAT,
    DataSource,
    Manifest,
    ManifestSignature,
    PromotionStamp,
    SignedManifest,
    manifest_body,
    manifest_bytes,
)

_T = TypeVar("_T")
_TOP_KEYS = {"manifest", "signature"}
_DATETIMES = {"training_start", "training_end", "created_at"}


def write_signed_manifest(path: Path, signed: SignedManifest) -> None:
    """Write ``signed`` as indented, key-sorted JSON (creating parent folders)."""
    signature = signed.signature
    document = {
        "manifest": manifest_body(signed.manifest),
        "signature": None if signature is None else attrs.asdict(signature),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True)
    path.write_text(text + "\n", encoding="ascii")


def read_signed_manifest(path: Path) -> SignedManifest:
    """Read a manifest file; the signature, if any, is *not* checked here.

    Raises:
        ManifestMissing: no file at ``path``.
        ManifestMalformed: not JSON, or not a well-formed manifest (names the field).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ManifestMissing(f"no manifest at {path}") from None
    except OSError as e:
        raise ManifestMissing(f"cannot read manifest {path}: {e.strerror}") from None
    try:
        document = json.loads(raw, object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError) as e:
        raise ManifestMalformed(f"{path} is not valid JSON: {e}") from None
    except ManifestMalformed as e:
        raise ManifestMalformed(f"{path}: {e}") from None
    try:
        return parse_signed_manifest(document)
    except ManifestMalformed as e:
        raise ManifestMalformed(f"{path}: {e}") from None


def parse_signed_manifest(document: object) -> SignedManifest:
    """Turn a decoded manifest document into a :class:`SignedManifest`.

    Raises:
        ManifestMalformed: see :func:`read_signed_manifest`.
    """
    top = _mapping(document, "document", _TOP_KEYS)
    body = _mapping(top["manifest"], "manifest", None)
    manifest = _manifest(body)
    if canonical_bytes(body) != manifest_bytes(manifest):
        raise ManifestMalformed("manifest values are not in their canonical spelling")
    raw_signature = top["signature"]
    if raw_signature is None:
        return SignedManifest(manifest=manifest)
    fields = _mapping(raw_signature, "signature", {"algorithm", "public_key", "value"})
    return SignedManifest(
        manifest=manifest, signature=_build(ManifestSignature, fields)
    )


def _manifest(body: Mapping[str, Any]) -> Manifest:
    expected = {f.name for f in attrs.fields(Manifest)} | {"format"}
    if "promotion" not in body:  # optional: absent from unpromoted manifests
        expected.discard("promotion")
    _check_keys(body, "manifest", expected)
    if body["format"] != MANIFEST_FORMAT:
        raise ManifestMalformed(
            f"format={body['format']!r}: expected {MANIFEST_FORMAT}"
        )
    fields = {k: v for k, v in body.items() if k != "format"}
    for name in _DATETIMES:
        fields[name] = _datetime(name, fields[name])
    if not isinstance(fields["data_sources"], list):
        raise ManifestMalformed("data_sources: expected a list")
    fields["data_sources"] = [_data_source(item) for item in fields["data_sources"]]
    if "promotion" in fields:
        fields["promotion"] = _promotion(fields["promotion"])
    return _build(Manifest, fields)


def _promotion(item: object) -> PromotionStamp:
    expected = {f.name for f in attrs.fields(PromotionStamp)}
    stamp = dict(_mapping(item, "promotion", expected))
    stamp["stamped_at"] = _datetime("promotion.stamped_at", stamp["stamped_at"])
    return _build(PromotionStamp, stamp)


def _data_source(item: object) -> DataSource:
    expected = {f.name for f in attrs.fields(DataSource)}
    return _build(DataSource, _mapping(item, "data_sources[]", expected))


def _build(kind: type[_T], fields: Mapping[str, Any]) -> _T:
    try:
        return kind(**fields)
    except InvalidInput as e:
        raise ManifestMalformed(str(e)) from None


def _datetime(name: str, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ManifestMalformed(f"{name}={value!r}: expected an ISO-8601 string")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ManifestMalformed(f"{name}={value!r}: not an ISO-8601 time") from None


def _mapping(value: object, where: str, keys: set[str] | None) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ManifestMalformed(f"{where}: expected a JSON object")
    if keys is not None:
        _check_keys(value, where, keys)
    return value


def _check_keys(value: Mapping[str, Any], where: str, expected: set[str]) -> None:
    missing, unknown = expected - value.keys(), value.keys() - expected
    if missing or unknown:
        raise ManifestMalformed(
            f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}"
        )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ManifestMalformed(f"key {key!r} appears twice")
        result[key] = value
    return result
