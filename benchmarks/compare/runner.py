"""Run tradecore and the comparison frameworks as whole processes; compare results.

Each run is one process timed from launch to exit (what a user waits for: imports,
loading the files, the replay, the report). The frameworks' scripts print one JSON
line; tradecore's figures come from its ``summary.json``. A framework that is not
installed yields a line saying how to install it instead of a result.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import attrs

from tradecore import __version__ as tradecore_version

HERE = Path(__file__).parent
INSTALL_HINT = 'pip install -e ".[bench]" (or run it with: nox -s bench)'


@attrs.frozen
class Framework:
    """A comparison framework: its display name, import name and script."""

    name: str
    module: str
    script: str
    #: bars/s the issue quotes for this framework on this kind of machine.
    reference_bars_per_s: int


FRAMEWORKS = (
    Framework("backtrader", "backtrader", "bt_sma_cross.py", 6_000),
    Framework("nautilus", "nautilus_trader", "nautilus_sma_cross.py", 14_000),
)


@attrs.frozen
class Outcome:
    """One process's result: what it did and how long the whole process took."""

    name: str
    version: str
    bars: int
    fills: int
    final_equity: Decimal
    wall_s: float
    #: The script's own timer (from its first line to its result line), if any.
    self_timed_s: float | None = None

    @property
    def bars_per_s(self) -> float:
        """Throughput of the whole process."""
        return self.bars / self.wall_s


def _timed(argv: list[str]) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return done, time.perf_counter() - started


def _failure(what: str, done: subprocess.CompletedProcess[str]) -> str:
    tail = " | ".join(done.stderr.strip().splitlines()[-3:])
    return f"{what}: FAILED (exit {done.returncode}): {tail}"


def run_tradecore(data: Path, out: Path, params: dict[str, int]) -> Outcome | str:
    """Run ``tradecore-replay run ... --fill-model ideal`` over ``data``."""
    argv = [
        sys.executable,
        "-m",
        "tradecore.apps.replay.main",
        "run",
        "--data",
        str(data),
    ]
    argv += ["--strategy", "sma_cross"]
    for key, value in params.items():
        argv += ["--param", f"{key}={value}"]
    argv += ["--fill-model", "ideal", "--cash", "10000000", "--seed", "7"]
    done, wall = _timed([*argv, "--out", str(out)])
    if done.returncode != 0:
        return _failure("tradecore", done)
    summary = json.loads((out / "summary.json").read_text())
    return Outcome(
        "tradecore",
        tradecore_version,
        summary["bars"],
        summary["fills"],
        Decimal(summary["final_equity"]),
        wall,
    )


def run_framework(
    framework: Framework, data: Path, params: dict[str, int]
) -> Outcome | str:
    """Run one framework's script over ``data``; a line instead if it cannot run."""
    if importlib.util.find_spec(framework.module) is None:
        return (
            f"{framework.name}: not installed ({framework.module}), no comparison; "
            f"install the bench extra: {INSTALL_HINT}"
        )
    argv = [sys.executable, str(HERE / framework.script), "--data", str(data)]
    for key, value in params.items():
        argv += [f"--{key}", str(value)]
    done, wall = _timed([*argv, "--cash", "10000000"])
    if done.returncode != 0:
        return _failure(framework.name, done)
    line = next(
        json.loads(text)
        for text in reversed(done.stdout.splitlines())
        if text.startswith("{")
    )
    return Outcome(
        framework.name,
        line["version"],
        line["bars"],
        line["fills"],
        Decimal(line["final_equity"]),
        wall,
        line["wall_seconds"],
    )


def speed_line(outcome: Outcome, reference: int | None = None) -> str:
    """Describe one process's throughput."""
    note = f" (issue's reference ~{reference:,})" if reference else ""
    if outcome.self_timed_s is not None:
        note += f"; own timer {outcome.self_timed_s:.2f} s"
    return (
        f"{outcome.name} {outcome.version} process: {outcome.bars:,} bars, "
        f"{outcome.fills:,} fills in {outcome.wall_s:.2f} s "
        f"= {outcome.bars_per_s:,.0f} bars/s{note}"
    )


def parity_line(ours: Outcome, theirs: Outcome) -> str:
    """Compare fills and final equity (to the cent) of ``theirs`` with tradecore's."""
    fills_ok = ours.fills == theirs.fills
    difference = theirs.final_equity - ours.final_equity
    equity_ok = difference == 0
    verdict = (
        "OK" if fills_ok and equity_ok and ours.bars == theirs.bars else "MISMATCH"
    )
    return (
        f"parity {theirs.name} vs tradecore: {verdict} | bars {theirs.bars:,} vs "
        f"{ours.bars:,} | fills {theirs.fills:,} vs {ours.fills:,} | final equity "
        f"{theirs.final_equity} vs {ours.final_equity} (difference {difference})"
    )


def comparison_lines(
    ours: Outcome | str, data: Path, params: dict[str, int]
) -> list[str]:
    """Run every framework on ``data``; return speed, ratio and parity lines."""
    lines = []
    for framework in FRAMEWORKS:
        theirs = run_framework(framework, data, params)
        if isinstance(theirs, str):
            lines.append(theirs)
            continue
        lines.append(speed_line(theirs, framework.reference_bars_per_s))
        if isinstance(ours, str):
            continue
        lines.append(
            f"ratio tradecore/{framework.name}: "
            f"{ours.bars_per_s / theirs.bars_per_s:.2f}x bars/s"
        )
        lines.append(parity_line(ours, theirs))
    return lines
