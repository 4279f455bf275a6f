"""Manifest values: validation, the canonical bytes, the hash, mismatch checks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.manifests import evolve, sample_manifest
from tradecore.domain.errors import InvalidInput, ManifestMismatch
from tradecore.domain.research.manifest import (
    MANIFEST_FORMAT,
    DataSource,
    check_manifest_matches,
    manifest_body,
    manifest_bytes,
    manifest_hash,
)


def test_the_body_is_tagged_and_decimals_are_strings() -> None:
    body = manifest_body(sample_manifest())
    assert body["format"] == MANIFEST_FORMAT
    assert body["parameters"] == {"fast": 10, "slow": 30, "qty": "100.5", "on": True}
    assert body["created_at"] == "2026-01-05T12:00:00+00:00"
    assert body["dev_key"] is False


def test_canonical_bytes_are_sorted_and_compact() -> None:
    data = manifest_bytes(sample_manifest())
    assert b" " not in data
    assert data.startswith(b'{"code_version":"0.1.0","config_hash":')


def test_the_hash_changes_with_any_field_and_only_then() -> None:
    base = sample_manifest()
    assert manifest_hash(base) == manifest_hash(sample_manifest())
    assert len(manifest_hash(base)) == 64
    changed = [
        evolve(base, strategy_id="momentum"),
        evolve(base, embargo_bars=6),
        evolve(base, parameters={**base.parameters, "fast": 11}),
        evolve(base, dev_key=True),
        evolve(base, data_sources=base.data_sources[:1]),
    ]
    hashes = {manifest_hash(m) for m in changed}
    assert manifest_hash(base) not in hashes
    assert len(hashes) == len(changed)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("parameters", {"x": 1.5}),
        ("embargo_bars", -1),
        ("embargo_bars", True),
        ("strategy_id", ""),
        ("created_at", datetime(2026, 1, 5)),
        ("training_end", datetime(2023, 1, 1, tzinfo=UTC)),
        ("training_end", None),
    ],
)
def test_bad_fields_name_themselves(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        sample_manifest(**{field: value})
    assert raised.value.field.split(".")[0] in {field, "parameters", "training_end"}


def test_rule_based_strategies_have_no_training_window() -> None:
    manifest = sample_manifest(training_start=None, training_end=None)
    assert manifest_body(manifest)["training_start"] is None


def test_unknown_provenance_is_refused() -> None:
    with pytest.raises(InvalidInput, match="provenance"):
        DataSource(name="x", provenance="rumour", fingerprint="00")


def test_a_decimal_parameter_hashes_like_its_string() -> None:
    a = sample_manifest(parameters={"q": Decimal("1.50")})
    b = sample_manifest(parameters={"q": "1.5"})
    assert manifest_hash(a) == manifest_hash(b)


def test_matching_data_and_features_pass() -> None:
    manifest = sample_manifest()
    check_manifest_matches(
        manifest,
        feature_schema_hash=manifest.feature_schema_hash,
        dataset_fingerprint=manifest.dataset_fingerprint,
    )
    check_manifest_matches(manifest)


@pytest.mark.parametrize("field", ["feature_schema_hash", "dataset_fingerprint"])
def test_a_mismatch_names_the_field_and_both_values(field: str) -> None:
    manifest = sample_manifest()
    with pytest.raises(ManifestMismatch) as raised:
        check_manifest_matches(manifest, **{field: "ff" * 32})
    assert raised.value.field == field
    assert raised.value.in_use == "ff" * 32
    assert raised.value.in_manifest == getattr(manifest, field)
