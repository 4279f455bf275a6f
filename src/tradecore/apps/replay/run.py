"""``tradecore-replay run``: replay a strategy over bars; write the report folder.

The data are a folder of bar files or the generated demo set; the market's calendar
comes from ``--calendar`` or ``[market] calendar`` (the demo has its own, XNYS 2026).
"""

# No ``from __future__ import annotations`` here: typer reads every parameter
# annotation of :func:`run` at start-up (``inspect.signature`` and
# ``typing.get_type_hints``), and as strings each of the ~40 was compiled and
# evaluated twice, about 8 M instructions of a short replay; as objects they are
# built once, by the module's cached bytecode. Names only a type checker knows
# (``LakeSelection``) are quoted, the whole annotation at once.

import os
import shutil
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import typer

from tradecore.adapters.data import QUARANTINE_FILE, parse_column_map
from tradecore.adapters.data._shapes import SHAPES
from tradecore.adapters.report import canonical_json
from tradecore.apps.config.execution import ExecutionSettings
from tradecore.apps.config.settings import MARKET_CALENDARS, load_settings
from tradecore.apps.replay.out_folder import is_finished
from tradecore.apps.replay.quality_options import quality_rules
from tradecore.apps.replay.research_data import (
    PROMOTION_FILE,
    PROMOTION_FOLDER,
    DataSpec,
)
from tradecore.apps.replay.run_manifest import MANIFEST_FILE
from tradecore.apps.replay.runner import ReplayResult, replay
from tradecore.apps.replay.stress import (
    STRESS_CSV,
    STRESS_FOLDER,
    STRESS_MD,
    comparison_row,
    scenario_folder,
    stress_block,
    write_comparison,
)
from tradecore.apps.wiring.choices import (
    Calendar,
    DataAdjustment,
    DataFeed,
    FillModel,
    literal_of,
)
from tradecore.apps.wiring.errors import cli_errors
from tradecore.apps.wiring.progress import progress_bar
from tradecore.apps.wiring.strategy_loader import parse_params
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.research.stress import StressScenario, scenarios_of
from tradecore.domain.validation import to_decimal
from tradecore.services.trading.replay import ReplayProgress

if TYPE_CHECKING:
    from tradecore.adapters.data.lake import LakeSelection

    Shape = str
else:
    #: File shapes: typer offers exactly these values.
    Shape = literal_of(("auto", *SHAPES))


def run(
    data: Path | None = typer.Option(
        None,
        "--data",
        help="A bar file or a folder of them (.csv / .parquet): tradecore's "
        "SYMBOL.csv, yfinance, Alpaca bars.df, or long files with a symbol column.",
    ),
    demo: bool = typer.Option(
        False, "--demo", help="Generate deterministic demo data instead of --data."
    ),
    lake: Path | None = typer.Option(
        None, "--lake", help="Replay from a market-data lake (tradecore-replay data)."
    ),
    symbols: str | None = typer.Option(
        None, "--symbols", help="With --lake: the symbols, e.g. AAPL,MSFT."
    ),
    universe: str | None = typer.Option(
        None,
        "--universe",
        help="With --lake: the symbols of the lake's universe as it was on this "
        "date (YYYY-MM-DD or latest; see data universe), instead of --symbols.",
    ),
    recorded: str | None = typer.Option(
        None,
        "--recorded",
        help="With --lake: replay the bars a tradecore-live run recorded on this "
        "session (YYYY-MM-DD or latest; run --record-lake).",
    ),
    start: str | None = typer.Option(
        None, "--start", help="With --lake: first day (YYYY-MM-DD, New York)."
    ),
    end: str | None = typer.Option(
        None, "--end", help="With --lake: last day (inclusive)."
    ),
    timeframe: str = typer.Option(
        "1Min", "--timeframe", help="With --lake: the bars' timeframe."
    ),
    feed: DataFeed | None = typer.Option(
        None,
        "--feed",
        help="With --lake: the feed, if it holds several.",
    ),
    lake_adjustment: DataAdjustment | None = typer.Option(
        None,
        "--lake-adjustment",
        help="With --lake: which of its series to read, if it holds several; raw "
        "series get the lake's corporate actions applied on their ex-dates, "
        "adjusted ones already carry them.",
    ),
    strategy: str = typer.Option(
        "sma_cross", "--strategy", help="Bundled name or package.module:ClassName."
    ),
    param: list[str] = typer.Option(
        [], "--param", help="Strategy parameter NAME=VALUE (repeatable)."
    ),
    fill_model: FillModel = typer.Option(
        "realistic",
        "--fill-model",
        help="The venue's fill model.",
    ),
    cash: str = typer.Option("1000000", "--cash", help="Starting cash."),
    seed: int = typer.Option(7, "--seed", help="Seed of the simulated broker."),
    out: Path = typer.Option(Path("out"), "--out", help="Report folder."),
    resume: bool = typer.Option(
        False, "--resume", help="Finish an interrupted replay in --out (same inputs)."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Replace a replay already in --out (--demo replaces a finished one "
        "without it).",
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        help="TOML configuration file ([signing] key_file, [market] calendar, and "
        "[risk]: limits, breakers, trading state, degradation, rejection handling, "
        "default protection, applied as tradecore-live applies them).",
    ),
    calendar: Calendar | None = typer.Option(
        None,
        "--calendar",
        help="Market calendar of the data: XNYS (US equities) or 24/7 (default: "
        "[market] calendar, else XNYS).",
    ),
    net_of_cost: bool = typer.Option(
        False,
        "--net-of-cost",
        help="Kelly sizing, cost gates, execution policies and slicing; the replay "
        "ends by calibrating the next cost-model version from its fills.",
    ),
    cost_model_version: str = typer.Option(
        "", "--cost-model-version", help="Pin this cost-model version (hash)."
    ),
    cost_model_store: str = typer.Option(
        "",
        "--cost-model-store",
        help="Database URL of the cost-model versions (default: the replay's own).",
    ),
    urgency_minutes: float = typer.Option(
        60.0, "--urgency-minutes", help="How long a signal stays useful."
    ),
    spread_bps: float = typer.Option(
        5.0, "--spread-bps", help="Quoted spread assumed from bars (bps)."
    ),
    corporate_actions: Path | None = typer.Option(
        None,
        "--corporate-actions",
        help="CSV of splits, cash dividends and renames (symbol, kind, ex_date, "
        "ratio, cash, new_symbol) applied on their ex-dates (default: "
        "corporate_actions.csv next to the bar files, if there).",
    ),
    adjustment: DataAdjustment = typer.Option(
        "raw",
        "--adjustment",
        help="Prices the strategy sees: raw, or back-adjusted for splits, "
        "dividends or all actions; the simulated venue always trades raw prices.",
    ),
    columns: str = typer.Option(
        "",
        "--columns",
        help="Map source columns to tradecore's: 'Date=timestamp,Adj Close=close' "
        "(targets: timestamp, open, high, low, close, volume, symbol).",
    ),
    shape: Shape = typer.Option(
        "auto",
        "--shape",
        help="File shape: auto (from the header), tradecore, yfinance (midnights "
        "are session dates), alpaca or long (a symbol column is required).",
    ),
    tz: str | None = typer.Option(
        None,
        "--tz",
        help="Zone of naive timestamps, e.g. America/New_York (default: refuse them).",
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Stop (exit 3, one line per problem) on bars the data-quality gate "
        "would quarantine.",
    ),
    no_quality: bool = typer.Option(
        False,
        "--no-quality",
        help="No data-quality gate: only validate, the first bad row stops the run.",
    ),
    quality_rule: list[str] = typer.Option(
        [],
        "--quality-rule",
        help="NAME=VALUE (repeatable): jump_sigmas, jump_window, jump_min_move, "
        "spike_multiple, spike_window, frozen_run, or RULE=quarantine|flag.",
    ),
    quality_exempt: list[str] = typer.Option(
        [],
        "--quality-exempt",
        help="SYMBOL:YYYY-MM-DD (repeatable): a corporate action explains a jump.",
    ),
    no_progress: bool = typer.Option(
        False,
        "--no-progress",
        help="No progress bar (none is drawn anyway when stderr is not a terminal).",
    ),
    stress: str | None = typer.Option(
        None,
        "--stress",
        help="Also run stress scenarios, e.g. costs=3x,latency=+500ms,rejects=8%,"
        "spread=2x (each alone, then all combined) and compare them with the base "
        "run (OUT/stress.csv, OUT/stress.md, the summary's stress block).",
    ),
) -> None:
    """Replay a strategy over bar data; write a report folder and a signed manifest."""
    with cli_errors():
        settings = load_settings(config, os.environ, {"market.calendar": calendar})
        signing = settings.signing
        market = _market_calendar(settings.market.calendar)
        frames_or_dir = data_source_of(
            DataOptions(
                data=data,
                demo=demo,
                lake=lake,
                symbols=symbols,
                universe=universe,
                recorded=recorded,
                start=start,
                end=end,
                timeframe=timeframe,
                feed=feed,
                lake_adjustment=lake_adjustment,
            )
        )

        params = parse_params(param)
        quality = None if no_quality else quality_rules(quality_rule, quality_exempt)
        mapping = parse_column_map(columns)
        scenarios = scenarios_of(stress) if stress is not None else ()

        def one_run(
            folder: Path,
            scenario: StressScenario | None = None,
            on_progress: Callable[[ReplayProgress], None] | None = None,
        ) -> ReplayResult:
            return replay(
                frames_or_dir,
                strategy,
                params,
                fill_model=fill_model,
                cash=to_decimal("cash", cash),
                seed=seed,
                out=folder,
                resume=resume and scenario is None,
                replace=scenario is not None
                or force
                or (demo and not resume and is_finished(folder)),
                on_progress=on_progress,
                progress=False,  # this command draws its own bar
                signing=signing,
                execution=ExecutionSettings(
                    enabled=net_of_cost or bool(cost_model_version),
                    cost_model_version=cost_model_version,
                    cost_model_store=cost_model_store,
                    urgency_minutes=urgency_minutes,
                    spread_bps=spread_bps,
                ),
                calendar=_demo_calendar() if demo else market,
                risk=settings.risk,
                regime=settings.regime,
                corporate_actions=corporate_actions,
                adjustment=adjustment,
                quality=quality,
                strict=strict,
                columns=mapping,
                tz=tz,
                shape=shape,
                stress=scenario,
            )

        with progress_bar("Replaying bars", enabled=not no_progress) as update:
            result = one_run(out, on_progress=lambda p: update(p.done, p.total))
        _clear_earlier_research(out)
        if recorded is None:
            DataSpec(
                demo=demo,
                data=None if data is None else data.resolve(),
                lake=None if lake is None else lake.resolve(),
                symbols=symbols,
                universe=universe,
                start=start,
                end=end,
                timeframe=timeframe,
                feed=feed,
                lake_adjustment=lake_adjustment,
                columns=columns,
                shape=shape,
                tz=tz,
                no_quality=no_quality,
                quality_rule=quality_rule,
                quality_exempt=quality_exempt,
                corporate_actions=None
                if corporate_actions is None
                else str(corporate_actions.resolve()),
                calendar=calendar or settings.market.calendar,
            ).write(out)
        if scenarios:
            with progress_bar("Stress scenarios", enabled=not no_progress) as update:
                stressed = [
                    (
                        s,
                        one_run(
                            scenario_folder(out, s),
                            s,
                            lambda p: update(p.done, p.total),
                        ),
                    )
                    for s in scenarios
                ]
            _compare_stress(out, result, stressed, to_decimal("cash", cash))
        _print_summary(result.summary, out)


@attrs.frozen(kw_only=True)
class DataOptions:
    """The data options ``run``, ``sweep`` and ``walkforward`` share."""

    data: Path | None = None
    demo: bool = False
    lake: Path | None = None
    symbols: str | None = None
    universe: str | None = None
    recorded: str | None = None
    start: str | None = None
    end: str | None = None
    timeframe: str = "1Min"
    feed: str | None = None
    lake_adjustment: str | None = None


def data_source_of(o: DataOptions) -> "Path | list[BarFrame] | LakeSelection":
    """The bars the options name: files, the demo set, or a lake's (checked).

    Raises:
        ConfigurationError: not exactly one source, or a bad lake option.
    """
    _check_recorded(o.recorded, o.lake, o.symbols, o.universe)
    return _data_source(o.data, o.demo, None if o.lake is None else _lake_source(o))


def _lake_source(o: DataOptions) -> "LakeSelection | list[BarFrame]":
    """What ``--lake`` names: a live run's recorded bars, or a selection.

    Imported here: the lake's modules serve ``--lake`` only (issue 18: start-up).
    """
    from tradecore.apps.replay.data import lake_selection, recorded_frames_of

    assert o.lake is not None
    if o.recorded is not None:
        return recorded_frames_of(o.lake, o.recorded)
    return lake_selection(
        o.lake,
        o.symbols,
        o.start,
        o.end,
        o.timeframe,
        o.feed,
        o.lake_adjustment,
        o.universe,
    )


def _clear_earlier_research(out: Path) -> None:
    """Remove an earlier run's stress comparison and promotion from ``out``.

    The run just rewrote the manifest (unstamped): a promotion.json left beside it
    would describe another manifest, and stress files another base run.
    """
    for name in (STRESS_CSV, STRESS_MD, PROMOTION_FILE):
        (out / name).unlink(missing_ok=True)
    for folder in (STRESS_FOLDER, PROMOTION_FOLDER):
        shutil.rmtree(out / folder, ignore_errors=True)


def _compare_stress(
    out: Path,
    base: ReplayResult,
    stressed: list[tuple[StressScenario, ReplayResult]],
    cash: Decimal,
) -> None:
    """Write stress.csv / stress.md and add the ``stress`` block to summary.json."""
    base_row = comparison_row("base", base.summary, cash)
    rows = [comparison_row(s.name, r.summary, cash) for s, r in stressed]
    write_comparison(out, base_row, rows)
    summary = {**base.summary, "stress": stress_block(base_row, rows)}
    (out / "summary.json").write_text(canonical_json(summary))
    for row in rows:
        typer.echo(
            f"{'stress':>14}: {row['scenario']}: sharpe {row['sharpe']:.4f}, "
            f"return {row['net_return']:.4%}, drawdown {row['max_drawdown']:.4f}, "
            f"fills {row['fills']}, costs {row['costs']:.2f}"
        )


def _check_recorded(
    recorded: str | None, lake: Path | None, symbols: str | None, universe: str | None
) -> None:
    if recorded is None:
        return
    if lake is None:
        raise ConfigurationError("--recorded SESSION reads a lake: add --lake DIR")
    if symbols is not None or universe is not None:
        raise ConfigurationError(
            "--recorded replays every symbol the live run recorded: drop --symbols "
            "and --universe"
        )


def _market_calendar(name: str) -> str:
    """The calendar name, checked against the ones known."""
    if name not in MARKET_CALENDARS:
        raise ConfigurationError(
            f"unknown calendar {name!r}; known: {', '.join(MARKET_CALENDARS)}"
        )
    return name


def _data_source(
    data: Path | None,
    demo: bool,
    lake: "LakeSelection | list[BarFrame] | None" = None,
) -> "Path | list[BarFrame] | LakeSelection":
    if [demo, data is not None, lake is not None].count(True) != 1:
        raise ConfigurationError("give exactly one of --data DIR, --lake DIR or --demo")
    if lake is not None:
        return lake
    if data is None:
        from tradecore.apps.replay.demo_data import demo_frames

        return demo_frames()
    return data


def _demo_calendar() -> MarketCalendar:
    """The demo's calendar (its module generates bars: imported for --demo only)."""
    from tradecore.apps.replay.demo_data import demo_calendar

    return demo_calendar()


def _print_summary(summary: Mapping[str, object], out: Path) -> None:
    keys = (
        "bars",
        "symbols",
        "orders",
        "orders_expired",
        "fills",
        "final_equity",
        "realized_pnl",
        "fees",
        "sharpe",
        "sharpe_daily",
        "annualization",
        "calendar",
        "max_drawdown",
        "turnover",
        "implementation_shortfall",
        "cost_model_version",
        "calibrated_cost_model_version",
        "refusals",
        "breaker_trips",
        "trading_state",
        "corporate_actions",
    )
    for key in (k for k in keys if k in summary):
        value = summary[key]
        text = f"{value:.4f}" if isinstance(value, float) else str(value)
        typer.echo(f"{key:>14}: {text}")
    for reason, count in _mapping(summary.get("refusals_by_reason")).items():
        typer.echo(f"{'refused':>14}: {count} {reason}")
    for name, count in _mapping(summary.get("breaker_trips_by_name")).items():
        typer.echo(f"{'tripped':>14}: {count} {name}")
    quality = _mapping(summary.get("data_quality"))
    if quality:
        where = out / QUARANTINE_FILE
        typer.echo(f"{'quarantined':>14}: {quality.get('quarantined', 0)} ({where})")
        for rule, count in _mapping(quality.get("quarantined_by_rule")).items():
            typer.echo(f"{'quarantined':>14}: {count} {rule}")
        for rule, count in _mapping(quality.get("flagged_by_rule")).items():
            typer.echo(f"{'flagged':>14}: {count} {rule}")
        gaps = (quality.get("missing_sessions", 0), quality.get("missing_bars", 0))
        typer.echo(f"{'gaps':>14}: {gaps[0]} sessions, {gaps[1]} bars missing")
    typer.echo(f"{'report':>14}: {out / 'report.html'}")
    typer.echo(f"{'manifest':>14}: {out / MANIFEST_FILE} ({summary['manifest_hash']})")


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}
