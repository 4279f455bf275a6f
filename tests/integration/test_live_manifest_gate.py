"""``tradecore-live run`` verifies the manifest before trading; each refusal exits 7."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.risk_support import audit_rows, sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.signing import (
    dev_signer,
    generate_key_files,
    read_signed_manifest,
    write_signed_manifest,
)
from tradecore.adapters.sim import SimClock
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.settings import Settings
from tradecore.apps.live.main import app
from tradecore.apps.live.manifest_gate import gate_strategy
from tradecore.apps.replay.runner import replay
from tradecore.apps.wiring import errors
from tradecore.domain.errors import ManifestMissing, UntrustedSigningKey
from tradecore.domain.market.bar_frame import from_ns
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.research.manifest import SignedManifest, manifest_hash
from tradecore.services.research.manifests import sign_manifest

runner = CliRunner()
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
PARAMS = {"fast": "5", "slow": "20", "qty": "10"}


class Desk:
    """Bars, a signing key, a replay's signed manifest and a live database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bars = root / "bars"
        frames = generate_bars(["AAA", "BBB"], 200, start=START, seed=2)
        write_bar_files(self.bars, frames)
        self.keys = generate_key_files(root / "keys")
        self.db = root / "live.db"
        sqlite_store(self.db).close()
        replay(
            self.bars,
            params=PARAMS,
            out=root / "replay",
            signing=SigningSettings(key_file=str(self.keys.private_key)),
        )
        self.manifest = root / "replay" / "manifest.json"

    def config(self, **sections: str) -> Path:
        pub = self.keys.public_key.read_text().strip()
        text = f'[signing]\ntrusted_public_keys = ["{pub}"]\n'
        text += f'dev_key_dir = "{self.root / "dev"}"\n'
        text += "".join(sections.values())
        path = self.root / "tc.toml"
        path.write_text(text)
        return path

    def run(
        self,
        *args: str,
        config: Path | None = None,
        bars: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        result = runner.invoke(
            app,
            [
                "--config",
                str(config or self.config()),
                "--database-url",
                f"sqlite:///{self.db}",
                "run",
                "--bars",
                str(bars or self.bars),
                *args,
            ],
            # The config names the dev key folder; the environment must not too.
            env={
                "TRADECORE_BROKER": "simulated",
                "TRADECORE_DEV_KEY_DIR": None,  # type: ignore[dict-item]
                **(env or {}),
            },
        )
        return result.exit_code, result.output


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return Desk(tmp_path_factory.mktemp("desk"))


def _decision_hashes(db: Path) -> set[str | None]:
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            return {d.manifest_hash for d in uow.decisions.all_decisions()}
    finally:
        store.close()


def test_a_trusted_manifest_trades_with_its_parameters_and_hash(desk: Desk) -> None:
    code, output = desk.run("--manifest", str(desk.manifest), "--max-cycles", "60")
    assert code == 0, output
    expected = manifest_hash(read_signed_manifest(desk.manifest).manifest)
    assert _decision_hashes(desk.db) == {expected}  # params came from the manifest
    shown = runner.invoke(
        app,
        [
            *("--config", str(desk.config()), "--database-url", f"sqlite:///{desk.db}"),
            *("config", "show"),
        ],
        env={"TRADECORE_BROKER": "simulated", "TRADECORE_DEV_KEY_DIR": None},  # type: ignore[dict-item]
    )
    store = sqlite_store(desk.db)
    try:
        with store.unit_of_work() as uow:
            stored = {d.config_hash for d in uow.decisions.all_decisions()}
            signed = read_signed_manifest(desk.manifest)
            manifests = uow.models.manifests_for(signed.manifest.model_hash)
    finally:
        store.close()
    assert [m.manifest_hash for m in manifests] == [expected]
    assert stored == {json.loads(shown.output)["config_hash"]}


def _copy(desk: Desk, name: str, change: Callable[[str], str]) -> Path:
    path = desk.root / name
    path.write_text(change(desk.manifest.read_text()))
    return path


def _unsigned(desk: Desk) -> Path:
    path = desk.root / "unsigned.json"
    manifest = read_signed_manifest(desk.manifest).manifest
    write_signed_manifest(path, SignedManifest(manifest=manifest))
    return path


def _signed_by(desk: Desk, signer_dir: Path, *, dev: bool) -> Path:
    path = desk.root / f"{signer_dir.name}.json"
    manifest = read_signed_manifest(desk.manifest).manifest
    write_signed_manifest(
        path, sign_manifest(manifest, dev_signer(signer_dir), dev_key=dev)
    )
    return path


REFUSALS: dict[str, tuple[Callable[[Desk], Path], str]] = {
    "missing": (lambda d: d.root / "nowhere.json", "manifest"),
    "unsigned": (_unsigned, "not signed"),
    "tampered": (
        lambda d: _copy(d, "tampered.json", lambda t: t.replace('"5"', '"6"', 1)),
        "does not verify",
    ),
    "wrong key": (lambda d: _signed_by(d, d.root / "other", dev=False), "not trusted"),
    "dev key, not allowed": (
        lambda d: _signed_by(d, d.root / "dev", dev=True),
        "not trusted",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_live_refuses_a_manifest_it_cannot_trust_with_exit_7(
    desk: Desk, case: str
) -> None:
    make, message = REFUSALS[case]
    code, output = desk.run("--manifest", str(make(desk)))
    assert code == errors.MANIFEST_REJECTED, output
    assert message in output
    alerts = [p for _, p in audit_rows(desk.db, "alert")]
    assert alerts[-1]["code"] == "manifest.rejected"


def test_a_dev_key_manifest_trades_on_paper_only_when_allowed(desk: Desk) -> None:
    path = _signed_by(desk, desk.root / "dev", dev=True)
    allowed = desk.config(extra="allow_dev_key = true\n")
    code, output = desk.run(
        "--manifest", str(path), "--max-cycles", "2", config=allowed
    )
    assert code == 0, output


def test_other_parameters_or_features_or_data_are_a_mismatch(desk: Desk) -> None:
    code, output = desk.run("--manifest", str(desk.manifest), "--param", "fast=6")
    assert code == errors.MANIFEST_REJECTED
    assert "manifest parameters" in output
    hourly = desk.root / "hourly"
    frames = generate_bars(
        ["AAA", "BBB"], 50, start=START, seed=2, interval=timedelta(hours=1)
    )
    write_bar_files(hourly, frames)
    code, output = desk.run("--manifest", str(desk.manifest), bars=hourly)
    assert code == errors.MANIFEST_REJECTED
    assert "feature_schema_hash" in output
    same = desk.config(model="[model]\nsame_dataset = true\n")
    code, output = desk.run(
        "--manifest", str(desk.manifest), "--max-cycles", "1", config=same
    )
    assert code == 0, output
    other = desk.root / "other-bars"
    write_bar_files(other, generate_bars(["AAA", "BBB"], 200, start=START, seed=3))
    code, output = desk.run("--manifest", str(desk.manifest), config=same, bars=other)
    assert code == errors.MANIFEST_REJECTED
    assert "dataset_fingerprint" in output


def test_paper_without_a_manifest_warns_and_live_refuses(desk: Desk) -> None:
    code, output = desk.run(*_params(), "--max-cycles", "2")
    assert code == 0, output
    assert "no manifest configured" in output
    frames = generate_bars(["AAA"], 10, start=START, seed=2)
    common = {
        "manifest_option": None,
        "strategy": "sma_cross",
        "params": PARAMS,
        "frames": frames,
        "interval": timedelta(minutes=1),
        "alerter": _NoAlerts(),
        "clock": SimClock(from_ns(int(frames[0].timestamps[0]))),
    }
    with pytest.raises(ManifestMissing, match="real-money trading needs"):
        gate_strategy(Settings(), live=True, **common)  # type: ignore[arg-type]


def test_live_never_accepts_a_dev_key_even_when_allowed(desk: Desk) -> None:
    path = _signed_by(desk, desk.root / "dev", dev=True)
    settings = Settings(
        signing=SigningSettings(dev_key_dir=str(desk.root / "dev"), allow_dev_key=True)
    )
    frames = generate_bars(["AAA", "BBB"], 200, start=START, seed=2)
    with pytest.raises(UntrustedSigningKey):
        gate_strategy(
            settings,
            manifest_option=path,
            strategy="sma_cross",
            params={},
            frames=frames,
            interval=timedelta(minutes=1),
            live=True,
            alerter=_NoAlerts(),
            clock=SimClock(START),
        )


def test_conflicting_config_sources_refuse_to_start_with_exit_5(desk: Desk) -> None:
    config = desk.config(model=f'[model]\nmanifest = "{desk.manifest}"\n')
    code, output = desk.run(
        config=config, env={"TRADECORE_MANIFEST": "/elsewhere.json"}
    )
    assert code == errors.CONFIG_OR_AUTH
    assert "model.manifest is set twice" in output


def _params() -> list[str]:
    return [arg for k, v in PARAMS.items() for arg in ("--param", f"{k}={v}")]


class _NoAlerts:
    def __init__(self) -> None:
        self.sent: list[object] = []

    def send(self, alert: object) -> None:
        self.sent.append(alert)


def test_the_manifest_file_is_json_with_a_signature(desk: Desk) -> None:
    document = json.loads(desk.manifest.read_text())
    assert document["signature"]["algorithm"] == "ed25519"
    assert document["manifest"]["dev_key"] is False
