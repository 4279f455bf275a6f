"""``tradecore-live model register|promote|rollback|list`` on a SQLite store."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.model_dirs import LEAK, model_dir
from tests.risk_support import audit_rows, sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.signing import generate_key_files
from tradecore.apps.live.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.market.datagen import generate_bars

runner = CliRunner()
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class Desk:
    """A store, a trusted signing key and a config naming both."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "live.db"
        sqlite_store(self.db).close()
        self.keys = generate_key_files(root / "keys")
        pub = self.keys.public_key.read_text().strip()
        self.conf = root / "tc.toml"
        self.conf.write_text(
            f'[signing]\ntrusted_public_keys = ["{pub}"]\n'
            f'dev_key_dir = "{root / "dev"}"\n'
            f'[model]\nregistry_dir = "{root / "registry"}"\n'
        )

    def model(self, artifact: bytes, **kw: object) -> Path:
        return model_dir(
            self.root / "trained", self.keys.private_key, artifact=artifact, **kw
        )  # type: ignore[arg-type]

    def cli(self, *args: str) -> tuple[int, str]:
        result = runner.invoke(
            app,
            [
                "--config",
                str(self.conf),
                "--database-url",
                f"sqlite:///{self.db}",
                *args,
            ],
            env={"TRADECORE_DEV_KEY_DIR": None, "TRADECORE_BROKER": "simulated"},  # type: ignore[dict-item]
        )
        return result.exit_code, result.output

    def stages(self) -> dict[str, str]:
        store = sqlite_store(self.db)
        try:
            with store.unit_of_work() as uow:
                return {e.model_hash: e.stage.value for e in uow.models.models()}
        finally:
            store.close()


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(tmp_path)


def _hash(folder: Path) -> str:
    return hashlib.sha256((folder / "model.skops").read_bytes()).hexdigest()


def test_register_copies_the_folder_and_stages_the_model(desk: Desk) -> None:
    trained = desk.model(b"model one")
    code, out = desk.cli("model", "register", str(trained), "--actor", "ana")
    assert code == 0, out
    digest = _hash(trained)
    assert f"registered {digest[:16]} demo for strategy id ml_demo: staging" in out
    kept = desk.root / "registry" / digest
    assert (kept / "model.skops").read_bytes() == b"model one"
    shutil.rmtree(trained)  # production never depends on the training folder
    code, out = desk.cli("model", "list")
    assert code == 0, out
    assert digest[:16] in out
    assert "staging" in out
    assert "ana," in out
    assert desk.stages() == {digest: "staging"}
    assert [p["stage"] for _, p in audit_rows(desk.db, "model.stage")] == ["staging"]


def test_promote_rollback_and_list(desk: Desk) -> None:
    first, second = desk.model(b"model one"), desk.model(b"model two")
    one, two = _hash(first), _hash(second)
    for folder in (first, second):
        assert desk.cli("model", "register", str(folder))[0] == 0
    code, out = desk.cli("model", "promote", one[:10], "--actor", "ana")
    assert code == 0, out
    assert f"promoted {one[:16]} to production for strategy id ml_demo" in out
    assert desk.cli("model", "promote", two, "--reason", "better")[0] == 0
    assert desk.stages() == {one: "archived", two: "production"}
    code, out = desk.cli("model", "rollback", "--strategy-id", "ml_demo")
    assert code == 0, out
    assert f"production is {one[:16]} again ({two[:16]} archived)" in out
    assert desk.stages() == {one: "production", two: "archived"}
    code, out = desk.cli("model", "list", "--strategy-id", "ml_demo")
    lines = [line for line in out.splitlines() if line.startswith((one[:16], two[:16]))]
    assert len(lines) == 2
    assert "production" in lines[-1]
    stages = [p["stage"] for _, p in audit_rows(desk.db, "model.stage")]
    assert stages.count("production") == 3
    assert stages.count("archived") == 2
    alerts = [p for _, p in audit_rows(desk.db) if "model." in str(p.get("code", ""))]
    assert {a["code"] for a in alerts} >= {"model.promoted", "model.rolled_back"}


def test_a_leaky_model_is_refused_at_promotion(desk: Desk) -> None:
    leaky = desk.model(b"leaky", leak=LEAK)
    assert desk.cli("model", "register", str(leaky))[0] == 0
    code, out = desk.cli("model", "promote", _hash(leaky))
    assert code == errors.DOMAIN
    line = out.strip()
    assert "\n" not in line
    assert "failed its leakage check" in line
    assert "next_close of AAA" in line
    assert "it used the future" in line
    assert desk.stages() == {_hash(leaky): "staging"}


def test_a_tampered_registry_copy_is_refused(desk: Desk) -> None:
    trained = desk.model(b"model one")
    assert desk.cli("model", "register", str(trained))[0] == 0
    digest = _hash(trained)
    (desk.root / "registry" / digest / "model.skops").write_bytes(b"swapped")
    code, out = desk.cli("model", "promote", digest)
    assert code == errors.MANIFEST_REJECTED, out
    assert "the artifact changed" in out
    assert desk.stages() == {digest: "staging"}


def test_an_untrusted_model_is_not_registered(desk: Desk, tmp_path: Path) -> None:
    other = generate_key_files(tmp_path / "other-keys")
    foreign = model_dir(tmp_path / "foreign", other.private_key, artifact=b"x")
    code, out = desk.cli("model", "register", str(foreign))
    assert code == errors.MANIFEST_REJECTED, out
    assert desk.stages() == {}
    assert not (desk.root / "registry").exists()


def test_clear_errors(desk: Desk) -> None:
    a, b = desk.model(b"model one"), desk.model(b"model two")
    for folder in (a, b):
        desk.cli("model", "register", str(folder))
    code, out = desk.cli("model", "rollback", "--strategy-id", "ml_demo")
    assert code == errors.DOMAIN
    assert "has no production model" in out
    code, out = desk.cli("model", "promote", "ffff")
    assert code == errors.DOMAIN
    assert "no registered model hash starts with" in out
    code, out = desk.cli("model", "register", str(desk.root / "nowhere"))
    assert code == errors.MANIFEST_REJECTED
    assert "not a model folder" in out


def test_run_without_a_production_model_is_a_clear_error(desk: Desk) -> None:
    bars = desk.root / "bars"
    write_bar_files(bars, generate_bars(["AAA"], 5, start=START, seed=1))
    code, out = desk.cli("run", "--model", "ml_demo", "--bars", str(bars))
    assert code == errors.DOMAIN, out
    assert "strategy id 'ml_demo' has no production model: register one" in out


def test_run_refuses_a_production_model_that_no_longer_verifies(desk: Desk) -> None:
    trained = desk.model(b"model one")
    desk.cli("model", "register", str(trained))
    digest = _hash(trained)
    assert desk.cli("model", "promote", digest)[0] == 0
    (desk.root / "registry" / digest / "model.skops").write_bytes(b"swapped")
    bars = desk.root / "bars"
    write_bar_files(bars, generate_bars(["AAA"], 5, start=START, seed=1))
    code, out = desk.cli("run", "--model", "ml_demo", "--bars", str(bars))
    assert code == errors.MANIFEST_REJECTED, out
    assert "the artifact changed" in out
    refused = [
        p for _, p in audit_rows(desk.db) if p.get("code") == "manifest.rejected"
    ]
    assert len(refused) == 1


def test_a_feature_set_that_is_not_the_manifests_is_refused(desk: Desk) -> None:
    trained = desk.model(b"model one")
    (trained / "features.toml").write_text(
        '[[feature]]\nname = "r5"\nkind = "return"\nn = 6\n'
    )
    code, out = desk.cli("model", "register", str(trained))
    assert code == errors.MANIFEST_REJECTED, out
    assert "feature_schema_hash" in out
    assert desk.stages() == {}


def test_a_card_edited_after_signing_is_refused(desk: Desk) -> None:
    leaky = desk.model(b"leaky", leak=LEAK)
    card = json.loads((leaky / "model_card.json").read_text())
    card["leakage"] = {**card["leakage"], "passed": True, "leak": None}
    (leaky / "model_card.json").write_text(json.dumps(card))
    code, out = desk.cli("model", "register", str(leaky))
    assert code == errors.MANIFEST_REJECTED, out
    assert "the card changed" in out
    assert desk.stages() == {}


def test_run_refuses_a_model_and_a_manifest_together(desk: Desk) -> None:
    code, out = desk.cli(
        "run", "--model", "ml_demo", "--manifest", "m.json", "--bars", "nowhere"
    )
    assert code == errors.CONFIG_OR_AUTH, out
    assert "not both" in out
