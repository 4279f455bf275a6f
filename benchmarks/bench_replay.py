"""Replay throughput against peers: sma_cross, ideal fills, 10 symbols x 100,000 bars.

One-minute bars on real XNYS sessions (DST changes, holidays, early closes: the 2024
calendar), written once as parquet files; every engine reads the same files as a
separate, whole process (:mod:`benchmarks.compare.runner`): tradecore's
``tradecore-replay run`` (its default XNYS calendar), backtrader, NautilusTrader and
vectorbt. Engines run interleaved, the order rotating each repetition, median of 3
(``--quick``: small files, 1 repetition). Every run, tradecore's included, must match
the exact NumPy reference (:mod:`benchmarks.compare.reference`): bars, fills, orders
where reported, final equity to the cent.

Reported per engine: bars/s, tradecore's ratio to it (above 1: tradecore is faster),
CPU seconds and peak RSS of the child process. For tradecore, the costs behind its
throughput, from CPU time: start-up (a run on a 100-bar file), per idle bar (a run on
the same bars whose slow window never fills, so no order is ever placed, minus
start-up, per bar) and per order (the trading run minus the idle run, per order).
Then the scaling line: tradecore on 1, 10 and 30 symbols x 100,000 bars, and on more
with ``--scale N`` (``python -m benchmarks replay --scale 100``: 10 million bars,
opt-in because generating and replaying them takes minutes; the files are generated
ten symbols at a time, so the benchmark's own process holds only the reference's
columns). Before the
timed runs, each engine runs once on the 100-bar file: it warms the file cache and
numba's on-disk cache (vectorbt's first-ever run compiles for half a minute).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import numpy as np

from benchmarks.compare.reference import Result, simulate, simulate_frames
from benchmarks.compare.runner import (
    CASH,
    FRAMEWORKS,
    TRADECORE,
    Framework,
    Outcome,
    interleaved,
    median_usage,
    run_engine,
    verdict,
)
from benchmarks.interpreter import interpreter_line
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.wiring.calendars import exchange_calendar
from tradecore.domain.market.bar_frame import BarFrame, merge_timeline
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.strategies import SmaCross

#: The first session of 2024; 100,000 bars run into January 2025.
START = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
PARAMS = {"fast": 10, "slow": 30, "qty": 100}
TINY_BARS = 100
SCALING = (1, 10, 30)
#: Peak RSS goals of the scaling line (issue 18), MiB by symbols x 100,000 bars.
RSS_GOALS = {30: "<= 350 MiB", 100: "< 1 GiB"}
#: Symbols generated per batch for an opt-in ``--scale`` run.
SCALE_BATCH = 10


@attrs.frozen
class Sizes:
    """How big a run is: bars per symbol, symbols in the main run, repetitions."""

    bars: int
    symbols: int
    repetitions: int


FULL = Sizes(bars=100_000, symbols=10, repetitions=3)
QUICK = Sizes(bars=2_000, symbols=10, repetitions=1)


def _frames(n_symbols: int, n_bars: int, seed: int) -> list[BarFrame]:
    calendar = exchange_calendar("XNYS", date(2024, 1, 1), date(2027, 12, 31))
    symbols = [f"S{i:02d}" for i in range(n_symbols)]
    return generate_bars(symbols, n_bars, start=START, seed=seed, calendar=calendar)


def _write(folder: Path, frames: list[BarFrame]) -> Path:
    write_bar_files(folder, frames, fmt="parquet")
    return folder


def _write_in_batches(folder: Path, n_symbols: int, n_bars: int, seed: int) -> Result:
    """Write ``n_symbols`` files ten at a time; return the reference over all of them.

    Only the columns the reference reads (open, close, timestamps) are kept between
    batches: 24 bytes a bar instead of the frames' 48 and the generator's scratch.
    """
    calendar = exchange_calendar("XNYS", date(2024, 1, 1), date(2027, 12, 31))
    series, stamps = {}, {}
    for first in range(0, n_symbols, SCALE_BATCH):
        symbols = [
            f"S{i:03d}" for i in range(first, min(first + SCALE_BATCH, n_symbols))
        ]
        frames = generate_bars(
            symbols, n_bars, start=START, seed=seed + first, calendar=calendar
        )
        write_bar_files(folder, frames, fmt="parquet")
        for frame in frames:
            series[frame.symbol] = (np.array(frame.open), np.array(frame.close))
            stamps[frame.symbol] = np.array(frame.timestamps)
        del frames
    return simulate(series, cash=CASH, stamps=stamps, **PARAMS)


def _reference(frames: Sequence[BarFrame], **overrides: int) -> tuple[Result, float]:
    params = {**PARAMS, **overrides}
    started = time.perf_counter()
    result = simulate_frames(frames, cash=CASH, **params)
    return result, time.perf_counter() - started


class _Flat:
    def position(self, symbol: str) -> object:
        return 0

    def equity(self) -> float:
        return 0.0


def _strategy_floor(frames: list[BarFrame]) -> float:
    """Seconds the strategy alone takes over the bars in a bare loop."""
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


def _engine_line(
    runs: list[Outcome] | str, reference: Result, ours: float | None
) -> str:
    if isinstance(runs, str):
        return runs
    first, usage = runs[0], median_usage(runs)
    bars_per_s = first.bars / usage.wall_s
    ratio = "" if ours is None else f", tradecore/this {ours / bars_per_s:.2f}x"
    return (
        f"{first.name} {first.version}: {bars_per_s:,.0f} bars/s (median of "
        f"{len(runs)}, wall {usage.wall_s:.2f} s){ratio}; CPU {usage.cpu_s:.2f} s; "
        f"peak RSS {usage.peak_rss_mib:,.0f} MiB | vs reference: "
        f"{verdict(reference, runs)}"
    )


def _costs_line(
    trading: list[Outcome] | str,
    idle: list[Outcome] | str,
    startup: list[Outcome] | str,
    reference: Result,
) -> str:
    if isinstance(trading, str) or isinstance(idle, str) or isinstance(startup, str):
        return "tradecore costs: not measured (a run failed)"
    start_cpu = median_usage(startup).cpu_s
    idle_cpu, trade_cpu = median_usage(idle).cpu_s, median_usage(trading).cpu_s
    bars = trading[0].bars
    per_bar = (idle_cpu - start_cpu) / bars
    per_order = (trade_cpu - idle_cpu) / max(reference.orders, 1)
    return (
        f"tradecore costs (CPU): start-up {start_cpu:.2f} s ({TINY_BARS}-bar file; "
        f"goal <= 0.5 s); idle bar {per_bar * 1e6:.2f} us (no-trade run "
        f"{idle_cpu:.2f} s; goal <= 2); order {per_order * 1e6:.0f} us "
        f"({reference.orders:,} orders, trading run {trade_cpu:.2f} s; goal <= 100)"
    )


def _scaling_line(
    sizes: Sizes, main: list[Outcome] | str, scratch: Path, extra: Sequence[int] = ()
) -> tuple[str, list[str]]:
    """Run tradecore on 1 and 30 symbols (10: the main run's median), then on each
    opt-in ``extra`` count (files written in batches; each deleted after its run)."""
    cells, problems = [], []
    for n_symbols in (*SCALING, *sorted(set(extra) - set(SCALING))):
        if n_symbols == sizes.symbols and not isinstance(main, str):
            runs = main
        else:
            folder = scratch / f"scale{n_symbols}"
            if n_symbols in SCALING:
                frames = _frames(n_symbols, sizes.bars, seed=100 + n_symbols)
                _write(folder, frames)
                reference, _ = _reference(frames)
                del frames
            else:
                reference = _write_in_batches(
                    folder, n_symbols, sizes.bars, seed=100 + n_symbols
                )
            outcome = run_engine(TRADECORE, folder, PARAMS, scratch)
            shutil.rmtree(folder, ignore_errors=True)
            if isinstance(outcome, str):
                cells.append(f"{n_symbols}x: {outcome}")
                continue
            runs = [outcome]
            check = verdict(reference, runs)
            if check != "OK":
                problems.append(f"scaling {n_symbols}x vs reference: {check}")
        usage = median_usage(runs)
        cells.append(
            f"{n_symbols}x {runs[0].bars / usage.wall_s:,.0f} bars/s "
            f"{usage.peak_rss_mib:,.0f} MiB"
        )
    line = f"scaling, tradecore on N symbols x {sizes.bars:,} bars: " + " | ".join(
        cells
    )
    goals = ", ".join(f"{n}x {goal}" for n, goal in RSS_GOALS.items())
    return f"{line} (peak RSS goals: {goals})", problems


def run(quick: bool, scales: Sequence[int] = ()) -> list[str]:
    """Time every engine on the same files; check all against the reference.

    ``scales``: more symbol counts for the scaling line (``--scale 100``).
    """
    sizes = QUICK if quick else FULL
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"machine: {os.cpu_count()} CPUs, load average {load}; "
        f"{sizes.symbols} symbols x {sizes.bars:,} one-minute XNYS bars",
        interpreter_line(),
    ]
    engines = (TRADECORE, *FRAMEWORKS)
    idle = Framework("tradecore-idle", "tradecore", None, (("slow", sizes.bars + 1),))
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        tiny_frames = _frames(1, TINY_BARS, seed=1)
        tiny = _write(scratch / "tiny", tiny_frames)
        frames = _frames(sizes.symbols, sizes.bars, seed=7)
        data = _write(scratch / "bars", frames)
        reference, reference_s = _reference(frames)
        idle_reference, _ = _reference(frames, slow=sizes.bars + 1)
        floor = _strategy_floor(frames)
        del frames
        lines.append(
            f"reference (exact NumPy, in-process): {reference.bars:,} bars, "
            f"{reference.orders:,} orders, {reference.fills:,} fills, final equity "
            f"{reference.final_equity} in {reference_s:.3f} s = "
            f"{reference.bars / reference_s:,.0f} bars/s; near-tie bars "
            f"{reference.near_tie} (0: float and exact math decide alike); "
            f"{reference.overnight_fills:,} fills at a session's first open of an "
            "order decided on the previous session's last bar"
        )
        lines.append(
            f"floor: the strategy alone in a bare loop {floor:.2f} s = "
            f"{reference.bars / floor:,.0f} bars/s"
        )
        startup = interleaved(engines, tiny, PARAMS, max(sizes.repetitions, 1), scratch)
        results = interleaved(
            (*engines, idle), data, PARAMS, sizes.repetitions, scratch
        )
        ours_runs = results[TRADECORE.name]
        ours = (
            None
            if isinstance(ours_runs, str)
            else ours_runs[0].bars / median_usage(ours_runs).wall_s
        )
        for engine in engines:
            lines.append(_engine_line(results[engine.name], reference, ours))
        lines.append(_engine_line(results[idle.name], idle_reference, None))
        tiny_reference, _ = _reference(tiny_frames)
        for engine in engines:
            warm = startup[engine.name]
            if isinstance(warm, str):
                continue
            usage = median_usage(warm)
            lines.append(
                f"start-up {engine.name} ({TINY_BARS} bars): wall {usage.wall_s:.2f}"
                f" s, CPU {usage.cpu_s:.2f} s, {usage.peak_rss_mib:,.0f} MiB | "
                f"vs reference: {verdict(tiny_reference, warm)}"
            )
        lines.append(
            _costs_line(
                ours_runs, results[idle.name], startup[TRADECORE.name], reference
            )
        )
        scaling, problems = _scaling_line(sizes, ours_runs, scratch, scales)
        lines += [scaling, *problems]
    return lines
