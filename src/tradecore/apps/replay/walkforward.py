"""``tradecore-replay walkforward``: optimise on each train window, trade the next
test window out of sample, stitch the out-of-sample equity, report the degradation.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import typer

from tradecore.apps.replay import sweep_options as o
from tradecore.apps.replay.run import DataOptions
from tradecore.apps.replay.sweep_options import Metric
from tradecore.apps.replay.walkforward_outputs import (
    CSV_FILE,
    EQUITY_FILE,
    HTML_FILE,
    REPORT_FILE,
    summary_of,
    write_outputs,
)
from tradecore.apps.replay.walkforward_run import (
    WalkForwardPlan,
    bars_of,
    parse_sessions,
    run_walkforward,
)
from tradecore.apps.wiring.choices import Calendar, DataAdjustment, DataFeed, FillModel
from tradecore.apps.wiring.errors import cli_errors


def walkforward(
    grid: list[str] = o.GRID,
    train: str = typer.Option(
        ..., "--train", help="Train window: trading sessions of the calendar, e.g. 60d."
    ),
    test: str = typer.Option(..., "--test", help="Test window in sessions, e.g. 20d."),
    embargo: str = typer.Option(
        "0d", "--embargo", help="Sessions skipped between train and test, e.g. 1d."
    ),
    anchored: bool = typer.Option(
        False, "--anchored", help="Every train window starts at the first session."
    ),
    strategy: str = o.STRATEGY,
    metric: Metric = o.METRIC,
    workers: int = o.WORKERS,
    scheduler: str | None = o.SCHEDULER,
    out: Path = typer.Option(
        Path("walkforward"), "--out", help="Output folder (the sweeps resume)."
    ),
    replace: bool = o.REPLACE,
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
) -> None:
    """Walk-forward optimisation: in-sample sweeps, out-of-sample trading."""
    with cli_errors():
        plan = WalkForwardPlan(
            train=parse_sessions("--train", train),
            test=parse_sessions("--test", test),
            embargo=parse_sessions("--embargo", embargo),
            anchored=anchored,
        )
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
        frames, market, extra = bars_of(source, settings.calendar)
        settings = attrs.evolve(settings, extra={**settings.extra, **extra})
        with o.progress_bar(quiet, "windows") as report:
            outcome = run_walkforward(
                frames,
                settings,
                plan,
                market,
                workers=workers,
                scheduler=scheduler,
                out=out,
                replace=replace,
                on_window=report,
            )
        write_outputs(outcome, out)
        summary = summary_of(outcome)
        typer.echo(f"{'windows':>14}: {summary['windows']}")
        typer.echo(
            f"{'degradation':>14}: mean OOS/IS {metric} ratio "
            f"{summary['mean_oos_is_ratio']}"
        )
        typer.echo(f"{'stitched':>14}: return {summary['stitched_return']}")
        for name in (CSV_FILE, EQUITY_FILE, REPORT_FILE, HTML_FILE):
            typer.echo(f"{'wrote':>14}: {out / name}")
