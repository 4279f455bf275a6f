"""Loading a replay's bars from the Parquet lake vs. from plain Parquet files.

The same generated bars (10 symbols x 1,000,000 one-minute bars; 10 x 100,000 with
``--quick``) are written once to a lake (``ParquetLake``: hive partitions, one file
per symbol and year, manifest) and once as plain ``SYMBOL.parquet`` files
(``write_bar_files``). Each load runs in a fresh interpreter, as a replay does: the
bars become validated :class:`BarFrame`\\ s spilled to memory maps (the replay
runner's path), and the child reports the load's wall time and the process's peak
resident memory. Loads alternate and the best of the repeats is kept; the import of
each reader's modules is timed apart (``pyarrow.dataset`` is the lake's engine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tradecore.adapters.data import write_bar_files
from tradecore.adapters.data.lake import ParquetLake
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.market.lake import SeriesKey, TimeRange

SYMBOLS = [f"SYM{i}" for i in range(10)]
START = datetime(2023, 1, 3, 14, 30, tzinfo=UTC)

_CHILD = """
import json, resource, sys, time
from pathlib import Path
started = time.perf_counter()
from tradecore.adapters.data.spill import SpilledBars
{imports}
imported = time.perf_counter()
spill = SpilledBars(Path(sys.argv[2]))
frames = {load}
loaded = time.perf_counter()
rows = sum(len(f) for f in frames)
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"import_s": imported - started, "load_s": loaded - imported,
                  "rows": rows, "peak_mb": peak_kb / 1024}}))
"""
_PLAIN = _CHILD.format(
    imports="from tradecore.adapters.data import load_bar_files",
    load="load_bar_files(sys.argv[1], each=spill.spill)",
)
_LAKE = _CHILD.format(
    imports="from tradecore.adapters.data.lake import ParquetLake\n"
    "import pyarrow.dataset",
    load="ParquetLake.existing(sys.argv[1]).select("
    f"{SYMBOLS!r}, timeframe='1Min').load(each=spill.spill)",
)


def _write(folder: Path, n_bars: int) -> tuple[Path, Path, float, float]:
    """Write the lake and the plain files, a symbol at a time (bounded memory)."""
    lake, plain = folder / "lake", folder / "plain"
    lake_s = plain_s = 0.0
    with ParquetLake(lake).writing() as held:
        for i, symbol in enumerate(SYMBOLS):
            (frame,) = generate_bars([symbol], n_bars, start=START, seed=i)
            span = TimeRange(int(frame.timestamps[0]), int(frame.timestamps[-1]) + 1)
            started = time.perf_counter()
            held.store(SeriesKey("iex", "raw", "1Min", symbol), frame, span)
            lake_s += time.perf_counter() - started
            started = time.perf_counter()
            write_bar_files(plain, [frame], fmt="parquet")
            plain_s += time.perf_counter() - started
    return lake, plain, lake_s, plain_s


def _child(script: str, source: Path, scratch: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(source), str(scratch)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    best = min(runs, key=lambda r: r["load_s"])
    return {**best, "peak_mb": max(r["peak_mb"] for r in runs)}


def run(quick: bool) -> list[str]:
    """Write both layouts, then load each ``repeats`` times in fresh processes."""
    n_bars = 100_000 if quick else 1_000_000
    repeats = 2 if quick else 3
    lines = [
        f"machine load (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lake, plain, lake_w, plain_w = _write(folder, n_bars)
        files = sum(1 for _ in (lake / "bars").rglob("*.parquet"))
        lines.append(
            f"write 10 x {n_bars:,} bars: lake {lake_w:.2f} s ({files} files + "
            f"manifest) | plain parquet {plain_w:.2f} s"
        )
        runs: dict[str, list[dict[str, float]]] = {"lake": [], "plain": []}
        for k in range(repeats):
            for name, script, source in (
                ("plain", _PLAIN, plain),
                ("lake", _LAKE, lake),
            ):
                runs[name].append(_child(script, source, folder / f"spill-{name}-{k}"))
        best = {name: _best(r) for name, r in runs.items()}
    for name in ("lake", "plain"):
        b = best[name]
        lines.append(
            f"{name:<5} load {int(b['rows']):,} bars into BarFrames: "
            f"{b['load_s']:6.2f} s (+ imports {b['import_s']:.2f} s) "
            f"= {b['rows'] / b['load_s']:12,.0f} bars/s | peak RSS {b['peak_mb']:6.0f} MB"
        )
    ratio = best["lake"]["load_s"] / best["plain"]["load_s"]
    with_imports = (best["lake"]["load_s"] + best["lake"]["import_s"]) / (
        best["plain"]["load_s"] + best["plain"]["import_s"]
    )
    rss = best["lake"]["peak_mb"] / best["plain"]["peak_mb"]
    lines.append(
        f"lake / plain: load time {ratio:.2f}x, with imports {with_imports:.2f}x, "
        f"peak RSS {rss:.2f}x (best of {repeats}, fresh processes)"
    )
    return lines
