"""The promotion stamp: absent, a manifest's bytes are unchanged; present, it is signed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.manifests import evolve, sample_manifest, signer
from tradecore.adapters.signing import (
    NaclVerifier,
    read_signed_manifest,
    write_signed_manifest,
)
from tradecore.domain.errors import InvalidInput, ManifestMalformed, ManifestTampered
from tradecore.domain.research.manifest import (
    PromotionStamp,
    manifest_body,
    manifest_hash,
)
from tradecore.services.research.manifests import sign_manifest, verify_manifest

#: sample_manifest()'s hash before the stamp existed (a field added later must not
#: change the hash of a manifest that does not use it).
UNSTAMPED_HASH = manifest_hash(sample_manifest())
STAMP = PromotionStamp(
    passed=True,
    promotion_sha256="ab" * 32,
    stamped_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
)


def test_an_absent_stamp_is_left_out_of_the_body() -> None:
    body = manifest_body(sample_manifest())
    assert "promotion" not in body
    assert manifest_hash(evolve(sample_manifest(), promotion=None)) == UNSTAMPED_HASH


def test_a_stamp_changes_the_hash_and_each_of_its_fields_does() -> None:
    stamped = evolve(sample_manifest(), promotion=STAMP)
    assert manifest_hash(stamped) != UNSTAMPED_HASH
    failed = evolve(sample_manifest(), promotion=evolve_stamp(passed=False))
    assert manifest_hash(failed) != manifest_hash(stamped)
    assert manifest_body(stamped)["promotion"] == {
        "passed": True,
        "promotion_sha256": "ab" * 32,
        "stamped_at": "2026-02-01T09:00:00+00:00",
    }


def evolve_stamp(**changes: object) -> PromotionStamp:
    fields = {
        "passed": STAMP.passed,
        "promotion_sha256": STAMP.promotion_sha256,
        "stamped_at": STAMP.stamped_at,
        **changes,
    }
    return PromotionStamp(**fields)  # type: ignore[arg-type]


def test_the_stamp_round_trips_through_signing_and_the_file(tmp_path: Path) -> None:
    key = signer()
    signed = sign_manifest(evolve(sample_manifest(), promotion=STAMP), key)
    path = tmp_path / "manifest.json"
    write_signed_manifest(path, signed)
    back = read_signed_manifest(path)
    assert manifest_hash(back.manifest) == manifest_hash(signed.manifest)
    assert back.manifest.promotion == STAMP
    verified = verify_manifest(back, NaclVerifier(), [key.public_key()])
    assert verified.promotion == STAMP


def test_an_unstamped_manifest_file_still_reads(tmp_path: Path) -> None:
    signed = sign_manifest(sample_manifest(), signer())
    path = tmp_path / "manifest.json"
    write_signed_manifest(path, signed)
    assert "promotion" not in json.loads(path.read_text())["manifest"]
    back = read_signed_manifest(path)
    assert back.manifest.promotion is None
    assert manifest_hash(back.manifest) == manifest_hash(signed.manifest)


def test_flipping_a_failed_stamp_to_passed_breaks_the_signature(tmp_path: Path) -> None:
    key = signer()
    failed = evolve_stamp(passed=False)
    signed = sign_manifest(evolve(sample_manifest(), promotion=failed), key)
    path = tmp_path / "manifest.json"
    write_signed_manifest(path, signed)
    path.write_text(path.read_text().replace('"passed": false', '"passed": true'))
    with pytest.raises(ManifestTampered):
        verify_manifest(read_signed_manifest(path), NaclVerifier(), [key.public_key()])


def test_a_malformed_stamp_is_refused_naming_it(tmp_path: Path) -> None:
    signed = sign_manifest(evolve(sample_manifest(), promotion=STAMP), signer())
    path = tmp_path / "manifest.json"
    write_signed_manifest(path, signed)
    document = json.loads(path.read_text())
    document["manifest"]["promotion"]["promotion_sha256"] = "xyz"
    path.write_text(json.dumps(document))
    with pytest.raises(ManifestMalformed, match="promotion_sha256"):
        read_signed_manifest(path)
    document["manifest"]["promotion"] = {"passed": True}
    path.write_text(json.dumps(document))
    with pytest.raises(ManifestMalformed, match="promotion: missing keys"):
        read_signed_manifest(path)


def test_a_stamp_needs_a_utc_time() -> None:
    with pytest.raises(InvalidInput, match="stamped_at"):
        evolve_stamp(stamped_at=datetime(2026, 2, 1))
