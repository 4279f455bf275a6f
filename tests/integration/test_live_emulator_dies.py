"""``tradecore-live run --emulator`` exits 4, "broker unavailable", when the emulator
dies mid-run (issue 17). Before: ``URLError: Connection refused`` and a traceback,
exit 1 (an "unexpected bug")."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.chaos.processes import Emulator, console, operator_env
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca_emulator.config import DEFAULT_START
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.wiring import errors
from tradecore.domain.market.datagen import generate_bars


@pytest.mark.heavy
def test_the_emulator_dying_mid_run_exits_4_broker_unavailable(tmp_path: Path) -> None:
    emulator = Emulator(seed=3, log=tmp_path / "emulator.log")
    try:
        db = tmp_path / "live.db"
        sqlite_store(db).close()
        write_bar_files(
            tmp_path / "bars", generate_bars(["AAPL"], 400, start=DEFAULT_START, seed=4)
        )
        config = tmp_path / "live.toml"
        config.write_text(
            f'[broker]\nkind = "alpaca"\nbase_url = "{emulator.base_url}"\n'
            f'stream_url = "ws://127.0.0.1:{emulator.port}/stream"\n'
        )
        argv = [*console("tradecore-live"), "--config", str(config)]
        argv += ["--database-url", f"sqlite:///{db}", "run", "--emulator"]
        argv += ["--bars", str(tmp_path / "bars"), "--pace", "0.05"]
        argv += ["--strategy", "tests.chaos.strategy:Churn"]
        run = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**operator_env(), "COLUMNS": "200"},
            cwd=tmp_path,
        )
        deadline = time.monotonic() + 60
        while emulator.control.state()["orders"] < 3:  # trading is under way
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        emulator.process.kill()
        emulator.process.wait()
        out, err = run.communicate(timeout=120)
    finally:
        emulator.stop()
    assert run.returncode == errors.UNAVAILABLE, out + err
    assert "Traceback" not in out + err
    [line] = [text for text in err.splitlines() if text.startswith("error:")]
    assert "broker unavailable" in line or "connection failed" in line, line
