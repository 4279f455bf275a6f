"""The real processes of a chaos run: the emulator, ``tradecore-live``, the store.

Everything runs on loopback as separate OS processes, started the way an operator
starts them (console scripts, a TOML config, keys in the environment), so a SIGKILL
loses exactly what a real crash loses.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from tests.isolation import isolated_dirs_env
from tradecore.adapters.alpaca_emulator import (
    DEFAULT_KEY_ID,
    DEFAULT_SECRET_KEY,
    DEFAULT_START,
    EmulatorControl,
)

ROOT = Path(__file__).resolve().parents[2]
STRATEGY = "tests.chaos.strategy:Churn"
QTY = 3000
START_TIMEOUT_S = 20.0
#: A run that neither ends nor crashes within this is a hang: a finding in itself.
RUN_TIMEOUT_S = 120.0


def console(name: str) -> list[str]:
    """The argv of a console script of this environment."""
    script = Path(sys.executable).with_name(name)
    if script.exists():
        return [str(script)]
    module = {"tradecore-live": "live.main", "tradecore-replay": "replay.main"}[name]
    return [sys.executable, "-m", f"tradecore.apps.{module}"]


def free_port() -> int:
    """A free loopback TCP port (bound, read, released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def operator_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of an operator's shell: paper keys, tests importable."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT),
        "APCA_API_KEY_ID": DEFAULT_KEY_ID,
        "APCA_API_SECRET_KEY": DEFAULT_SECRET_KEY,
        **isolated_dirs_env(),
    }
    env.update(extra or {})
    return env


class Emulator:
    """``tradecore-replay emulator`` as its own process, and its REST/control views."""

    def __init__(self, seed: int, log: Path) -> None:
        """Start the emulator on a free port; return once its control API answers."""
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        argv = [*console("tradecore-replay"), "emulator", "--port", str(self.port)]
        argv += ["--seed", str(seed), "--cash", "10000000", "--rate-limit", "0"]
        argv += ["--start", DEFAULT_START.isoformat()]
        self._log = log.open("w")
        self.process = subprocess.Popen(
            argv, stdout=self._log, stderr=subprocess.STDOUT, env=operator_env()
        )
        self.control = EmulatorControl(self.base_url)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                self.control.state()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"emulator did not start; see {log}") from None
                time.sleep(0.05)

    def orders(self) -> list[dict[str, Any]]:
        """Every order the account ever had (Alpaca JSON)."""
        return list(self._get("/v2/orders?status=all&limit=500&direction=asc"))

    def positions(self) -> dict[str, Decimal]:
        """Open positions: symbol -> signed qty."""
        return {p["symbol"]: Decimal(p["qty"]) for p in self._get("/v2/positions")}

    def _get(self, path: str) -> Any:
        request = urllib.request.Request(
            self.base_url + path,
            headers={
                "APCA-API-KEY-ID": DEFAULT_KEY_ID,
                "APCA-API-SECRET-KEY": DEFAULT_SECRET_KEY,
            },
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        """Terminate the emulator (it holds nothing that must survive)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@attrs.frozen
class RunResult:
    """How one ``tradecore-live run`` ended."""

    returncode: int
    stderr_tail: str

    @property
    def killed(self) -> bool:
        """True when the process died of SIGKILL (a fault point or our kill)."""
        return self.returncode == -signal.SIGKILL


class Operator:
    """Starts ``tradecore-live`` commands on one config, store and bar folder."""

    def __init__(self, workdir: Path, database_url: str, emulator: Emulator) -> None:
        """Write the operator's config (the broker is the emulator)."""
        self.workdir = workdir
        self.database_url = database_url
        self.config = workdir / "live.toml"
        self.config.write_text(
            "[broker]\n"
            'kind = "alpaca"\n'
            f'base_url = "{emulator.base_url}"\n'
            f'stream_url = "ws://127.0.0.1:{emulator.port}/stream"\n'
        )
        self.bars = workdir / "bars"
        self.runs = 0

    def argv(self, *command: str, config: Path | None = None) -> list[str]:
        """``tradecore-live --config ... --database-url ... COMMAND...``."""
        base = [*console("tradecore-live"), "--config", str(config or self.config)]
        return [*base, "--database-url", self.database_url, *command]

    def start_run(
        self,
        *,
        max_cycles: int | None,
        fault_point: str | None = None,
        pace: float = 0.0,
    ) -> subprocess.Popen[str]:
        """Start ``run --emulator`` on the chaos strategy (the process, not waited)."""
        command = ["run", "--bars", str(self.bars), "--emulator"]
        # Big enough against the bars' volume that the emulator fills it over several
        # bars: orders are often partly filled and still open when a crash hits.
        command += ["--strategy", STRATEGY, "--param", f"qty={QTY}"]
        if max_cycles is not None:
            command += ["--max-cycles", str(max_cycles)]
        if pace:
            command += ["--pace", str(pace)]
        extra = {"TRADECORE_FAULT_POINT": fault_point} if fault_point else {}
        self.runs += 1
        log = (self.workdir / f"run{self.runs:03d}.log").open("w")
        try:
            return subprocess.Popen(
                self.argv(*command),
                stdout=log,
                stderr=subprocess.PIPE,
                text=True,
                env=operator_env(extra),
                cwd=self.workdir,
            )
        finally:
            log.close()

    def finish(self, process: subprocess.Popen[str]) -> RunResult:
        """Wait for ``process``; a hang is killed and reported as such."""
        try:
            _, err = process.communicate(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
            return RunResult(returncode=-999, stderr_tail=f"HUNG\n{err[-2000:]}")
        return RunResult(returncode=process.returncode, stderr_tail=err[-2000:])

    def kill(self, *, flatten: bool, with_broker: bool = False) -> RunResult:
        """``tradecore-live kill`` from a shell with no broker: it only halts.

        The trading process, started next, sees the kill and cancels (and flattens)
        with its own broker — the path the ``during_kill_switch`` point is on. With
        ``with_broker`` the command uses the emulator too: it cancels and flattens
        itself, racing a trading process that may be running.
        """
        config = self.workdir / "kill.toml"
        config.write_text('[broker]\nkind = "none"\n')
        argv = self.argv(
            "kill", "--reason", "chaos", config=self.config if with_broker else config
        )
        done = subprocess.run(
            [*argv, *(["--flatten"] if flatten else [])],
            capture_output=True,
            text=True,
            env=operator_env(),
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
        return RunResult(done.returncode, (done.stdout + done.stderr)[-2000:])

    def command(self, *command: str) -> RunResult:
        """Run another ``tradecore-live`` command to completion."""
        done = subprocess.run(
            self.argv(*command),
            capture_output=True,
            text=True,
            env=operator_env(),
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
        return RunResult(done.returncode, (done.stdout + done.stderr)[-2000:])
