"""Replay throughput: sma_cross (ideal fills) on 10 symbols x 100,000 one-minute bars.

Runs the whole ``tradecore-replay run`` as a separate process (what a user waits
for), next to a floor measured in the same run: a bare Python loop feeding the same
bars to the same strategy with no engine, broker or store (what the strategy itself
costs). Then the same strategy and fills in backtrader and NautilusTrader, each a
whole process over the same files (:mod:`benchmarks.compare`): bars/second, the
ratios, and a parity line per framework (fills and final equity vs tradecore's).
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.compare.runner import comparison_lines, run_tradecore, speed_line
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.domain.market.bar_frame import merge_timeline
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.strategies import SmaCross

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
PARAMS = {"fast": 10, "slow": 30, "qty": 100}


class _Flat:
    def position(self, symbol: str) -> object:
        return 0

    def equity(self) -> float:
        return 0.0


def _strategy_floor(frames: list) -> float:  # type: ignore[type-arg]
    timeline = merge_timeline(frames)
    strategy = SmaCross(**PARAMS)
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
    """Time the replay process, the strategy-only floor and the other frameworks."""
    n_bars = 10_000 if quick else 100_000
    frames = generate_bars(
        [f"S{i:02d}" for i in range(10)], n_bars, start=START, seed=7
    )
    total = 10 * n_bars
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bars"
        write_bar_files(data, frames, fmt="parquet")
        ours = run_tradecore(data, Path(tmp) / "out", PARAMS)
        others = comparison_lines(ours, data, PARAMS)
    floor = _strategy_floor(frames)
    lines = [ours if isinstance(ours, str) else f"{speed_line(ours)} (goal >= 100,000)"]
    lines.append(
        f"floor: strategy alone in a bare loop {floor:.2f} s = {total / floor:,.0f} bars/s"
    )
    if not isinstance(ours, str):
        lines.append(f"ratio process/floor: {ours.wall_s / floor:.1f}x")
    return [*lines, *others]
