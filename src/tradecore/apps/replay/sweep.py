"""``tradecore-replay sweep``: every combination of a parameter grid, through the
same engine, locally or on a Dask cluster; a table, a heatmap and the deflated
Sharpe ratio of the best combination given the number of trials."""

from __future__ import annotations

from pathlib import Path

import typer

from tradecore.apps.replay import sweep_options as o
from tradecore.apps.replay.run import DataOptions
from tradecore.apps.replay.stress import STRESS_CSV
from tradecore.apps.replay.sweep_options import Metric
from tradecore.apps.replay.sweep_outputs import (
    CSV_FILE,
    HEATMAP_FILE,
    JSON_FILE,
    heatmap_axes,
    summary_of,
    write_outputs,
)
from tradecore.apps.replay.sweep_run import run_sweep
from tradecore.apps.replay.sweep_stress import stress_best
from tradecore.apps.wiring.choices import Calendar, DataAdjustment, DataFeed, FillModel
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.research.stress import scenarios_of


def sweep(
    grid: list[str] = o.GRID,
    strategy: str = o.STRATEGY,
    metric: Metric = o.METRIC,
    workers: int = o.WORKERS,
    scheduler: str | None = o.SCHEDULER,
    out: Path = typer.Option(Path("sweep"), "--out", help="Sweep folder (resumable)."),
    replace: bool = o.REPLACE,
    heatmap: str | None = typer.Option(
        None, "--heatmap", help="x,y: the heatmap's parameters (default: first two)."
    ),
    quiet: bool = o.QUIET,
    fill_model: FillModel = o.FILL_MODEL,
    cash: str = o.CASH,
    seed: int = o.SEED,
    data: Path | None = o.DATA,
    demo: bool = o.DEMO,
    lake: Path | None = o.LAKE,
    symbols: str | None = o.SYMBOLS,
    start: str | None = o.START,
    end: str | None = o.END,
    timeframe: str = o.TIMEFRAME,
    feed: DataFeed | None = o.FEED,
    lake_adjustment: DataAdjustment | None = o.LAKE_ADJUSTMENT,
    calendar: Calendar | None = o.CALENDAR,
    config: Path | None = o.CONFIG,
    stress: str | None = typer.Option(
        None,
        "--stress",
        help="Then replay the best combination under stress scenarios, e.g. "
        "costs=3x,latency=+500ms,rejects=8%,spread=2x (each alone, then all "
        "combined), compared with its base run in DIR/stress.csv and stress.md.",
    ),
) -> None:
    """Sweep a strategy's parameters; write sweep.csv, sweep.json and heatmap.html."""
    with cli_errors():
        scenarios = scenarios_of(stress) if stress is not None else ()
        source, settings = o.sweep_inputs(
            DataOptions(
                data=data,
                demo=demo,
                lake=lake,
                symbols=symbols,
                start=start,
                end=end,
                timeframe=timeframe,
                feed=feed,
                lake_adjustment=lake_adjustment,
            ),
            calendar,
            config,
            strategy=strategy,
            grid=grid,
            metric=metric,
            fill_model=fill_model,
            cash=cash,
            seed=seed,
        )
        heatmap_axes(settings.grid.names, heatmap)  # refused before any replay
        with o.progress_bar(quiet, "sweep") as report:
            outcome = run_sweep(
                source,
                settings,
                workers=workers,
                scheduler=scheduler,
                out=out,
                replace=replace,
                on_progress=report,
            )
        write_outputs(outcome, out, heatmap)
        summary = summary_of(outcome)
        best = summary["best"]
        typer.echo(
            f"{'combinations':>14}: {summary['combinations']} "
            f"({outcome.replayed} replayed, {summary['invalid']} invalid, "
            f"{summary['errors']} failed)"
        )
        if best is not None:
            typer.echo(f"{'best':>14}: {best['params']} {metric}={best['metric']}")
            typer.echo(f"{'sharpe':>14}: {best['sharpe']}")
        typer.echo(
            f"{'deflated':>14}: {summary['deflated_sharpe']} "
            f"over {summary['n_trials']} trials: {summary['verdict']}"
        )
        for name in (CSV_FILE, JSON_FILE, HEATMAP_FILE):
            typer.echo(f"{'wrote':>14}: {out / name}")
        if scenarios and best is not None:
            block = stress_best(source, settings, best["params"], scenarios, out)
            for row in block["scenarios"]:  # type: ignore[attr-defined]
                typer.echo(
                    f"{'stress':>14}: {row['scenario']}: sharpe {row['sharpe']:.4f} "
                    f"({row['delta_sharpe']:+.4f}), return {row['net_return']:.4%}"
                )
            typer.echo(f"{'wrote':>14}: {out / STRESS_CSV}")
