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


def test_help_offers_the_opt_in_scale() -> None:
    done = _run("--help")
    assert "--scale N" in done.stdout


def test_only_a_module_whose_run_takes_scales_gets_them() -> None:
    import argparse

    from benchmarks import __main__ as main
    from benchmarks import bench_replay, bench_sim

    args = argparse.Namespace(scale=[100], quick=True)
    assert main._options(bench_replay, args) == {"scales": [100]}
    assert main._options(bench_sim, args) == {}


def test_batched_files_give_the_reference_of_the_same_bars(tmp_path: Path) -> None:
    """The --scale path writes ten symbols at a time and keeps only the reference's
    columns: its reference must be the one computed from the files it wrote."""
    from benchmarks.bench_replay import _reference, _write_in_batches

    from tradecore.adapters.data import load_bar_files

    reference = _write_in_batches(tmp_path / "bars", 12, 300, seed=5)
    files = sorted(p.name for p in (tmp_path / "bars").iterdir())
    assert files == [f"S{i:03d}.parquet" for i in range(12)]
    from_files, _ = _reference(load_bar_files(tmp_path / "bars"))
    assert reference == from_files
    assert reference.bars == 12 * 300
