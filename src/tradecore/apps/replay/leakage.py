"""The strategy leakage check: ``tradecore-replay leakage`` and ``promote``'s check.

The strategy runs on all the data, then on the data cut at each of ``cuts`` bar
times (:func:`~tradecore.domain.research.leakage_check.cut_points`); every decision
up to a cut must be the same in both runs. The first that is not names the bar and
symbol where the strategy used the future.

Truncated runs see everything the full run derived from the data held fixed, so an
honest strategy's truncated run is exactly the full run's prefix: the market
calendar is built once from the whole span and the bar interval is measured once
(a run on fewer bars could measure another median step), and corporate actions
after a cut are dropped (they had not happened yet). Each run gets a new strategy
instance; ``make_strategy`` (the Python API) builds it from the bars that run sees,
which is how a strategy fitted to its data (a model, a normalisation) is checked.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import typer

from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.settings import load_settings
from tradecore.apps.replay.research_data import DataSpec, LoadedData, load_data
from tradecore.apps.replay.runner import replay
from tradecore.apps.replay.train import read_features
from tradecore.apps.replay.venue import bar_interval
from tradecore.apps.wiring.choices import Calendar, FillModel
from tradecore.apps.wiring.errors import DOMAIN, cli_errors
from tradecore.apps.wiring.strategy_loader import (
    StrategySpec,
    parse_params,
    strategy_name,
)
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.features.leakage import feature_leakage
from tradecore.domain.market.bar_frame import BarFrame, from_ns, to_ns
from tradecore.domain.research.leakage import LeakageReport
from tradecore.domain.research.leakage_check import (
    DEFAULT_CUTS,
    DecisionPoint,
    cut_points,
    decision_point,
    leakage_report,
)
from tradecore.domain.strategies.api import AnyStrategy
from tradecore.domain.validation import to_decimal

#: Builds a run's strategy from the bars that run sees (a fitted strategy).
StrategyFactory = Callable[[Sequence[BarFrame]], AnyStrategy]


def check_strategy_leakage(
    data: LoadedData,
    strategy: StrategySpec,
    params: Mapping[str, str | int | float] | None = None,
    *,
    cuts: int = DEFAULT_CUTS,
    make_strategy: StrategyFactory | None = None,
    fill_model: str = "realistic",
    cash: Decimal | int = 1_000_000,
    seed: int = 7,
    signing: SigningSettings | None = None,
    adjustment: str = "raw",
) -> LeakageReport:
    """Run the strategy on all of ``data`` and on each truncation; compare decisions.

    ``strategy`` is a bundled name or a class (an instance would carry state from
    one run into the next, so it is refused); ``make_strategy`` instead builds
    each run's strategy from its bars. ``adjustment`` is the prices the strategy
    sees, as ``replay`` takes it (back-adjusted prices use only the actions up to
    each cut).

    Raises:
        ConfigurationError: an instance as ``strategy``, no bars, or as ``replay``.
    """
    if make_strategy is None and not isinstance(strategy, str | type):
        raise ConfigurationError(
            "the leakage check runs the strategy many times: give its name or class, "
            "not an instance"
        )
    frames = [f for f in data.frames if len(f)]
    if not frames:
        raise ConfigurationError("no bars to check")
    stamps = np.concatenate([f.timestamps for f in frames])
    cut_ns = cut_points(stamps, cuts)
    interval = bar_interval(frames)

    def decisions(part: Sequence[BarFrame], until: int | None) -> list[DecisionPoint]:
        spec: StrategySpec = strategy if make_strategy is None else make_strategy(part)
        actions = [
            a
            for a in data.corporate_actions
            if until is None or a.ex_date <= data.calendar.trading_day(from_ns(until))
        ]
        with tempfile.TemporaryDirectory(prefix="tc-leakage-") as work:
            result = replay(
                part,
                spec,
                None if make_strategy is not None else params,
                fill_model=fill_model,
                cash=cash,
                seed=seed,
                out=Path(work) / "run",
                signing=signing,
                calendar=data.calendar,
                corporate_actions=actions,
                interval=interval,
                adjustment=adjustment,
                progress=False,
            )
            return [_point(row) for row in result.decision_rows]

    full = decisions(frames, None)
    truncated = {cut: decisions(_until(frames, cut), cut) for cut in cut_ns}
    lag_ns = interval // timedelta(microseconds=1) * 1000
    return leakage_report(
        f"strategy:{strategy_name(strategy)}", full, truncated, lag_ns=lag_ns
    )


def _until(frames: Sequence[BarFrame], cut_ns: int) -> list[BarFrame]:
    """The bars at or before ``cut_ns`` (symbols with none left out)."""
    kept = []
    for frame in frames:
        stop = int(np.searchsorted(frame.timestamps, cut_ns, side="right"))
        if stop:
            kept.append(frame.rows(0, stop))
    return kept


def _point(row: Mapping[str, object]) -> DecisionPoint:
    details = row["details"]
    parsed = json.loads(details) if isinstance(details, str) else details
    return decision_point(
        to_ns(datetime.fromisoformat(str(row["decided_at"]))),
        str(row["symbol"]),
        str(row["inputs_hash"]),
        parsed if isinstance(parsed, Mapping) else {},
    )


def leakage(
    data: Path | None = typer.Option(
        None, "--data", help="A bar file or a folder of them, as run takes it."
    ),
    demo: bool = typer.Option(False, "--demo", help="The demo data, as run --demo."),
    lake: Path | None = typer.Option(None, "--lake", help="A market-data lake."),
    symbols: str | None = typer.Option(None, "--symbols", help="With --lake."),
    start: str | None = typer.Option(None, "--start", help="With --lake."),
    end: str | None = typer.Option(None, "--end", help="With --lake."),
    timeframe: str = typer.Option("1Min", "--timeframe", help="With --lake."),
    strategy: str = typer.Option(
        "sma_cross", "--strategy", help="Bundled name or package.module:ClassName."
    ),
    param: list[str] = typer.Option(
        [], "--param", help="Strategy parameter NAME=VALUE (repeatable)."
    ),
    cuts: int = typer.Option(
        DEFAULT_CUTS, "--cuts", help="How many cut points, spread over the data."
    ),
    fill_model: FillModel = typer.Option(
        "realistic",
        "--fill-model",
        help="The venue's fill model.",
    ),
    cash: str = typer.Option("1000000", "--cash"),
    seed: int = typer.Option(7, "--seed"),
    calendar: Calendar = typer.Option("XNYS", "--calendar", help="Market calendar."),
    config: Path | None = typer.Option(
        None, "--config", help="TOML configuration (its signing section)."
    ),
    features: Path | None = typer.Option(
        None,
        "--features",
        help="Check a feature set (features.toml) instead of a strategy: its matrix "
        "on the data cut at each point against the matrix on all of it.",
    ),
) -> None:
    """Check a strategy (or, with --features, a feature set) for look-ahead: PASS,
    or the first bar and symbol that used the future (exit 3)."""
    with cli_errors():
        settings = load_settings(config, os.environ)
        spec = DataSpec(
            demo=demo,
            data=data,
            lake=lake,
            symbols=symbols,
            start=start,
            end=end,
            timeframe=timeframe,
            calendar=calendar,
        )
        loaded = load_data(spec)
        if features is not None:
            report = check_feature_leakage(loaded, features, cuts)
            typer.echo(describe(report))
            if not report.passed:
                raise typer.Exit(DOMAIN)
            return
        report = check_strategy_leakage(
            loaded,
            strategy,
            parse_params(param),
            cuts=cuts,
            fill_model=fill_model,
            cash=to_decimal("cash", cash),
            seed=seed,
            signing=settings.signing,
        )
    typer.echo(describe(report))
    if not report.passed:
        raise typer.Exit(DOMAIN)


def check_feature_leakage(
    data: LoadedData, declaration: Path, cuts: int = DEFAULT_CUTS
) -> LeakageReport:
    """The feature set declared in ``declaration`` checked on ``data`` at ``cuts``
    points spread as the strategy check spreads them.

    Raises:
        ConfigurationError: a bad declaration (names the file and the entry), no bars.
    """
    frames = [f for f in data.frames if len(f)]
    if not frames:
        raise ConfigurationError("no bars to check")
    feature_set = read_features(declaration)
    stamps = np.concatenate([f.timestamps for f in frames])
    return feature_leakage(
        feature_set, frames, data.calendar, [int(c) for c in cut_points(stamps, cuts)]
    )


def describe(report: LeakageReport) -> str:
    """``PASS`` with what was checked, or ``LEAK`` and the leak's line."""
    if report.leak is None:
        return f"PASS {report.subject}: {len(report.cuts_ns)} cuts, no decision changed"
    return f"LEAK {report.subject}: {report.leak.describe()}"
