"""Start-up: whole console processes on a tiny dataset, next to the interpreter's floor.

Issue 18 budgets start-up at 0.5 s ("import only what the command uses"). A replay of
1 symbol x 100 bars is all start-up: imports, the exchange calendar, reading the
Parquet file, creating the store. Measured here, each as a separate process, median
of 5 (3 with ``--quick``), interleaved so a load change hits every case alike:

- ``tradecore-replay run`` with an empty calendar cache (computes the XNYS schedule
  with exchange_calendars, which imports pandas) and with a warm one;
- ``tradecore-replay --help`` and ``tradecore-live --help`` (a listing of every
  command, none of them imported);
- the floors: ``python -c pass`` and ``python -c "import numpy"``.

Every child runs with bytecode caching on, into a private folder
(``PYTHONPYCACHEPREFIX``), whatever ``PYTHONDONTWRITEBYTECODE`` says: an installed
tradecore has its bytecode, and a child compiling ~900 modules from source each
time measured about 0.3 s more per run. One untimed pass of every case fills it.

Wall and CPU (user + system of the child) per case, and the ratio of wall time to
each floor; the machine's load average before and after, since other processes
share the cores.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.interpreter import interpreter_line
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
RUN_ARGS = ("--calendar", "XNYS", "--fill-model", "ideal")
RUN_ARGS += ("--param", "fast=3", "--param", "slow=8", "--param", "qty=10")


def _console(name: str) -> list[str]:
    """The installed console script, else the module it runs."""
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    module = {"tradecore-replay": "replay", "tradecore-live": "live"}[name]
    return [sys.executable, "-m", f"tradecore.apps.{module}.main"]


def _measure(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Run one process to completion; return its wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, timeout=300)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _cases(tmp: Path) -> dict[str, Callable[[int], list[str]]]:
    """Each case: a function of the repetition giving the argv (fresh out folders)."""
    replay = _console("tradecore-replay")
    data = tmp / "data"

    def run(kind: str) -> Callable[[int], list[str]]:
        def argv(i: int) -> list[str]:
            if kind == "cold":  # an empty cache folder for every repetition
                shutil.rmtree(tmp / "cache-cold", ignore_errors=True)
            out = tmp / f"out-{kind}-{i}"
            return [*replay, "run", "--data", str(data), "--out", str(out), *RUN_ARGS]

        return argv

    return {
        'python -c "pass"': lambda i: [sys.executable, "-c", "pass"],
        'python -c "import numpy"': lambda i: [sys.executable, "-c", "import numpy"],
        "tradecore-replay --help": lambda i: [*replay, "--help"],
        "tradecore-live --help": lambda i: [*_console("tradecore-live"), "--help"],
        "replay run, cold calendar cache": run("cold"),
        "replay run, warm calendar cache": run("warm"),
    }


def _env(tmp: Path, case: str) -> dict[str, str]:
    cache = tmp / ("cache-cold" if "cold" in case else "cache-warm")
    env = {
        **os.environ,
        "TRADECORE_CACHE_DIR": str(cache),
        "TRADECORE_DEV_KEY_DIR": str(tmp / "dev-key"),
        "PYTHONPYCACHEPREFIX": str(tmp / "bytecode"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(quick: bool) -> list[str]:
    """Median wall and CPU of each start-up case, with ratios to the floors."""
    repeats = 3 if quick else 5
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        frames = generate_bars(
            ["AAPL"], 100, start=START, interval=timedelta(minutes=1), seed=7
        )
        write_bar_files(tmp / "data", frames, fmt="parquet")
        cases = _cases(tmp)
        # Untimed: creates the development key, the warm calendar cache and the
        # bytecode of every module any case imports; fills OS caches.
        for name, argv in cases.items():
            _measure(argv(-1), _env(tmp, name))
        walls: dict[str, list[float]] = {name: [] for name in cases}
        cpus: dict[str, list[float]] = {name: [] for name in cases}
        for i in range(repeats):
            for name, argv in cases.items():
                wall, cpu = _measure(argv(i), _env(tmp, name))
                walls[name].append(wall)
                cpus[name].append(cpu)
    load_after = os.getloadavg()
    median = {name: statistics.median(values) for name, values in walls.items()}
    floor, numpy_floor = median['python -c "pass"'], median['python -c "import numpy"']
    lines = [
        f"median of {repeats} whole processes; 1 symbol x 100 one-minute bars; "
        "bytecode cached (PYTHONPYCACHEPREFIX in a temporary folder)"
    ]
    for name in cases:
        lines.append(
            f"{name:34s} wall {median[name]:6.3f} s  cpu "
            f"{statistics.median(cpus[name]):6.3f} s  "
            f"{median[name] / floor:5.1f}x python  "
            f"{median[name] / numpy_floor:5.1f}x numpy"
        )
    lines.append(
        "load average before "
        + " ".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + " ".join(f"{x:.2f}" for x in load_after)
        + f" ({os.cpu_count()} cores)"
    )
    lines.append(interpreter_line())
    return lines
