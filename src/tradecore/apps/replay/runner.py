"""Compose and run a replay: bar files or frames + a strategy, on SQLite + the simulator.

This is the composition root behind ``tradecore-replay run`` and ``tc.replay()``: it
picks the adapters (SQL store with replay durability, simulated broker on a virtual
clock), wires the same engine the live app uses, and writes the report.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import attrs

from tradecore.adapters.alerts.store_log_sink import StoreLogAlertSink
from tradecore.adapters.data import (
    QUARANTINE_FILE,
    BarFileOptions,
    LoadedBars,
    load_bars,
)
from tradecore.adapters.data.bar_files import gate_frames
from tradecore.adapters.data.corporate_actions_file import (
    CORPORATE_ACTIONS_FILE,
    read_corporate_actions,
)
from tradecore.adapters.data.dataframes import is_pandas_data, load_dataframes
from tradecore.adapters.data.lake_check import is_lake_selection
from tradecore.adapters.data.spill import SpilledBars
from tradecore.adapters.report import write_report
from tradecore.adapters.report.tables import RawColumns
from tradecore.adapters.report.writer import collect_report_trades
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import export
from tradecore.apps.config.execution import ExecutionSettings
from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.regime import RegimeSettings
from tradecore.apps.config.risk import RiskSettings
from tradecore.apps.config.settings import load_settings, risk_view
from tradecore.apps.replay.about import about_run
from tradecore.apps.replay.out_folder import (
    SPILL_FOLDER,
    STORE_FILE,
    open_replay_store,
)
from tradecore.apps.replay.records import FillRecords, StoredFills, StoredRows
from tradecore.apps.replay.result import ReplayResult as ReplayResult
from tradecore.apps.replay.run_manifest import (
    build_manifest,
    run_identity,
    sign_run_manifest,
    write_run_manifest,
)
from tradecore.apps.replay.stress import apply_stress
from tradecore.apps.replay.venue import replay_calendar, venue_config
from tradecore.apps.wiring.calendars import (
    calendars_between,
    calendars_for_span,
    frames_span,
)
from tradecore.apps.wiring.collector import young_generation_widened
from tradecore.apps.wiring.cost_models import MARKS_FILE
from tradecore.apps.wiring.progress import Update, progress_bar
from tradecore.apps.wiring.regimes import ReplayRegimes, with_regime_policy
from tradecore.apps.wiring.risk_path import RiskPath, compose_risk_path
from tradecore.apps.wiring.strategy_loader import (
    StrategySpec,
    load_strategy,
    strategy_name,
)
from tradecore.domain.errors import ConfigurationError, InvalidInput
from tradecore.domain.execution.tca import ExecutionAnalysis
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.market.adjustment import (
    AdjustedPrices,
    Adjustment,
    explained_jumps,
)
from tradecore.domain.market.bar_frame import BarFrame, from_ns
from tradecore.domain.market.bar_quality import QualityRules, count_gaps
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.market.data_quality import DataQualityConfig
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.money import to_price
from tradecore.domain.orders.records import OutcomeKind
from tradecore.domain.research.manifest import (
    DataSource,
    SignedManifest,
    manifest_hash,
)
from tradecore.domain.research.metrics import summarize_performance
from tradecore.domain.research.stress import StressScenario
from tradecore.domain.research.summary import research_statistics
from tradecore.domain.research.trades import fill_statistics
from tradecore.domain.risk.breakers import BreakerEvent
from tradecore.domain.risk.checks import RiskLimits
from tradecore.domain.risk.pre_trade import TradingHours
from tradecore.domain.strategies.adjusted import AdjustedStrategy
from tradecore.domain.strategies.api import AnyStrategy, BarStrategy
from tradecore.domain.venue.config import VenueConfig
from tradecore.services.durability.commits import CommitInBatches
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.research.manifests import store_manifest
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.replay import ReplayProgress, run_replay

if TYPE_CHECKING:
    from tradecore.adapters.data.lake import LakeSelection
    from tradecore.apps.replay.costs import CostSetup

#: The data-quality gate files and DataFrames pass by default (its documented defaults).
DEFAULT_QUALITY = QualityRules()


#: Where :class:`PortfolioStrategy` is defined (see :func:`_portfolio_extras`).
PORTFOLIO_STRATEGY_MODULE = "tradecore.domain.strategies.portfolio_strategy"


@young_generation_widened()
def replay(
    data: str | Path | Sequence[BarFrame] | LakeSelection | Any,
    strategy: StrategySpec = "sma_cross",
    params: Mapping[str, str | int | float] | None = None,
    *,
    fill_model: str = "realistic",
    cash: Decimal | int = 1_000_000,
    seed: int = 7,
    out: str | Path | None = None,
    resume: bool = False,
    replace: bool = False,
    limits: RiskLimits | None = None,
    commit_every: int = 10_000,
    on_progress: Callable[[ReplayProgress], None] | None = None,
    progress: bool = True,
    signing: SigningSettings | None = None,
    execution: ExecutionSettings | None = None,
    calendar: str | MarketCalendar = "XNYS",
    risk: RiskSettings | None = None,
    corporate_actions: Sequence[CorporateAction] | str | Path | None = None,
    adjustment: str | Adjustment = Adjustment.RAW,
    quality: QualityRules | None = DEFAULT_QUALITY,
    strict: bool = False,
    columns: Mapping[str, str] | None = None,
    tz: str | None = None,
    shape: str = "auto",
    stress: StressScenario | None = None,
    interval: timedelta | None = None,
    regime: RegimeSettings | None = None,
) -> ReplayResult:
    """Replay ``strategy`` over ``data`` (a folder of bar files, frames, or a lake's
    bars: ``tc.open_lake(path).select(symbols, start, end)``).

    Store writes are committed every ``commit_every`` steps (order placements and
    broker events): a crash loses at most that batch, which ``resume`` re-derives.
    The batch also bounds memory: what a commit made durable and settled leaves
    memory (the write-behind store keeps working orders only).
    An ``out`` folder that already holds a replay is refused unless ``resume``
    (finish it; a finished run is re-derived) or ``replace`` (delete the earlier
    replay's files, then run afresh).

    The run's signed manifest (signed as ``signing`` says: the configured key, else
    the development key) is written to ``out/manifest.json`` and its hash goes into
    every decision record.

    With ``execution.enabled`` decisions are net of cost (Kelly sizing, cost gates,
    execution policies, slicing) priced with a pinned cost-model version, and the
    replay ends by fitting the next version from its own fills (the calibration loop).

    ``calendar`` is the market the data trades on, by name (``XNYS``; ``24/7`` for a
    market that never closes) or as a schedule: the venue's sessions and day-order
    expiry, the summary's trading days (daily Sharpe) and its annualization follow it.

    ``risk`` is a ``[risk]`` section: the replay then runs the live risk path
    (:func:`~tradecore.apps.wiring.risk_path.compose_risk_path`: limits, breakers,
    trading state, degradation, rejection handling, default protection) exactly as
    ``tradecore-live`` does, and ``limits`` is ignored. The summary counts the
    refusals by reason and the breaker trips.

    ``corporate_actions`` (actions, or a ``corporate_actions.csv`` file; default: that
    file next to the bar files, if there) are applied by the simulated venue on their
    ex-dates (splits to positions, dividends to cash, renames) and booked by the
    engine; the venue always trades raw prices. ``adjustment`` (``raw``, ``split``,
    ``dividend``, ``all``) is what prices the *strategy* sees: back-adjusted for those
    actions (:mod:`tradecore.domain.strategies.adjusted`). Both go into the config
    and the manifest (they change results); neither is recorded when not used.

    Bar files and pandas DataFrames (one per symbol in a dict, or one long frame
    with a ``symbol`` column or a ``(symbol, timestamp)`` index like Alpaca's
    ``bars.df``) are read in the shapes :func:`~tradecore.adapters.data.load_bars`
    knows (``shape`` forces one); ``columns`` maps source columns to tradecore's,
    ``tz`` is the zone of naive timestamps, and date-only rows are the sessions of
    ``calendar``. They
    pass the data-quality gate ``quality`` (``None``: validate only, the first bad
    row stops the run): suspect rows go to ``out/quarantine.csv`` and the summary's
    ``data_quality`` counts them (and the calendar gaps), unless ``strict``, which
    stops on them instead. Frames handed in as :class:`BarFrame` are used as given.

    ``progress`` draws a live bar (rich) in a terminal or Jupyter; nothing is drawn
    when stderr is neither. Without ``out`` the store is a temporary folder the
    result removes when closed (``with``, ``close()``) or collected.

    ``stress`` makes the simulated venue harsher (costs, latency, rejects, spread:
    :mod:`tradecore.apps.replay.stress`); ``interval`` fixes the bars' interval
    instead of measuring it from the data (the leakage check runs truncated data
    at the full data's interval). Each goes into the config, so into the
    manifest's config hash, only when given.

    ``regime`` (``[regime]``, when enabled) runs a past-only regime model per
    symbol: it scales Kelly sizing, makes execution passive in a high-volatility
    regime, may trip the regime breaker (with ``risk``), is written into each
    decision's details. Every refit's parameters are computed before the first
    bar (each symbol's fits depend only on its bars), written to
    ``out/regimes.json`` and hashed into the manifest (a data source); the
    engine's own fits are checked against them (``summary.json``).

    Raises:
        ConfigurationError: unknown strategy, parameter or fill model; an ``out``
            folder that already holds a replay without ``resume`` or ``replace``;
            both ``resume`` and ``replace``.
        BarFileError: a bar file is malformed (names file, line and field).
        BarQualityError: ``strict`` and bars break data-quality rules.
    """
    started = time.perf_counter()
    # Without ``out`` the store lives in a scratch folder the result owns: removed
    # when the result is closed or collected, or here if the replay fails.
    scratch = None if out is not None else Path(tempfile.mkdtemp(prefix="tc-replay-"))
    folder = Path(out) if out is not None else scratch
    assert folder is not None
    # Bars read from files go to memory-mapped scratch files as each file is read,
    # and leave memory as the replay passes them; a notebook's frames stay as given.
    read = isinstance(data, str | Path) or is_lake_selection(data)
    spilled = SpilledBars(folder / SPILL_FOLDER) if read else None
    reads = ExitStack()  # the store file's reads after the run: one connection
    try:
        actions = _corporate_actions(corporate_actions, data)
        if quality is not None and actions and quality.explained is None:
            # A split or dividend moves the raw price on its ex-date: not a bad bar.
            quality = attrs.evolve(quality, explained=explained_jumps(actions))
        options = BarFileOptions(
            columns=dict(columns or {}),
            tz=tz,
            sessions=_sessions_of(calendar),
            quality=quality,
            shape=shape,
        )
        loaded: LoadedBars | None = None
        frames: list[BarFrame]
        if is_lake_selection(data) and spilled is not None:
            frames = data.load(each=spilled.spill)
            if quality is not None:  # the lake's bars pass the gate files pass
                loaded = gate_frames(frames, quality, source="lake", strict=strict)
                frames = loaded.frames
        elif isinstance(data, str | Path) and spilled is not None:
            loaded = load_bars(data, options, each=spilled.spill, strict=strict)
            frames = loaded.frames
        elif is_pandas_data(data):
            loaded = load_dataframes(data, options, strict=strict)
            frames = loaded.frames
        else:
            frames = list(data)  # type: ignore[arg-type]
        chosen = load_strategy(strategy, params or {})
        strategy = strategy_name(strategy)
        adjusted = _adjustment(adjustment)
        market = (
            calendar
            if isinstance(calendar, MarketCalendar)
            else replay_calendar(calendar, frames)
        )
        venue = venue_config(
            fill_model,
            Decimal(cash),
            seed,
            frames,
            market,
            None if spilled is None else spilled.release_all,
        )
        if interval is not None:
            venue = attrs.evolve(venue, bar_interval=interval)
        if stress is not None:
            venue = apply_stress(venue, stress)
        limits = limits or RiskLimits()
        config = {
            "strategy": strategy,
            "strategy_id": chosen.strategy_id,
            "params": {k: str(v) for k, v in sorted((params or {}).items())},
            "fill_model": fill_model,
            "cash": str(Decimal(cash)),
            "seed": seed,
            "limits": attrs.asdict(limits),
            "calendar": venue.calendar.name,
        }
        if risk is not None:
            config["risk"] = risk_view(risk)
        if actions:
            config["corporate_actions"] = [_action_record(a) for a in actions]
        if adjusted is not Adjustment.RAW:
            config["adjustment"] = adjusted.value
        if stress is not None:
            config["stress"] = stress.to_dict()
        if interval is not None:
            config["bar_interval_s"] = interval.total_seconds()
        start = from_ns(min(int(f.timestamps[0]) for f in frames if len(f)))
        clock = SimClock(start)
        store = open_replay_store(folder, resume, replace, clock.now)
        costs: CostSetup | None = None
        if execution is not None and execution.enabled:
            # Imported here: net-of-cost runs only pin, analyse and calibrate costs.
            from tradecore.apps.replay.costs import pin_cost_model

            try:
                costs = pin_cost_model(
                    execution,
                    store,
                    fees=venue.fee_model,
                    start=start,
                    resumed_from=_first_pin(folder) if resume else None,
                    calendar=market,
                    interval=venue.bar_interval,
                )
            except ConfigurationError:
                store.close()  # leave no half-made replay behind a bad --cost-model-version
                if not resume:
                    (folder / STORE_FILE).unlink(missing_ok=True)
                raise
            config["execution"] = execution.to_dict()
            config["cost_model_version"] = costs.pinned.version_hash
        regimes = ReplayRegimes.start(regime, market, frames, folder)
        if regime is not None and regimes is not None:
            config["regime"] = regime.to_dict()
        config_hash = sha256_hex(config)
        signed = _signed_manifest(
            strategy,
            chosen,
            params or {},
            frames,
            venue,
            config_hash,
            signing,
            cost_model_version=None if costs is None else costs.pinned.version_hash,
            release=None if spilled is None else spilled.release_all,
            corporate_actions=actions,
            extra_sources=() if regimes is None else (regimes.source,),
        )
        try:
            with store.unit_of_work() as uow:
                store_manifest(uow, signed)
                uow.commit()
            broker = SimulatedBroker(clock, venue)
            commits = CommitInBatches(store, every=commit_every)
            fields: dict[str, Any] = {"limits": limits}
            path: RiskPath | None = None
            if risk is None:
                orders = OrderManager(broker, clock, commits, resend_known=resume)
            else:
                path = compose_risk_path(
                    risk,
                    commits=commits,
                    broker=broker,
                    clock=clock,
                    alerter=StoreLogAlertSink(commits.step),
                    hours=_hours(calendar, market, frames),
                    session=market,
                    interval=venue.bar_interval,
                    resend_known=resume,
                    shared_store=False,
                    regimes=None if regimes is None else regimes.monitor,
                    regime_breaker=None if regime is None else regime.breaker_config(),
                )
                orders, fields = path.orders, path.engine_fields()
            if actions:
                fields["data_quality"] = DataQualityConfig(
                    explained_jumps=explained_jumps(actions)
                )
            engine = TradingEngine(
                _strategy_view(chosen, frames, actions, adjusted),
                orders,
                commits if path is None else path.commits,
                clock,
                EngineConfig(
                    opening_cash=Decimal(cash),
                    config_hash=config_hash,
                    manifest_hash=manifest_hash(signed.manifest),
                    net_of_cost=None
                    if costs is None
                    else with_regime_policy(costs.config, regime),
                    regimes=None if regimes is None else regimes.monitor,
                    calendar=market,
                    **fields,
                ),
            )
            with progress_bar("Replaying bars", enabled=progress) as shown:
                run = run_replay(
                    frames,
                    engine,
                    broker,
                    clock,
                    interval=venue.bar_interval,
                    on_progress=_progress_to(shown, on_progress),
                    calendar=market,
                    release=None if spilled is None else spilled.release,
                    corporate_actions=actions,
                )
                shown(run.bars, run.bars)  # the driver reports every few bars
            commits.flush()
            regime_fits = {} if regimes is None else regimes.summary()
            marks = {s: to_price(p) for s, p in engine.last_prices().items()}
            analyses: list[ExecutionAnalysis] = []
            calibrated = None
            if costs is not None and execution is not None:
                from tradecore.apps.replay.costs import (
                    calibrate_after_run,
                    run_analyses,
                )

                analyses = run_analyses(store, marks)
                calibrated = calibrate_after_run(
                    execution,
                    store,
                    costs,
                    marks=marks,
                    at=clock.now(),
                    analyses=analyses,  # read once, not held twice
                )
        finally:
            store.close()
        # The records are streamed from the store file, never all in memory at once.
        db = folder / STORE_FILE
        export.seal(db)  # the readers below leave no -wal/-shm beside it
        reads.enter_context(export.reading(db))
        fills = StoredFills(db)
        decisions = StoredRows(db, "decisions")
        outcomes = StoredRows(db, "outcomes")
        ledger = engine.ledger
        release = None if spilled is None else spilled.release_all
        collected, fill_facts = None, None
        if out is not None:  # one read of the fills for trades.csv and the summary
            collected, fill_facts = collect_report_trades(
                folder, fills, frames, run.timestamps_ns, release
            )
        if fill_facts is None:  # the notional, exposure and round trips alone
            fill_facts = fill_statistics(run.timestamps_ns, FillRecords(fills))
        perf = summarize_performance(
            run.timestamps_ns,
            run.equity,
            traded_notional=float(fill_facts.traded_notional),
            calendar=market,
            interval=venue.bar_interval,
        )
        summary = {
            "fills": len(fills),
            "orders": export.count(db, "intents"),
            "orders_expired": export.count(db, "intents", status=IntentStatus.EXPIRED),
            "decisions": len(decisions),
            "final_equity": ledger.equity(marks),
            "realized_pnl": ledger.realized_pnl,
            "fees": ledger.fees,
            "bars": run.bars,
            "symbols": len(frames),
            "sharpe": perf.sharpe,
            "sharpe_daily": perf.sharpe_daily,
            "periods_per_year": perf.periods_per_year,
            "annualization": perf.annualization,
            "calendar": market.name,
            "max_drawdown": perf.max_drawdown,
            "turnover": perf.turnover,
            **research_statistics(
                run.timestamps_ns,
                run.equity,
                fill_facts,
                periods_per_year=perf.periods_per_year,
                calendar=market,
            ),
            "config_hash": config_hash,
            "data_fingerprint": signed.manifest.dataset_fingerprint,
            "strategy_id": chosen.strategy_id,
            "fill_model": fill_model,
            "manifest_hash": manifest_hash(signed.manifest),
            **({} if costs is None else cost_summary(analyses, costs, calibrated)),
            **({} if path is None else risk_summary(outcomes, path)),
            **({"corporate_actions": len(engine.corporate_actions)} if actions else {}),
            **regime_fits,
            **(
                {}
                if loaded is None
                else {
                    "data_quality": quality_summary(
                        loaded,
                        market,
                        venue,
                        None if spilled is None else spilled.release_all,
                    )
                }
            ),
        }
        # A portfolio's attribution, allocations and correlation alerts (else none).
        summary |= _portfolio_extras(chosen, fills, db, folder if out else None)
        fill_table, decision_table, outcome_table = fills, decisions, outcomes
        run_info: dict[str, object] = {
            "seconds": round(time.perf_counter() - started, 3),
            "config": config,
            "bars_per_second": round(
                run.bars / max(time.perf_counter() - started, 1e-9)
            ),
        }
        if engine.corporate_actions:
            run_info["corporate_actions"] = [
                b.audit_payload() for b in engine.corporate_actions
            ]
        result = ReplayResult(
            summary=summary,
            timestamps_ns=run.timestamps_ns,
            equity_values=run.equity,
            fill_rows=fill_table,
            decision_rows=decision_table,
            outcome_rows=outcome_table,
            order_rows=StoredRows(db, "orders"),
            out=Path(out) if out is not None else None,
            bars=frames,
            tca=analyses,
            run_info=run_info,
            title=f"Replay: {chosen.strategy_id}",
            scratch=scratch,
            about=about_run(strategy, chosen, data, frames),
        )
        # The trading loop's objects (the venue's book, the order manager, the
        # write-behind mirrors and their id sets) are done with: free them, so the
        # report's tables reuse their memory instead of adding to it.
        del engine, broker, commits, orders, path, fields, ledger, clock
        gc.collect()
        if out is not None:
            write_report(
                folder,
                summary,
                (run.timestamps_ns, run.equity),
                fill_table,
                decision_table,
                outcome_table,
                run_info,
                title=f"Replay: {chosen.strategy_id}",
                tca=analyses,
                bars=frames,
                about=about_run(strategy, chosen, data, frames),
                release=release,
                collected=collected,
            )
            (folder / "config.json").write_text(
                json.dumps(config, sort_keys=True, indent=2)
            )
            write_run_manifest(folder, signed)
            if loaded is not None:
                loaded.quarantine.write_csv(folder / QUARANTINE_FILE)
            (folder / MARKS_FILE).write_text(
                json.dumps({s: str(p) for s, p in sorted(marks.items())}, indent=2)
            )
        return result
    except BaseException:
        reads.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    finally:
        reads.close()
        if spilled is not None:
            shutil.rmtree(folder / SPILL_FOLDER, ignore_errors=True)


def _progress_to(
    bar: Update, also: Callable[[ReplayProgress], None] | None
) -> Callable[[ReplayProgress], None]:
    """One progress callback feeding the bar and the caller's ``on_progress``."""

    def report(progress: ReplayProgress) -> None:
        bar(progress.done, progress.total)
        if also is not None:
            also(progress)

    return report


def _sessions_of(
    calendar: str | MarketCalendar,
) -> Callable[[date, date], MarketCalendar]:
    """The calendar date-only rows find their sessions on."""
    if isinstance(calendar, MarketCalendar):
        return lambda first, last: calendar
    return lambda first, last: calendars_between(calendar, first, last).regular


def quality_summary(
    loaded: LoadedBars,
    calendar: MarketCalendar,
    venue: VenueConfig,
    release: Callable[[BarFrame], None] | None = None,
) -> dict[str, object]:
    """The summary's ``data_quality``: what the gate set aside, and calendar gaps.

    Gaps are counted per symbol against ``calendar`` at the bars' interval: sessions
    with no bar between a symbol's first and last, and (intraday) bar slots missing
    inside regular hours. Counted, never fatal. ``release`` (spilled bars) hears
    each frame once its timestamps are read, so they do not stay resident.
    """
    interval_ns = venue.bar_interval // timedelta(microseconds=1) * 1000
    gaps = {}
    for frame in loaded.frames:
        gaps[frame.symbol] = count_gaps(frame.timestamps, calendar, interval_ns)
        if release is not None:
            release(frame)
    return {
        **loaded.quarantine.counts(),
        "shapes": dict(sorted(loaded.shapes.items())),
        "missing_sessions": sum(g.sessions for g in gaps.values()),
        "missing_bars": sum(g.bars for g in gaps.values()),
        "gaps_by_symbol": {
            symbol: {"sessions": g.sessions, "bars": g.bars}
            for symbol, g in sorted(gaps.items())
            if g.sessions or g.bars
        },
    }


def _signed_manifest(
    strategy: str,
    chosen: AnyStrategy,
    params: Mapping[str, object],
    frames: Sequence[BarFrame],
    venue: VenueConfig,
    config_hash: str,
    signing: SigningSettings | None,
    *,
    cost_model_version: str | None,
    release: Callable[[BarFrame], None] | None = None,
    corporate_actions: Sequence[CorporateAction] = (),
    extra_sources: Sequence[DataSource] = (),
) -> SignedManifest:
    """The run's manifest, signed.

    The cost model is the pinned cost-model version when decisions are net of cost,
    else the venue's fill and fee models (all that prices the run's orders). The
    corporate actions applied are a data source of their own (``corporate_actions``),
    as are ``extra_sources`` (the regime fits, ``regimes/regimes.json``).
    """
    manifest = build_manifest(
        run_identity(strategy, chosen, params, venue.bar_interval),
        frames,
        config_hash=config_hash,
        cost_model_version=cost_model_version
        or sha256_hex({"fill_model": venue.fill_model, "fee_model": venue.fee_model}),
        release=release,
        extra_sources=(
            (
                DataSource(
                    name="corporate_actions",
                    provenance="file",
                    fingerprint=sha256_hex(
                        [_action_record(a) for a in corporate_actions]
                    ),
                ),
            )
            if corporate_actions
            else ()
        )
        + tuple(extra_sources),
    )
    if signing is None:  # a notebook's tc.replay(): the environment decides
        signing = load_settings(None, os.environ).signing
    return sign_run_manifest(manifest, signing)


def _corporate_actions(
    given: Sequence[CorporateAction] | str | Path | None,
    data: str | Path | Sequence[BarFrame] | LakeSelection,
) -> list[CorporateAction]:
    """The actions given, read from the file given, or from the data's own: the data
    folder's file, or a lake's table when its bars are raw (adjusted bars already
    carry the actions in their prices: applying them again would count them twice)."""
    if isinstance(given, str | Path):
        return read_corporate_actions(given)
    if given is not None:
        return list(given)
    if is_lake_selection(data):
        raw = all(key.adjustment == "raw" for key in data.keys)
        return data.corporate_actions() if raw else []
    if isinstance(data, str | Path):
        beside = Path(data) / CORPORATE_ACTIONS_FILE
        if beside.is_file():
            return read_corporate_actions(beside)
    return []


def _adjustment(name: str | Adjustment) -> Adjustment:
    """The adjustment named ``name`` (a configuration error if unknown)."""
    try:
        return Adjustment.parse(str(name))
    except InvalidInput as e:
        raise ConfigurationError(f"unknown adjustment {name!r}; {e.reason}") from None


def _action_record(action: CorporateAction) -> dict[str, str]:
    """An action as canonical strings (config, manifest fingerprint)."""
    record = {
        "symbol": action.symbol,
        "kind": action.kind.value,
        "ex_date": action.ex_date.isoformat(),
    }
    for name in ("ratio", "cash", "new_symbol", "payable_date"):
        value = getattr(action, name)
        if value is not None:
            record[name] = str(value)
    return record


def _strategy_view(
    chosen: AnyStrategy,
    frames: Sequence[BarFrame],
    actions: Sequence[CorporateAction],
    adjustment: Adjustment,
) -> AnyStrategy:
    """The strategy, fed back-adjusted prices when asked (the venue stays raw).

    Raises:
        ConfigurationError: a bar-form strategy with an adjustment (not supported
            yet: its bars and market view would need every price adjusted).
    """
    if adjustment is Adjustment.RAW or not actions:
        return chosen
    if isinstance(chosen, BarStrategy):
        raise ConfigurationError(
            f"strategy {chosen.strategy_id!r} is a BarStrategy: --adjustment "
            f"{adjustment.value} is supported for simple-form strategies only"
        )
    prices = AdjustedPrices.of(frames, actions, adjustment)
    return AdjustedStrategy(chosen, prices) if prices else chosen


def _hours(
    calendar: str | MarketCalendar, market: MarketCalendar, frames: Sequence[BarFrame]
) -> TradingHours:
    """The market-hours rule's sessions: regular and extended, as live builds them."""
    span = frames_span(frames)
    if isinstance(calendar, MarketCalendar) or span is None:
        return TradingHours(regular=market, extended=market)
    return calendars_for_span(calendar, *span).hours


def risk_summary(
    outcomes: Iterable[Mapping[str, object]], path: RiskPath
) -> dict[str, object]:
    """What the risk path refused and tripped: counts by reason, and the trips."""
    refusals = _refusals(outcomes)
    trips = Counter(
        r.name for r in path.gate.board.events if r.event is BreakerEvent.TRIPPED
    )
    return {
        "refusals": sum(refusals.values()),
        "refusals_by_reason": dict(sorted(refusals.items())),
        "breaker_trips": sum(trips.values()),
        "breaker_trips_by_name": dict(sorted(trips.items())),
        "trading_state": path.gate.board.state.state.value,
    }


def _refusals(outcomes: Iterable[Mapping[str, object]]) -> Counter[str]:
    """The skipped outcomes' reasons (those not empty), counted; a stored
    table's counted in its file (the stored reasons are the raw ones the rows
    hold, as :func:`_kinds_and_reasons` reads them)."""
    skipped = OutcomeKind.SKIPPED.value
    refusals: Counter[str] = Counter()
    if isinstance(outcomes, StoredRows):
        for reason, times in outcomes.raw_tally("reason", "kind", skipped):
            if reason:
                refusals[str(reason)] += times
        return refusals
    refusals.update(
        str(reason)
        for kind, reason in _kinds_and_reasons(outcomes)
        if kind == skipped and reason
    )
    return refusals


def _kinds_and_reasons(
    outcomes: Iterable[Mapping[str, object]],
) -> Iterable[tuple[object, object]]:
    """Each outcome's ``kind`` and ``reason``; a stored table's two columns as
    stored (the text the rows hold, ``None`` for a reason they spell ``""``), not
    a shaped row per outcome."""
    if isinstance(outcomes, StoredRows):  # both columns from one read
        pairs = outcomes.raw_columns("kind", "reason")
        return cast("Iterator[tuple[object, object]]", pairs)  # two names: pairs
    if isinstance(outcomes, RawColumns):
        kinds, reasons = outcomes.raw_column("kind"), outcomes.raw_column("reason")
        return zip(kinds, reasons, strict=True)
    return ((o["kind"], o["reason"]) for o in outcomes)


def _first_pin(folder: Path) -> str:
    """The cost-model version a finished run pinned ("" if it never finished)."""
    config = folder / "config.json"
    if not config.exists():
        return ""
    return str(json.loads(config.read_text()).get("cost_model_version", ""))


def cost_summary(
    analyses: Sequence[ExecutionAnalysis], costs: CostSetup, calibrated: str | None
) -> dict[str, object]:
    """A net-of-cost replay's cost figures: shortfall, costs, the model versions."""
    return {
        "implementation_shortfall": sum(
            (a.total_shortfall for a in analyses), Decimal(0)
        ),
        "execution_cost": sum(
            (a.execution_cost + a.fees for a in analyses), Decimal(0)
        ),
        "cost_model_version": costs.pinned.version_hash,
        "calibrated_cost_model_version": calibrated or "",
    }


def _portfolio_extras(
    strategy: AnyStrategy,
    fills: Iterable[Mapping[str, object]],
    db: Path,
    out: Path | None,
) -> dict[str, object]:
    """:func:`~tradecore.apps.replay.portfolio_report.portfolio_extras`, imported
    only when the strategy can be a portfolio: no module defines a portfolio
    strategy class until ``domain.strategies.portfolio_strategy`` is imported, so a
    run whose strategy loader never imported it skips the report's imports."""
    if PORTFOLIO_STRATEGY_MODULE not in sys.modules:
        return {}
    from tradecore.apps.replay.portfolio_report import portfolio_extras

    return portfolio_extras(strategy, fills, db, out)
