"""Data path figures: bar file loading, the merged timeline, incremental indicators.

Each figure is printed next to a reference measured in the same run on the same
data, so the ratio (not the absolute time) says whether our layer costs too much:

* loading + validating CSV / Parquet vs. a raw ``pyarrow`` read of the same files;
* the data-quality gate: screening alone, and a load with it vs. without it;
* ``SMA.update`` per bar vs. a bare Python ``for`` loop adding the same floats.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from tradecore.adapters.data import (
    BarFileOptions,
    load_bar_files,
    load_bars,
    write_bar_files,
)
from tradecore.domain.market.bar_frame import BarFrame, merge_timeline
from tradecore.domain.market.bar_quality import QualityRules, screen_bars
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.market.indicators import SMA

SYMBOLS = [f"SYM{i}" for i in range(10)]


def _best(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def _loading(frames: list[BarFrame], folder: Path, repeats: int) -> list[str]:
    rows = sum(len(f) for f in frames)
    lines = []
    for fmt, raw_read in (("csv", pa_csv.read_csv), ("parquet", pq.read_table)):
        target = folder / fmt
        write_bar_files(target, frames, fmt=fmt)  # type: ignore[arg-type]
        files = sorted(target.iterdir())
        ours = _best(lambda t=target: load_bar_files(t), repeats)
        raw = _best(lambda fs=files, r=raw_read: [r(f) for f in fs], repeats)
        lines.append(
            f"load+validate {fmt:<7} {rows:>9,} rows: {ours * 1e3:7.1f} ms "
            f"= {rows / ours:12,.0f} rows/s | raw pyarrow read {raw * 1e3:7.1f} ms "
            f"| ratio {ours / raw:4.2f}x"
        )
    return lines


def _gate(frames: list[BarFrame], folder: Path, repeats: int) -> list[str]:
    """The data-quality gate: screening alone, and a load with it vs without it."""
    rows = sum(len(f) for f in frames)
    rules = QualityRules()

    def screen_all() -> None:
        for f in frames:
            screen_bars(
                f.symbol, f.timestamps, f.open, f.high, f.low, f.close, f.volume, rules
            )

    screened = _best(screen_all, repeats)
    target = folder / "parquet"
    plain = _best(lambda: load_bar_files(target), repeats)
    gated = _best(lambda: load_bars(target, BarFileOptions(quality=rules)), repeats)
    return [
        f"quality gate screen_bars {rows:>9,} bars: {screened * 1e3:7.1f} ms "
        f"= {screened / rows * 1e9:.0f} ns/bar",
        f"load parquet with the gate {gated * 1e3:7.1f} ms | without "
        f"{plain * 1e3:7.1f} ms | ratio {gated / plain:4.2f}x",
    ]


def _timeline(frames: list[BarFrame], repeats: int) -> str:
    rows = sum(len(f) for f in frames)
    took = _best(lambda: merge_timeline(frames), repeats)
    return (
        f"merge_timeline {len(frames)} symbols, {rows:,} bars: {took * 1e3:.1f} ms "
        f"= {took / rows * 1e9:.1f} ns/bar"
    )


def _sma(values: list[float], repeats: int) -> str:
    def incremental() -> None:
        update = SMA(20).update
        for value in values:
            update(value)

    def bare_loop() -> None:
        total = 0.0
        for value in values:
            total += value

    ours = _best(incremental, repeats) / len(values) * 1e9
    floor = _best(bare_loop, repeats) / len(values) * 1e9
    return (
        f"SMA(20).update: {ours:6.1f} ns/bar | bare Python loop {floor:5.1f} ns/elem "
        f"| ratio {ours / floor:4.1f}x | budget share at 100k bars/s: "
        f"{ours / 10_000:.2%}"
    )


def run(quick: bool) -> list[str]:
    """Measure the data path on 10 x 100,000 bars (10 x 10,000 when ``quick``)."""
    n_bars = 10_000 if quick else 100_000
    repeats = 2 if quick else 3
    started = time.perf_counter()
    frames = generate_bars(
        SYMBOLS, n_bars, start=datetime(2024, 1, 2, 14, 30, tzinfo=UTC), seed=1
    )
    generated = time.perf_counter() - started
    lines = [f"generate_bars 10 x {n_bars:,}: {generated * 1e3:.0f} ms"]
    with tempfile.TemporaryDirectory() as folder:
        lines += _loading(frames, Path(folder), repeats)
        lines += _gate(frames, Path(folder), repeats)
    lines.append(_timeline(frames, repeats))
    lines.append(_sma(frames[0].close.tolist() * 10, repeats))
    return lines
