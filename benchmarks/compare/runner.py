"""Run tradecore and the comparison frameworks as whole processes; measure and check.

Each run is one child process timed from launch to exit (what a user waits for:
imports, loading the files, the replay, the report), with the child's own CPU time
(user + system) and peak resident memory from ``os.wait4`` (see :func:`measure`).
The frameworks' scripts print one JSON line; tradecore's figures come from its
``summary.json``. Engines run interleaved (the order rotates every repetition, so a
slow spell on the shared machine does not fall on one engine) and every run is
checked against the exact NumPy reference (:mod:`benchmarks.compare.reference`),
tradecore's included. A framework that is not installed yields a line saying how to
install it instead of a result.
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import attrs

from benchmarks.compare.reference import Result
from tradecore import __version__ as tradecore_version

HERE = Path(__file__).parent
INSTALL_HINT = 'pip install -e ".[bench]" (or run it with: nox -s bench)'
CASH = Decimal(10_000_000)
Params = Mapping[str, int]


@attrs.frozen
class Framework:
    """An engine: its display name, import name and script (``None``: tradecore)."""

    name: str
    module: str
    script: str | None
    #: Parameters this engine runs with instead of the shared ones.
    overrides: tuple[tuple[str, int], ...] = ()

    def params(self, shared: Params) -> dict[str, int]:
        """The shared parameters with this engine's overrides applied."""
        return {**shared, **dict(self.overrides)}


TRADECORE = Framework("tradecore", "tradecore", None)
FRAMEWORKS = (
    Framework("backtrader", "backtrader", "bt_sma_cross.py"),
    Framework("nautilus", "nautilus_trader", "nautilus_sma_cross.py"),
    Framework("vectorbt", "vectorbt", "vbt_sma_cross.py"),
)


@attrs.frozen
class Usage:
    """What one child process cost: wall and CPU seconds, peak RSS in MiB."""

    wall_s: float
    cpu_s: float
    peak_rss_mib: float


@attrs.frozen
class Outcome:
    """One process's result: what it did and what it cost."""

    name: str
    version: str
    bars: int
    fills: int
    final_equity: Decimal
    usage: Usage
    #: Orders decided (tradecore reports them; the frameworks do not).
    orders: int | None = None

    @property
    def bars_per_s(self) -> float:
        """Throughput of the whole process."""
        return self.bars / self.usage.wall_s


#: Runs the measured command as its own child and reports that child's rusage.
#: Why a go-between: Linux keeps the peak RSS of the image a process had before
#: ``exec`` in its ``ru_maxrss``, so a command spawned straight from this harness
#: (which holds the generated bars) would report at least the harness's size. Spawned
#: from this small interpreter, it reports its own peak (floor: ~10 MiB).
_LAUNCHER = """
import json, os, subprocess, sys, time
report, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
child = subprocess.Popen(argv)
_, status, usage = os.wait4(child.pid, 0)
child.returncode = code = os.waitstatus_to_exitcode(status)
with open(report, "w") as stream:
    json.dump([time.perf_counter() - started, usage.ru_utime + usage.ru_stime,
               usage.ru_maxrss], stream)
sys.exit(code if code >= 0 else 128 - code)
"""


def measure(argv: Sequence[str]) -> tuple[int, str, str, Usage]:
    """Run ``argv`` to completion; return its exit code, stdout, stderr and usage.

    The output goes to temporary files (no pipe to drain). The command runs under a
    small launcher (see ``_LAUNCHER``) that reaps it with ``os.wait4``, whose
    rusage is the command's alone: its wall time, CPU (user + system), peak RSS.
    """
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.TemporaryDirectory() as folder,
    ):
        report = Path(folder) / "usage.json"
        launcher = [sys.executable, "-c", _LAUNCHER, str(report)]
        code = subprocess.run(
            [*launcher, *argv], stdout=out, stderr=err, check=False
        ).returncode
        out.seek(0)
        err.seek(0)
        wall, cpu, max_rss_kib = json.loads(report.read_text())
        usage = Usage(wall_s=wall, cpu_s=cpu, peak_rss_mib=max_rss_kib / 1024)
        return code, out.read(), err.read(), usage


def _failure(what: str, code: int, stderr: str) -> str:
    tail = " | ".join(stderr.strip().splitlines()[-3:])
    return f"{what}: FAILED (exit {code}): {tail}"


def missing(framework: Framework) -> str | None:
    """Return the install line for a framework that is not installed, else ``None``."""
    if importlib.util.find_spec(framework.module) is not None:
        return None
    return (
        f"{framework.name}: not installed ({framework.module}), no comparison; "
        f"install the bench extra: {INSTALL_HINT}"
    )


def run_tradecore(data: Path, out: Path, params: Params) -> Outcome | str:
    """Run ``tradecore-replay run ... --fill-model ideal`` over ``data`` into ``out``."""
    argv = [sys.executable, "-m", "tradecore.apps.replay.main", "run"]
    argv += ["--data", str(data), "--strategy", "sma_cross"]
    for key, value in params.items():
        argv += ["--param", f"{key}={value}"]
    argv += ["--fill-model", "ideal", "--cash", str(CASH), "--seed", "7"]
    code, _, stderr, usage = measure([*argv, "--out", str(out)])
    if code != 0:
        return _failure("tradecore", code, stderr)
    summary = json.loads((out / "summary.json").read_text())
    return Outcome(
        "tradecore",
        tradecore_version,
        summary["bars"],
        summary["fills"],
        Decimal(summary["final_equity"]),
        usage,
        summary["orders"],
    )


def run_framework(framework: Framework, data: Path, params: Params) -> Outcome | str:
    """Run one framework's script over ``data``; a line instead if it cannot run."""
    absent = missing(framework)
    if absent is not None:
        return absent
    assert framework.script is not None
    argv = [sys.executable, str(HERE / framework.script), "--data", str(data)]
    for key, value in params.items():
        argv += [f"--{key}", str(value)]
    code, stdout, stderr, usage = measure([*argv, "--cash", str(CASH)])
    if code != 0:
        return _failure(framework.name, code, stderr)
    line = next(
        json.loads(text)
        for text in reversed(stdout.splitlines())
        if text.startswith("{")
    )
    return Outcome(
        framework.name,
        line["version"],
        line["bars"],
        line["fills"],
        Decimal(line["final_equity"]),
        usage,
    )


def run_engine(
    framework: Framework, data: Path, params: Params, scratch: Path
) -> Outcome | str:
    """Run tradecore (into a fresh folder under ``scratch``) or a framework script."""
    own = framework.params(params)
    if framework.script is None:
        outcome = run_tradecore(data, Path(tempfile.mkdtemp(dir=scratch)), own)
        return (
            attrs.evolve(outcome, name=framework.name)
            if isinstance(outcome, Outcome)
            else outcome
        )
    return run_framework(framework, data, own)


def rotation(engines: Sequence[Framework], repetition: int) -> list[Framework]:
    """The engines' order in ``repetition``: round robin, each leads in turn."""
    k = repetition % len(engines)
    return [*engines[k:], *engines[:k]]


def interleaved(
    engines: Sequence[Framework],
    data: Path,
    params: Params,
    repetitions: int,
    scratch: Path,
) -> dict[str, list[Outcome] | str]:
    """Run every engine ``repetitions`` times, rotating the order; results by name.

    An engine that cannot run (not installed, or a failed run) maps to its line.
    """
    results: dict[str, list[Outcome] | str] = {e.name: [] for e in engines}
    for repetition in range(repetitions):
        for engine in rotation(engines, repetition):
            runs = results[engine.name]
            if isinstance(runs, str):
                continue
            outcome = run_engine(engine, data, params, scratch)
            if isinstance(outcome, str):
                results[engine.name] = outcome
            else:
                runs.append(outcome)
    return results


def median_usage(runs: Sequence[Outcome]) -> Usage:
    """The median wall, CPU and peak RSS of ``runs`` (each taken separately)."""
    return Usage(
        wall_s=statistics.median(r.usage.wall_s for r in runs),
        cpu_s=statistics.median(r.usage.cpu_s for r in runs),
        peak_rss_mib=statistics.median(r.usage.peak_rss_mib for r in runs),
    )


def check(reference: Result, outcome: Outcome) -> str | None:
    """Return why ``outcome`` differs from the reference (bars, fills, cents), or None."""
    wrong = []
    if outcome.bars != reference.bars:
        wrong.append(f"bars {outcome.bars:,} vs {reference.bars:,}")
    if outcome.fills != reference.fills:
        wrong.append(f"fills {outcome.fills:,} vs {reference.fills:,}")
    if outcome.orders is not None and outcome.orders != reference.orders:
        wrong.append(f"orders {outcome.orders:,} vs {reference.orders:,}")
    if outcome.final_equity != reference.final_equity:
        difference = outcome.final_equity - reference.final_equity
        wrong.append(
            f"final equity {outcome.final_equity} vs {reference.final_equity} "
            f"(difference {difference})"
        )
    return "; ".join(wrong) or None


def verdict(reference: Result, runs: Sequence[Outcome]) -> str:
    """``OK`` when every run matches the reference exactly, else what differed."""
    problems = {p for r in runs if (p := check(reference, r)) is not None}
    return "OK" if not problems else "MISMATCH: " + " | ".join(sorted(problems))
