"""Every ``tradecore-replay run`` writes a signed manifest whose hash its decisions carry."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.risk_support import sqlite_store
from tradecore.adapters.data.bar_files import load_bar_files, write_bar_files
from tradecore.adapters.signing import read_signed_manifest
from tradecore.apps.replay.main import app
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.apps.wiring import errors
from tradecore.domain.market.bar_frame import data_fingerprint
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.research.manifest import manifest_hash
from tradecore.services.research.manifests import manifest_record

runner = CliRunner()
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
PARAMS = ["--param", "fast=5", "--param", "slow=20", "--param", "qty=10"]


@pytest.fixture
def bars(tmp_path: Path) -> Path:
    folder = tmp_path / "bars"
    write_bar_files(folder, generate_bars(["AAA", "BBB"], 300, start=START, seed=4))
    return folder


def _replay(bars: Path, out: Path, *extra: str) -> None:
    result = runner.invoke(
        app, ["run", "--data", str(bars), "--out", str(out), *PARAMS, *extra]
    )
    assert result.exit_code == 0, result.output
    assert f"manifest: {out / 'manifest.json'}" in result.output


def _verify(path: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["manifest", "verify", str(path), *extra])
    return result.exit_code, result.output


def test_a_run_writes_a_dev_signed_manifest_its_decisions_carry(
    bars: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _replay(bars, out)
    signed = read_signed_manifest(out / "manifest.json")
    manifest = signed.manifest
    assert manifest.dev_key
    assert (Path(os.environ["TRADECORE_DEV_KEY_DIR"]) / "signing.key").exists()
    assert manifest.parameters == {"fast": "5", "qty": "10", "slow": "20"}
    assert manifest.model_name == "sma_cross"
    assert [s.name for s in manifest.data_sources] == ["bars/AAA", "bars/BBB"]
    assert {s.provenance for s in manifest.data_sources} == {"file"}
    assert manifest.dataset_fingerprint == data_fingerprint(load_bar_files(bars))
    assert manifest.created_at == datetime(2026, 1, 5, 19, 29, tzinfo=UTC)
    config = json.loads((out / "config.json").read_text())
    assert config["params"] == manifest.parameters
    code, output = _verify(out / "manifest.json")
    assert code == 0, output
    assert "development key" in output
    store = sqlite_store(out / STORE_FILE)
    try:
        with store.unit_of_work() as uow:
            decisions = uow.decisions.all_decisions()
            stored = uow.models.manifests_for(manifest.model_hash)
    finally:
        store.close()
    assert decisions
    assert {d.manifest_hash for d in decisions} == {manifest_hash(manifest)}
    assert stored == [manifest_record(signed)]  # the hash resolves in the same db


def test_the_same_inputs_write_a_byte_identical_manifest(
    bars: Path, tmp_path: Path
) -> None:
    _replay(bars, tmp_path / "a")
    _replay(bars, tmp_path / "b")
    first = (tmp_path / "a" / "manifest.json").read_bytes()
    assert first == (tmp_path / "b" / "manifest.json").read_bytes()
    _replay(bars, tmp_path / "c", "--seed", "8")
    assert first != (tmp_path / "c" / "manifest.json").read_bytes()


def test_a_configured_key_signs_and_a_changed_byte_is_refused(
    bars: Path, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    assert runner.invoke(app, ["keys", "generate", "--out", str(keys)]).exit_code == 0
    config = tmp_path / "tc.toml"
    config.write_text(f'[signing]\nkey_file = "{keys / "signing.key"}"\n')
    out = tmp_path / "out"
    _replay(bars, out, "--config", str(config))
    path = out / "manifest.json"
    assert not read_signed_manifest(path).manifest.dev_key
    code, output = _verify(path, "--pubkey", str(keys / "signing.pub"))
    assert code == 0, output
    path.write_text(path.read_text().replace('"fast": "5"', '"fast": "6"'))
    code, output = _verify(path, "--pubkey", str(keys / "signing.pub"))
    assert code == errors.MANIFEST_REJECTED
    assert "does not verify" in output
