"""The options ``sweep`` and ``walkforward`` share: data (as ``run`` reads it),
the grid, the metric, the executor; and the progress bar."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tradecore.apps.config.settings import load_settings
from tradecore.apps.replay.demo_data import demo_calendar
from tradecore.apps.replay.run import DataOptions, _market_calendar, data_source_of
from tradecore.apps.replay.sweep_run import METRICS, SweepSettings
from tradecore.apps.wiring.choices import literal_of
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.research.grid import ParameterGrid
from tradecore.domain.validation import to_decimal

if TYPE_CHECKING:
    Metric = str
else:
    #: The sweep metrics: typer offers exactly these values.
    Metric = literal_of(METRICS)

DATA = typer.Option(None, "--data", help="A bar file or a folder of them.")
DEMO = typer.Option(False, "--demo", help="The generated demo data set.")
LAKE = typer.Option(None, "--lake", help="A market-data lake.")
SYMBOLS = typer.Option(None, "--symbols", help="With --lake: the symbols.")
START = typer.Option(None, "--start", help="With --lake: first day (YYYY-MM-DD).")
END = typer.Option(None, "--end", help="With --lake: last day (inclusive).")
TIMEFRAME = typer.Option("1Min", "--timeframe", help="With --lake: the timeframe.")
FEED = typer.Option(None, "--feed", help="With --lake: the feed, if several.")
LAKE_ADJUSTMENT = typer.Option(
    None,
    "--lake-adjustment",
    help="With --lake: which adjusted series to read.",
)
CALENDAR = typer.Option(
    None,
    "--calendar",
    help="Market calendar (default: [market] calendar, else XNYS).",
)
CONFIG = typer.Option(
    None, "--config", help="TOML configuration ([signing], [market] calendar)."
)
STRATEGY = typer.Option(
    "sma_cross", "--strategy", help="Bundled name or package.module:ClassName."
)
GRID = typer.Option(
    ...,
    "--grid",
    help="NAME=start:stop:step (the stop is included) or NAME=a,b,c (repeatable; "
    "the sweep is every combination).",
)
METRIC = typer.Option(
    "sharpe",
    "--metric",
    help="What picks the best.",
)
FILL_MODEL = typer.Option("realistic", "--fill-model", help="The venue's fill model.")
CASH = typer.Option("1000000", "--cash", help="Starting cash of every trial.")
SEED = typer.Option(7, "--seed", help="Simulator seed (the same for every trial).")
WORKERS = typer.Option(1, "--workers", help="Local worker processes.")
SCHEDULER = typer.Option(
    None,
    "--scheduler",
    help="Run the trials on a Dask cluster: tcp://HOST:8786 (workers read --data "
    "from the same path).",
)
#: ``--no-progress`` as ``run`` spells it; ``--quiet``, the old name, still works.
QUIET = typer.Option(
    False, "--no-progress", "--quiet", help="No progress bar (as run --no-progress)."
)
REPLACE = typer.Option(
    False, "--replace", help="Replace a different sweep already in --out."
)


def sweep_inputs(
    options: DataOptions,
    calendar: str | None,
    config: Path | None,
    *,
    strategy: str,
    grid: list[str],
    metric: str,
    fill_model: str,
    cash: str,
    seed: int,
) -> tuple[Any, SweepSettings]:
    """The data and the sweep settings the options name (checked).

    Raises:
        ConfigurationError, InvalidInput: a bad option (one line each).
    """
    settings = load_settings(config, os.environ, {"market.calendar": calendar})
    market: str | MarketCalendar = _market_calendar(settings.market.calendar)
    data = data_source_of(options)
    if options.demo:
        market = demo_calendar()
    return data, SweepSettings(
        strategy=strategy,
        grid=ParameterGrid.parse(grid),
        metric=metric,
        fill_model=fill_model,
        seed=seed,
        cash=str(to_decimal("cash", cash)),
        calendar=market,
        signing=settings.signing,
    )


@contextmanager
def progress_bar(quiet: bool, label: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr (none when quiet or stderr is not a terminal)."""
    if quiet or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(label, total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield report
