"""A one-byte change to any field of a signed manifest file is never accepted.

The change is made to the file's bytes, inside the JSON text of one field's value
(manifest fields, nested parameters and data sources, and the signature's own
fields): whatever it turns into — another valid value, a malformed one, invalid
JSON — reading and verifying the file must refuse it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.manifests import sample_manifest, signer
from tradecore.adapters.signing import (
    NaclVerifier,
    read_signed_manifest,
    write_signed_manifest,
)
from tradecore.domain.errors import ManifestRejected
from tradecore.services.research.manifests import sign_manifest, verify_manifest

SIGNER = signer()
SIGNED = sign_manifest(sample_manifest(), SIGNER)
SENTINEL = "__tradecore_sentinel__"
Path_ = tuple[str | int, ...]


def _document(tmp: Path) -> dict[str, Any]:
    path = tmp / "manifest.json"
    write_signed_manifest(path, SIGNED)
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _leaves(node: object, prefix: Path_ = ()) -> list[Path_]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*prefix, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*prefix, i))]
    return [prefix]


def _with_leaf(document: Any, path: Path_, value: object) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = list(document) if isinstance(document, list) else dict(document)
    copy[head] = _with_leaf(document[head], tuple(rest), value)  # type: ignore[index]
    return copy


def _get(document: Any, path: Path_) -> object:
    for part in path:
        document = document[part]
    return document


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _document(tmp_path_factory.mktemp("manifest"))


def test_the_unchanged_file_verifies(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    write_signed_manifest(path, SIGNED)
    manifest = verify_manifest(
        read_signed_manifest(path), NaclVerifier(), [SIGNER.public_key()]
    )
    assert manifest == read_signed_manifest(path).manifest


@given(data=st.data())
def test_one_changed_byte_in_any_field_is_refused(
    original: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    path = data.draw(st.sampled_from(_leaves(original)), label="field")
    leaf_text = json.dumps(_get(original, path), ensure_ascii=True)
    index = data.draw(st.integers(0, len(leaf_text) - 1), label="byte")
    byte = data.draw(st.characters(min_codepoint=0x20, max_codepoint=0x7E))
    if byte == leaf_text[index]:
        byte = chr(0x20 + (ord(byte) - 0x20 + 1) % 95)
    changed = leaf_text[:index] + byte + leaf_text[index + 1 :]
    text = json.dumps(
        _with_leaf(original, path, SENTINEL), indent=2, sort_keys=True
    ).replace(json.dumps(SENTINEL), changed)
    file = tmp_path_factory.mktemp("tampered") / "manifest.json"
    file.write_text(text + "\n")
    with pytest.raises(ManifestRejected):
        verify_manifest(
            read_signed_manifest(file), NaclVerifier(), [SIGNER.public_key()]
        )


def test_rebuilding_a_leaf_unchanged_reproduces_the_file(
    original: dict[str, Any], tmp_path: Path
) -> None:
    # Guards the test above: its edits are exactly one byte of the real file.
    path = tmp_path / "m.json"
    write_signed_manifest(path, SIGNED)
    for leaf in _leaves(original):
        text = json.dumps(
            _with_leaf(original, leaf, SENTINEL), indent=2, sort_keys=True
        ).replace(json.dumps(SENTINEL), json.dumps(_get(original, leaf)))
        assert text + "\n" == path.read_text()
    assert len(_leaves(original)) > 25
