"""Replay throughput: sma_cross (ideal fills) on 10 symbols x 100,000 one-minute bars.

Runs the whole ``tradecore-replay run`` as a separate process (what a user waits
for), next to a floor measured in the same run: a bare Python loop feeding the same
bars to the same strategy with no engine, broker or store (what the strategy itself
costs). Prints bars/second and the ratio.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.domain.bar_frame import merge_timeline
from tradecore.domain.datagen import generate_bars
from tradecore.domain.strategies import SmaCross

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class _Flat:
    def position(self, symbol: str) -> object:
        return 0

    def equity(self) -> float:
        return 0.0


def _strategy_floor(frames: list) -> float:  # type: ignore[type-arg]
    timeline = merge_timeline(frames)
    strategy = SmaCross(fast=10, slow=30, qty=100)
    closes = [f.close for f in frames]
    symbols = [f.symbol for f in frames]
    view = _Flat()
    started = time.perf_counter()
    for f, r, t in zip(
        timeline.frame_index.tolist(),
        timeline.row_index.tolist(),
        timeline.timestamps.tolist(),
        strict=True,
    ):
        strategy.on_bar(symbols[f], t, float(closes[f][r]), 0.0, view)  # type: ignore[arg-type]
    return time.perf_counter() - started


def run(quick: bool) -> list[str]:
    """Time the replay process and the strategy-only floor."""
    n_bars = 10_000 if quick else 100_000
    frames = generate_bars(
        [f"S{i:02d}" for i in range(10)], n_bars, start=START, seed=7
    )
    total = 10 * n_bars
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bars"
        write_bar_files(data, frames, fmt="parquet")
        argv = [
            sys.executable, "-m", "tradecore.apps.replay", "run", "--data", str(data),
            "--strategy", "sma_cross", "--param", "fast=10", "--param", "slow=30",
            "--param", "qty=100", "--fill-model", "ideal", "--cash", "10000000",
            "--seed", "7", "--out", str(Path(tmp) / "out"),
        ]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
    fills = next(line for line in done.stdout.splitlines() if "fills" in line).split()[
        -1
    ]
    floor = _strategy_floor(frames)
    return [
        f"tradecore replay process: {total:,} bars, {fills} fills in {wall:.2f} s "
        f"= {total / wall:,.0f} bars/s (goal >= 100,000)",
        f"floor: strategy alone in a bare loop {floor:.2f} s = {total / floor:,.0f} bars/s",
        f"ratio process/floor: {wall / floor:.1f}x",
    ]
