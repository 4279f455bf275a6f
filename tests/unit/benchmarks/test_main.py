"""``python -m benchmarks`` answers --help and bad names without running anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_prints_usage_and_runs_no_benchmark() -> None:
    done = _run("--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: python -m benchmarks")
    assert "replay" in done.stdout  # the modules are listed
    assert "== bench_" not in done.stdout


def test_an_unknown_module_is_one_line_and_exit_2() -> None:
    done = _run("no_such_bench")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "no module matches no_such_bench" in done.stderr


def test_list_names_every_module() -> None:
    done = _run("--list")
    assert done.returncode == 0
    assert {"replay", "sim", "store"} <= set(done.stdout.split())
