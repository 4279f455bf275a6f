"""Training → register → promote → live → promote another → reload → rollback → reload.

Real processes share one SQLite store: ``tradecore-replay train`` (in process,
CliRunner) writes two signed model folders; ``tradecore-live model register`` and
``promote`` put the first in production; ``tradecore-live run --model ml_demo`` is
started as a subprocess against the Alpaca emulator (``--emulator``: the real
alpaca-py client on loopback, each recorded bar fed to it as the market; paced, so
the process is still trading while the test acts). While it runs, the second model is registered
and promoted: the process swaps it in without a restart; ``model rollback`` then
restores the first, and the process swaps back. Decisions made after each swap
carry that model's manifest hash. A model trained on a feature that peeks at the
next bar is caught by the training's leakage check and refused at promotion.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.alpaca_harness import CREDENTIALS
from tests.risk_support import audit_rows, sqlite_store
from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.adapters.alpaca_emulator.server import EmulatorServer
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.signing import generate_key_files, read_signed_manifest
from tradecore.apps.live.main import app as live_app
from tradecore.apps.replay.main import app as replay_app
from tradecore.apps.wiring import errors
from tradecore.domain.features.kinds import (
    KINDS,
    FeatureKind,
    FloatArray,
    SeriesInput,
    Updater,
    register_kind,
)
from tradecore.domain.market.datagen import Shape, ShapeParams, generate_bars
from tradecore.domain.research.manifest import manifest_hash

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SID = "ml_demo"
FEATURES = """
[[feature]]
name = "r1"
kind = "return"
n = 1

[[feature]]
name = "r5"
kind = "return"
n = 5
"""
runner = CliRunner()


class Desk:
    """Bars, a signing key, a config and a store shared by every process."""

    def __init__(self, root: Path, broker: str = "") -> None:
        self.root = root
        self.bars = root / "bars"
        write_bar_files(
            self.bars,
            generate_bars(
                ["AAPL", "MSFT"],
                380,
                start=START,
                seed=3,
                # strongly mean-reverting: the models' calls flip often, so each
                # model in turn makes decisions within a few bars
                shape=Shape.MEAN_REVERTING,
                params=ShapeParams(reversion=0.3, volatility=0.002),
            ),
        )
        self.features = root / "features.toml"
        self.features.write_text(FEATURES)
        keys = generate_key_files(root / "keys")
        pub = keys.public_key.read_text().strip()
        self.db = root / "live.db"
        sqlite_store(self.db).close()
        self.conf = root / "tc.toml"
        self.conf.write_text(
            f'[signing]\nkey_file = "{keys.private_key}"\n'
            f'trusted_public_keys = ["{pub}"]\n'
            f'[model]\nregistry_dir = "{root / "registry"}"\n'
            "reload_interval_s = 0\n" + broker
        )

    def train(self, name: str, label: str) -> Path:
        out = self.root / name
        result = runner.invoke(
            replay_app,
            [
                "train",
                *("--features", str(self.features)),
                *("--model", "sklearn:logistic"),
                *("--label", label),
                *("--data", str(self.bars)),
                *("--folds", "3"),
                *("--embargo", "2"),
                *("--strategy-id", SID),
                *("--config", str(self.conf)),
                *("--out", str(out)),
            ],
        )
        assert result.exit_code == 0, result.output
        return out

    def live(self, *args: str) -> tuple[int, str]:
        result = runner.invoke(
            live_app,
            [
                "--config",
                str(self.conf),
                "--database-url",
                f"sqlite:///{self.db}",
                *args,
            ],
        )
        return result.exit_code, result.output

    def register(self, folder: Path) -> str:
        code, out = self.live("model", "register", str(folder), "--actor", "ana")
        assert code == 0, out
        return read_signed_manifest(folder / "manifest.json").manifest.model_hash

    def start_run(self, *extra: str) -> subprocess.Popen[str]:
        script = Path(sys.executable).with_name("tradecore-live")
        command = (
            [str(script)]
            if script.exists()
            else [
                sys.executable,
                "-m",
                "tradecore.apps.live.main",
            ]
        )
        return subprocess.Popen(
            [
                *command,
                *("--config", str(self.conf)),
                *("--database-url", f"sqlite:///{self.db}"),
                "run",
                *("--model", SID),
                *("--bars", str(self.bars)),
                *("--param", "p_long=0.5", "--param", "p_short=0.5"),
                *("--pace", "0.12"),
                *extra,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={
                **os.environ,
                "APCA_API_KEY_ID": CREDENTIALS.key_id,
                "APCA_API_SECRET_KEY": CREDENTIALS.secret_key,
                "PYTHONUNBUFFERED": "1",
            },
        )


#: What the run prints after a cycle that decided something.
DECIDED = re.compile(r"^cycle \d+: .* [1-9]\d* decisions$")


def _wait_for(
    process: subprocess.Popen[str], text: str | re.Pattern[str], seen: list[str]
) -> None:
    """Read the process's output until a line contains ``text`` (or matches it)."""
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line if isinstance(text, str) else text.match(line.strip()):
            return
    process.kill()
    pytest.fail(f"never saw {text!r}; output:\n{''.join(seen)}")


def _decision_manifests(db: Path) -> list[str | None]:
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            decisions = uow.decisions.all_decisions()
    finally:
        store.close()
    # The model's own decisions: the rejection handler's size-reduced retries of
    # an order the broker refused are recorded without a manifest hash.
    return [
        d.manifest_hash
        for d in decisions
        if d.strategy_id == SID and "retry_of" not in d.details
    ]


def _manifest_hash(folder: Path) -> str:
    return manifest_hash(read_signed_manifest(folder / "manifest.json").manifest)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer(EmulatorConfig(seed=7, start=START)).start()
    yield server
    server.stop()


@pytest.mark.heavy
def test_train_register_promote_reload_rollback(
    tmp_path: Path, emulator: EmulatorServer
) -> None:
    desk = Desk(
        tmp_path,
        f'[broker]\nkind = "alpaca"\nbase_url = "{emulator.base_url}"\n'
        f'stream_url = "{emulator.stream_url}"\n',
    )
    first, second = (
        desk.train("model-a", "forward_return:1"),
        desk.train("model-b", "forward_return:2"),
    )
    one, two = desk.register(first), desk.register(second)
    assert one != two
    assert desk.live("model", "promote", one[:12])[0] == 0

    seen: list[str] = []
    process = desk.start_run("--emulator")
    try:
        _wait_for(process, f"trades production model {one[:16]}", seen)
        _wait_for(process, DECIDED, seen)  # trading the first model
        assert desk.live("model", "promote", two[:12], "--reason", "better")[0] == 0
        _wait_for(process, f"now trades {two[:16]} (no restart)", seen)
        _wait_for(process, DECIDED, seen)  # trading the second model
        code, out = desk.live("model", "rollback", "--strategy-id", SID)
        assert code == 0, out
        _wait_for(process, f"now trades {one[:16]} (no restart)", seen)
        _wait_for(process, DECIDED, seen)  # trading the first model again
    finally:
        process.kill()
        process.wait(30)
        assert process.stdout is not None
        process.stdout.close()

    manifests = _decision_manifests(desk.db)
    a, b = _manifest_hash(first), _manifest_hash(second)
    # first model, then the second, then the first again: in that order
    runs = [m for i, m in enumerate(manifests) if i == 0 or manifests[i - 1] != m]
    assert runs == [a, b, a], runs
    reloads = [p for _, p in audit_rows(desk.db, "model.reloaded")]
    assert [(r["model_hash"], r["replaced"]) for r in reloads] == [
        (two, one),
        (one, two),
    ]
    code, out = desk.live("model", "list", "--strategy-id", SID)
    assert code == 0, out
    stages = {line[:16]: line.split()[3] for line in out.splitlines()[1:]}
    assert stages == {one[:16]: "production", two[:16]: "archived"}


class PeekNextClose(FeatureKind):
    """Deliberately leaky: the return from this close to the NEXT bar's close."""

    kind = "walkthrough_peek_next_close"

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        out = np.full(len(bars.close), np.nan)
        out[:-1] = bars.close[1:] / bars.close[:-1] - 1
        return out

    def online(self) -> Updater:
        return lambda bar: np.nan  # it cannot know the future online


@pytest.fixture
def peeking() -> Iterator[None]:
    register_kind(PeekNextClose)
    yield
    KINDS.pop(PeekNextClose.kind)


def test_a_model_on_a_leaky_feature_is_refused_at_promotion(
    tmp_path: Path, peeking: None
) -> None:
    desk = Desk(tmp_path)
    desk.features.write_text(
        FEATURES + f'\n[[feature]]\nname = "peek"\nkind = "{PeekNextClose.kind}"\n'
    )
    folder = desk.train("model-leaky", "forward_return:1")
    assert (
        json.loads((folder / "model_card.json").read_text())["leakage"]["passed"]
        is False
    )
    model = desk.register(folder)  # registering is allowed: it is only staged
    code, out = desk.live("model", "promote", model)
    assert code == errors.DOMAIN, out
    assert "failed its leakage check: peek of " in out
    assert "it used the future" in out
    code, out = desk.live("model", "list")
    assert "staging" in out
    code, out = desk.live("run", "--model", SID, "--bars", str(desk.bars))
    assert code == errors.DOMAIN, out
    assert "has no production model" in out


def test_a_run_alerts_a_model_older_than_max_age(tmp_path: Path) -> None:
    desk = Desk(tmp_path)  # bars of 2026-01-05: the model is trained to ~20:50 UTC
    desk.conf.write_text(desk.conf.read_text() + "max_age_days = 0.5\n")
    model = desk.register(desk.train("model-a", "forward_return:1"))
    assert desk.live("model", "promote", model)[0] == 0
    next_day = tmp_path / "next-day"
    write_bar_files(
        next_day,
        generate_bars(["AAPL", "MSFT"], 30, start=START + timedelta(days=1), seed=4),
    )
    result = runner.invoke(
        live_app,
        [
            *("--config", str(desk.conf), "--database-url", f"sqlite:///{desk.db}"),
            *("run", "--model", SID, "--bars", str(next_day)),
        ],
        env={"TRADECORE_BROKER": "simulated"},
    )
    assert result.exit_code == 0, result.output
    stale = [p for _, p in audit_rows(desk.db) if p.get("code") == "model.stale"]
    assert len(stale) == 1  # once per sign per model, not every cycle
    assert "more than max_age_days=0.5" in str(stale[0]["message"])
