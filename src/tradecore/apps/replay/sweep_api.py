"""``tc.sweep`` and ``tc.walkforward``: the notebook twins of the CLI commands.

Same engine, same executors, same files (when ``out`` is given) as ``tradecore-replay
sweep`` and ``walkforward``; they return pandas DataFrames (the CSV's rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from tradecore.apps.replay.sweep_outputs import (
    heatmap_axes,
    heatmap_figure,
    summary_of,
    table_rows,
    write_outputs,
)
from tradecore.apps.replay.sweep_run import (
    METRICS,
    SweepOutcome,
    SweepSettings,
    run_sweep,
)
from tradecore.apps.replay.walkforward_outputs import window_row
from tradecore.apps.replay.walkforward_outputs import (
    write_outputs as write_walkforward,
)
from tradecore.apps.replay.walkforward_run import (
    WalkForwardPlan,
    bars_of,
    run_walkforward,
)
from tradecore.apps.wiring.strategy_loader import StrategySpec
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.research.grid import GridValue, ParameterGrid


def _settings(
    strategy: StrategySpec,
    grid: Mapping[str, Iterable[GridValue] | str],
    metric: str,
    fill_model: str,
    seed: int,
    cash: int | str,
    calendar: str | MarketCalendar,
) -> SweepSettings:
    return SweepSettings(
        strategy=strategy,
        grid=ParameterGrid.of(grid),
        metric=metric,
        fill_model=fill_model,
        seed=seed,
        cash=str(cash),
        calendar=calendar,
    )


def sweep(
    data: Any,
    strategy: StrategySpec = "sma_cross",
    grid: Mapping[str, Iterable[GridValue] | str] | None = None,
    *,
    metric: str = "sharpe",
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    replace: bool = False,
    heatmap: str | None = None,
    fill_model: str = "realistic",
    seed: int = 7,
    cash: int | str = 1_000_000,
    calendar: str | MarketCalendar = "XNYS",
) -> Any:
    """Replay every combination of ``grid`` (``{"fast": "5:50:5", "slow": [20, 30]}``)
    over ``data``; return the table as a DataFrame, one row per combination.

    ``df.attrs["sweep"]`` holds the ``sweep.json`` summary (best combination, its
    deflated Sharpe ratio given the number of trials, the verdict). With ``out`` the
    sweep is resumable and writes ``sweep.csv``, ``sweep.json`` and ``heatmap.html``.
    """
    settings = _settings(strategy, grid or {}, metric, fill_model, seed, cash, calendar)
    outcome = _swept(data, settings, workers, scheduler, out, replace, heatmap)
    return _table(outcome)


def _swept(
    data: Any,
    settings: SweepSettings,
    workers: int,
    scheduler: str | None,
    out: str | Path | None,
    replace: bool,
    heatmap: str | None,
    constraint: Callable[[dict[str, Any]], bool] | None = None,
) -> SweepOutcome:
    """Run the sweep (the CLI's engine) and, with ``out``, write its files."""
    folder = None if out is None else Path(out)
    outcome = run_sweep(
        data,
        settings,
        workers=workers,
        scheduler=scheduler,
        out=folder,
        replace=replace,
        constraint=constraint,
    )
    if folder is not None:
        write_outputs(outcome, folder, heatmap)
    return outcome


def _table(outcome: SweepOutcome) -> Any:
    """The sweep's rows as a DataFrame; ``attrs["sweep"]`` is its summary."""
    import pandas as pd  # type: ignore[import-untyped]

    frame = pd.DataFrame(table_rows(outcome))
    frame.attrs["sweep"] = summary_of(outcome)
    return frame


def optimize(
    strategy: StrategySpec,
    grid: Mapping[str, Iterable[GridValue] | str],
    data: Any,
    *,
    maximize: str = "sharpe",
    constraint: Callable[[dict[str, Any]], bool] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    heatmap: str | None = None,
    out: str | Path | None = None,
    replace: bool = False,
    fill_model: str = "realistic",
    seed: int = 7,
    cash: int | str = 1_000_000,
    calendar: str | MarketCalendar = "XNYS",
) -> tuple[Any, Any]:
    """Search ``grid`` for the combination that maximizes ``maximize`` (any sweep
    metric; for ``max_drawdown`` and other lower-is-better metrics, the best is the
    lowest). ``constraint(params) -> bool`` drops combinations before they run
    (``lambda p: p["fast"] < p["slow"]``).

    Returns ``(table, heatmap)``: the sweep's rows sorted best first (refused and
    failed combinations last; ``table.attrs["sweep"]`` holds the summary with the
    deflated Sharpe of the best given the trials run), and a plotly Figure of the
    metric over two parameters (``heatmap="x,y"``, default the first two).
    """
    settings = _settings(strategy, grid, maximize, fill_model, seed, cash, calendar)
    x, y = heatmap_axes(settings.grid.names, heatmap)  # refused before any replay
    outcome = _swept(
        data, settings, workers, scheduler, out, replace, heatmap, constraint
    )
    table = _table(outcome)
    ranked = table.sort_values(
        "metric", ascending=not METRICS[maximize], na_position="last", kind="stable"
    ).reset_index(drop=True)
    ranked.attrs = table.attrs
    return ranked, heatmap_figure(outcome, x, y)


def walkforward(
    data: Any,
    strategy: StrategySpec = "sma_cross",
    grid: Mapping[str, Iterable[GridValue] | str] | None = None,
    *,
    train: int,
    test: int,
    embargo: int = 0,
    anchored: bool = False,
    metric: str = "sharpe",
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    replace: bool = False,
    fill_model: str = "realistic",
    seed: int = 7,
    cash: int | str = 1_000_000,
    calendar: str | MarketCalendar = "XNYS",
) -> Any:
    """Walk forward (``train``, ``test``, ``embargo`` in trading sessions); return
    one row per window (as ``walkforward.csv``). ``df.attrs["equity"]`` is the
    stitched out-of-sample curve as a DataFrame (``timestamp``, ``equity``)."""
    import pandas as pd

    settings = _settings(strategy, grid or {}, metric, fill_model, seed, cash, calendar)
    frames, market, extra = bars_of(data, calendar)
    settings = attrs.evolve(settings, extra=extra)
    plan = WalkForwardPlan(train=train, test=test, embargo=embargo, anchored=anchored)
    folder = None if out is None else Path(out)
    outcome = run_walkforward(
        frames,
        settings,
        plan,
        market,
        workers=workers,
        scheduler=scheduler,
        out=folder,
        replace=replace,
    )
    if folder is not None:
        write_walkforward(outcome, folder)
    frame = pd.DataFrame([window_row(w) for w in outcome.windows])
    frame.attrs["equity"] = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(outcome.timestamps_ns, utc=True),
            "equity": outcome.equity,
        }
    )
    frame.attrs["degradation"] = outcome.mean_ratio
    return frame
