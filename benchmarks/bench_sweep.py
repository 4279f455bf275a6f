"""Sweep throughput: combinations per minute on 1 symbol x 100,000 one-minute bars.

The SMA cross strategy over a grid of 8 combinations (``fast=5,10`` x
``slow=20,30,45,60``), realistic fills, each combination a whole replay (the same
engine as ``tradecore-replay run``), run in this process (1 worker) and in a local
pool of 2 worker processes. Bars on XNYS regular sessions from 2 January 2024,
written once as a parquet file that every trial reads. Median of 3 sweeps per
setting (``--quick``: 2,000 bars, 1 sweep). The 2-worker figure is next to the
1-worker one (their ratio: 2.0 would be perfect scaling; the pool pays for
starting its processes and importing tradecore once per worker). The machine's
load average is printed: other work on the cores lowers the 2-worker figure. The
1-worker line also gives the CPU seconds per combination, which do not depend on
the load: with N idle cores the pool's ceiling is about N * 60 / that figure.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.replay.sweep_run import SweepSettings, run_sweep
from tradecore.apps.wiring.calendars import exchange_calendar
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.research.grid import ParameterGrid

START = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
GRID = ("fast=5,10", "slow=20,30,45,60")


def _bars(folder: Path, n_bars: int) -> Path:
    calendar = exchange_calendar("XNYS", date(2024, 1, 1), date(2027, 12, 31))
    frames = generate_bars(["S00"], n_bars, start=START, seed=42, calendar=calendar)
    write_bar_files(folder, frames, fmt="parquet")
    return folder


def _cpu() -> float:
    """CPU seconds of this process (the 1-worker sweep runs its trials here; the
    pool's workers are children of the forkserver, not of this process)."""
    t = os.times()
    return t.user + t.system


def _timed(bars: Path, settings: SweepSettings, workers: int) -> tuple[float, float]:
    """Wall and CPU seconds of one sweep (the pool is joined before it returns)."""
    started, cpu = time.perf_counter(), _cpu()
    outcome = run_sweep(bars, settings, workers=workers)
    seconds, cpu_seconds = time.perf_counter() - started, _cpu() - cpu
    failed = [r for r in outcome.records if r["status"] != "ok"]
    if failed:
        raise RuntimeError(f"a trial failed: {failed[0]['reason']}")
    return seconds, cpu_seconds


def run(quick: bool) -> list[str]:
    n_bars, repetitions = (2_000, 1) if quick else (100_000, 3)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"machine: {os.cpu_count()} CPUs, load average {load}; 1 symbol x "
        f"{n_bars:,} bars, sma_cross, realistic fills, grid {' x '.join(GRID)}"
    ]
    settings = SweepSettings(strategy="sma_cross", grid=ParameterGrid.parse(GRID))
    combos = settings.grid.size
    with tempfile.TemporaryDirectory(prefix="tc-bench-sweep-") as folder:
        os.environ.setdefault("TRADECORE_DEV_KEY_DIR", str(Path(folder) / "key"))
        bars = _bars(Path(folder) / "bars", n_bars)
        per_minute: dict[int, float] = {}
        for workers in (1, 2):
            runs = [_timed(bars, settings, workers) for _ in range(repetitions)]
            median = statistics.median(wall for wall, _ in runs)
            cpu = statistics.median(cpu for _, cpu in runs)
            per_minute[workers] = combos / median * 60.0
            cost = f"; CPU {cpu / combos:.2f} s per combination" if workers == 1 else ""
            lines.append(
                f"{workers} worker{'s' if workers > 1 else ''}: "
                f"{per_minute[workers]:,.1f} combinations/min ({combos} in "
                f"{median:.1f} s wall, median of {repetitions}; "
                f"{n_bars * combos / median:,.0f} bars/s{cost})"
            )
    lines.append(f"2 workers / 1 worker: {per_minute[2] / per_minute[1]:.2f}x")
    return lines
