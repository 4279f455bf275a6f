"""``tradecore-live run``: the engine on the live path (store, risk gate, broker).

The loop is :class:`tradecore.services.trading.live_loop.LiveLoop` — the same engine, risk
gate and order manager as replay, committing every step with full durability. It
trades the configured broker (``[broker] kind``) or, with ``--dry-run``, records
every order it would send without sending it. The bar feed is a recorded stream
(``--data DIR``, one file per symbol) released bar by bar as each bar closes on a
virtual clock starting at the first bar, or Alpaca's data API polled on the wall
clock (``--feed alpaca``; see :mod:`tradecore.apps.live.feed`). When the feed ends,
the broker's remaining events are drained so the last fills are stored.

Before trading it verifies the signed manifest (:mod:`tradecore.apps.live.manifest_gate`),
or, with ``--model STRATEGY_ID``, loads that strategy id's production model from the
model registry and reloads it on promotion (:mod:`tradecore.apps.live.model_run`);
alerts, metrics, ``/health`` and the structured cycle log come from
:mod:`tradecore.apps.live.operations`, the per-cycle watch from
:mod:`tradecore.services.observation.cycle_watch`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from tradecore.adapters.data.lake_recorder import LakeRecorder
from tradecore.adapters.dryrun.broker import DryRunBroker
from tradecore.apps.config.secrets import MASTER_KEY_ENV, SECRETS_FILE_ENV
from tradecore.apps.config.settings import Settings, config_hash
from tradecore.apps.live import broker as live_broker
from tradecore.apps.live.fault_injection import arm_from_env
from tradecore.apps.live.feed import BarSource
from tradecore.apps.live.manifest_gate import GatedStrategy, gate_strategy
from tradecore.apps.live.model_run import between_cycles, gate_model
from tradecore.apps.live.operations import (
    LiveOps,
    TimedFeed,
    health_checks,
    open_live_ops,
    watch_cycles,
)
from tradecore.apps.live.portfolio_live import PortfolioHooks, portfolio_hooks
from tradecore.apps.live.recording import (
    RecordingFeed,
    open_recorder,
    record_source,
)
from tradecore.apps.live.source import choose_source
from tradecore.apps.live.stream_feed import attach_alerter, trading_status_of
from tradecore.apps.replay.costs import live_net_of_cost
from tradecore.apps.wiring.calendars import (
    TradingCalendars,
    frames_span,
    live_calendars,
)
from tradecore.apps.wiring.choices import LiveFeed
from tradecore.apps.wiring.cli_app import renamed_option
from tradecore.apps.wiring.context import cli_context, open_configured_store
from tradecore.apps.wiring.errors import cli_errors
from tradecore.apps.wiring.regimes import build_regime_monitor, with_regime_policy
from tradecore.apps.wiring.risk_path import compose_risk_path
from tradecore.apps.wiring.strategy_loader import parse_params
from tradecore.domain.errors import ConfigurationError, MissingSecret, TradecoreError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Bar
from tradecore.ports.bar_feed import BarFeed
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store
from tradecore.services.controls.kill_switch import KillSwitch
from tradecore.services.controls.stuck_orders import StuckOrderPolicy
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.observation.cycle_watch import CycleWatch
from tradecore.services.orders.reconciler import Reconciler
from tradecore.services.research.manifests import store_manifest
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.live_loop import CycleReport, LiveLoop


def run(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Recorded bar stream: a folder of SYMBOL.csv/.parquet."
        ),
    ] = None,
    bars: Annotated[
        Path | None, typer.Option("--bars", hidden=True, help="Old name of --data.")
    ] = None,
    feed: Annotated[
        LiveFeed,
        typer.Option(
            "--feed",
            help="Where bars come from: 'files' (--data), 'alpaca' (data API, "
            "polled) or 'alpaca-stream' (market-data stream, gaps backfilled).",
        ),
    ] = "files",
    symbol: Annotated[
        list[str] | None,
        typer.Option(
            "--symbols",
            "--symbol",
            help="With --feed alpaca: the symbols to trade, AAPL,MSFT (as "
            "tradecore-replay takes them; repeatable).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="With --feed alpaca: first bar to fetch (ISO, with zone)."),
    ] = None,
    interval_minutes: Annotated[
        int, typer.Option(help="With --feed alpaca: the bar interval in minutes.")
    ] = 1,
    strategy: Annotated[
        str, typer.Option(help="Bundled name or package.module:Class.")
    ] = ("sma_cross"),
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Strategy parameter k=v.")
    ] = None,
    cash: Annotated[str, typer.Option(help="Opening cash of the book.")] = "1000000",
    seed: Annotated[int, typer.Option(help="Seed of the simulated broker.")] = 7,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Record every order; send none.")
    ] = False,
    live: Annotated[
        bool, typer.Option("--live", help="Trade a real-money account.")
    ] = False,
    emulator: Annotated[
        bool,
        typer.Option(
            "--emulator",
            help="The Alpaca broker is the offline emulator: feed it each bar as the market.",
        ),
    ] = False,
    max_cycles: Annotated[
        int | None, typer.Option(help="Stop after this many cycles.")
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            help="Signed manifest to verify before trading (default: [model] "
            "manifest; required with --live).",
        ),
    ] = None,
    pace: Annotated[
        float,
        typer.Option(help="Wall-clock seconds to wait between cycles (0: no wait)."),
    ] = 0.0,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Trade the production model of this strategy id from the model "
            "registry (default: [model] strategy_id); reloads it on promotion.",
        ),
    ] = None,
    record_lake: Annotated[
        Path | None,
        typer.Option(
            "--record-lake",
            help="Record every bar received, with its arrival time and provenance, "
            "into this lake (default: [data] record_lake); replay it with "
            "tradecore-replay run --lake DIR --recorded SESSION.",
        ),
    ] = None,
) -> None:
    """Trade a strategy on the live path over recorded bars or Alpaca's data."""
    with cli_errors():
        arm_from_env()  # chaos tests only: inert unless TRADECORE_FAULT_POINT is set
        settings = cli_context(ctx).settings()
        _check_live(settings, live)
        model_id = model or settings.model.strategy_id
        if model_id and (manifest or settings.model.manifest):
            raise ConfigurationError(
                "a registered model brings its own manifest: give --model (or "
                "[model] strategy_id) or --manifest (or [model] manifest), not both"
            )
        params = parse_params(param or [])
        opening = Decimal(cash)
        source = choose_source(
            settings,
            renamed_option("--data", data, "--bars", bars),
            feed,
            split_symbols(symbol),
            since,
            interval_minutes,
            emulator,
        )
        typer.echo(source.note)
        clock, frames = source.clock, list(source.frames)
        calendars = live_calendars(
            settings.market.calendar, clock.now(), frames_span(frames)
        )
        # The store first: a database not at head refuses before any broker call.
        store = open_configured_store(ctx)
        ops: LiveOps | None = None
        recorder: LakeRecorder | None = None
        try:
            ops = open_live_ops(settings, store, clock)
            recorder = open_recorder(
                record_lake or _setting_path(settings.data.record_lake),
                clock,
                ops.router,
            )
            model_run = (
                None
                if model_id is None
                else gate_model(
                    settings,
                    store,
                    model_id,
                    params=params,
                    live=live,
                    alerter=ops.router,
                    clock=clock,
                )
            )
            gated = (
                model_run.gated
                if model_run is not None
                else gate_strategy(
                    settings,
                    manifest_option=manifest,
                    strategy=strategy,
                    params=params,
                    frames=frames,
                    interval=source.interval,
                    live=live,
                    alerter=ops.router,
                    clock=clock,
                )
            )
            broker, market = live_broker.live_broker(
                settings,
                clock,
                frames,
                opening,
                seed,
                dry_run,
                calendars.regular,
                store,
            )
            if emulator:
                market = live_broker.emulator_market(
                    settings, source.interval, clock, broker
                )
                # A restart resumes at the emulator's time: bars that closed
                # before it are history the market already saw, not replayed.
                source.feed.poll(clock.now())
            offset, calendars = _check_market_clock(
                settings, broker, clock, frames, calendars, follows_us=emulator
            )
            _record_manifest(store, gated)
            hooks: PortfolioHooks | None = None
            try:
                live_broker.connect(broker)
                loop, watch, stuck, engine = _loop(
                    settings,
                    store,
                    clock,
                    broker,
                    market,
                    source,
                    gated,
                    opening,
                    ops,
                    calendars,
                    offset,
                    recording=None
                    if recorder is None
                    else (recorder, record_source(feed, settings.data.mode)),
                )
                between = (
                    None
                    if model_run is None
                    else between_cycles(model_run, engine, settings, ops.router, clock)
                )
                # A portfolio: per-strategy halts from the store, correlation
                # alerts, and its attribution files at the end.
                hooks = portfolio_hooks(
                    gated.strategy, store, ops.router, clock, settings.store.url
                )
                if hooks is not None:
                    hooks.before_trading()
                    between = hooks.after_cycle
                report = loop.run(
                    max_cycles=max_cycles,
                    on_cycle=_on_cycle(ops, watch, stuck, pace, between),
                )
                drained = loop.drain(settle=live_broker.settle_for(broker))
            finally:
                _finish_portfolio(hooks)  # also when the run stops on an error
                live_broker.close(broker)
        finally:
            source.close()
            if recorder is not None:
                recorder.close()
                _echo_recording(recorder)
            if ops is not None:
                ops.close()
            store.close()
    typer.echo(f"drained: {drained} events after the last cycle")
    typer.echo(
        f"cycles: {report.cycles}  bars: {report.bars}  decisions: {report.decisions}  "
        f"recovery: {'clean' if report.recovery.clean else report.recovery.discrepancies}"
    )
    typer.echo(
        f"reconciled: {report.reconciles} passes while running; healed {report.healed}"
    )


def _finish_portfolio(hooks: PortfolioHooks | None) -> None:
    """Write a portfolio's files; a failure to is said, never masks the run's own."""
    if hooks is None:
        return
    try:
        written = hooks.finish()
    except (OSError, TradecoreError) as error:
        typer.echo(f"portfolio: files NOT written: {error}", err=True)
        return
    typer.echo(
        f"portfolio: attribution and allocations in {written}"
        if written is not None
        else "portfolio: no report folder (the store is not a SQLite file)"
    )


def _setting_path(text: str | None) -> Path | None:
    return None if not text else Path(text)


def _echo_recording(recorder: LakeRecorder) -> None:
    status = recorder.status()
    typer.echo(
        f"recorded: {status.rows} rows in {status.files} file(s) under "
        f"{recorder.root}/recorded/session={recorder.session}"
        + (f"; LOST {status.lost} rows" if status.lost else "")
    )


def _check_live(settings: Settings, live: bool) -> None:
    """Real money needs the flag, the setting and encrypted keys: fail closed."""
    broker = settings.broker
    if live != (broker.kind == "alpaca" and broker.live):
        raise ConfigurationError(
            "real-money trading needs both `run --live` and `[broker] kind = "
            '"alpaca"` with `live = true`; they disagree '
            f"(--live={live}, kind={broker.kind!r}, live={broker.live})"
        )
    if live and not (
        os.environ.get(MASTER_KEY_ENV) and os.environ.get(SECRETS_FILE_ENV)
    ):
        raise MissingSecret(
            f"live trading reads its keys from an encrypted file: set {SECRETS_FILE_ENV} "
            f"and the master key {MASTER_KEY_ENV}"
        )


def _check_market_clock(
    settings: Settings,
    broker: Broker,
    clock: Clock,
    frames: Sequence[BarFrame],
    calendars: TradingCalendars,
    *,
    follows_us: bool,
) -> tuple[timedelta, TradingCalendars]:
    """Compare the broker's clock with ``[market] calendar`` before trading.

    Returns the broker's clock minus ours (the loop judges sessions on it) and the
    calendars, widened to the broker's time when it is far from ours (an emulator
    on its own virtual time). A broker without a clock (simulated) passes as is.

    Raises:
        MarketClockMismatch: they disagree away from an open or close (exit 11).
    """
    theirs = live_broker.read_market_clock(broker)
    if theirs is None:
        return timedelta(0), calendars
    span = frames_span(frames)
    at = theirs.timestamp
    span = (at, at) if span is None else (min(span[0], at), max(span[1], at))
    calendars = live_calendars(settings.market.calendar, clock.now(), span)
    offset, note = live_broker.check_market_clock(
        theirs, calendars.regular, clock.now(), follows_us=follows_us
    )
    typer.echo(note)
    return offset, calendars


def _loop(
    settings: Settings,
    store: Store,
    clock: Clock,
    broker: Broker,
    market: Callable[[Sequence[Bar]], None] | None,
    source: BarSource,
    gated: GatedStrategy,
    cash: Decimal,
    ops: LiveOps,
    calendars: TradingCalendars,
    market_offset: timedelta,
    recording: tuple[LakeRecorder, str] | None = None,
) -> tuple[LiveLoop, CycleWatch, StuckOrderPolicy | None, TradingEngine]:
    alerter = ops.router
    halts = trading_status_of(source.feed)
    attach_alerter(broker, alerter)
    attach_alerter(source.feed, alerter)
    # A kill made by another process (`tradecore-live kill`) is carried out here
    # too, the first cycle it is seen: this process cancels its own orders.
    kill = KillSwitch(store, broker, clock, alerter)
    ops.kill_on_alert.bind(kill)
    interval = source.interval
    # [risk] as replay applies it: gate, breakers, degradation, rejection handling.
    regimes = build_regime_monitor(settings.regime, calendars.regular)
    risk = compose_risk_path(
        settings.risk,
        trading_status=halts,
        commits=CommitEachStep(store),
        broker=broker,
        clock=clock,
        alerter=alerter,
        hours=calendars.hours,
        session=calendars.regular,
        interval=interval,
        on_kill=kill.carry_out,
        metrics=ops.metrics,
        regimes=regimes,
        regime_breaker=settings.regime.breaker_config(),
    )
    commits, gate, watched, orders = risk.commits, risk.gate, risk.broker, risk.orders
    engine = TradingEngine(
        gated.strategy,
        orders,
        commits,
        clock,
        EngineConfig(
            opening_cash=cash,
            # What `tradecore-live config show` prints; the strategy and its
            # parameters are bound by the manifest hash.
            config_hash=config_hash(settings),
            manifest_hash=gated.in_force.hash,
            net_of_cost=with_regime_policy(
                live_net_of_cost(
                    settings.execution,
                    store,
                    now=clock.now(),
                    alerter=alerter,
                    calendar=calendars.regular,
                    interval=interval,
                ),
                settings.regime,
            ),
            calendar=calendars.regular,
            regimes=regimes,
            **risk.engine_fields(),
        ),
    )
    served: BarFeed = source.feed
    if recording is not None:  # --record-lake: what the engine is served, as served
        served = RecordingFeed(served, recording[0], clock, recording[1])
    feed = TimedFeed(served, interval, metrics=ops.metrics)
    cancel_after = settings.alerts.cancel_stuck_after_s
    stuck = (
        StuckOrderPolicy(
            orders,
            watched,
            commits,
            clock,
            alerter,
            cancel_after=timedelta(seconds=cancel_after),
        )
        if cancel_after > 0
        else None
    )
    watch = watch_cycles(ops, settings, commits, clock, engine, watched, gate)
    ops.serve(
        settings,
        health_checks(
            broker=watched,
            feed=feed,
            halts=halts,
            clock=clock,
            max_data_age=3 * interval,
            store=store,
            manifest=gated.in_force.describe(),
        ),
    )
    loop = LiveLoop(
        engine,
        watched,
        feed,
        # Heals: orders placed outside tradecore, missed fills and position drift
        # are adopted into the store and the ledger, at start and while running.
        # Only against an account of record (Alpaca, or its emulator): not in a
        # dry run, whose ledger is not the account's, nor on the in-process
        # simulated broker, which a restart meets fresh, owning nothing.
        Reconciler(
            watched,
            clock,
            commits,
            orders,
            alerter=alerter,
            metrics=ops.metrics,
            heal=settings.broker.kind == "alpaca"
            and not isinstance(broker, DryRunBroker),
        ),
        commits,
        clock,
        cycle=interval,
        market=market,
        # No cycles outside the session: regular hours, or 04:00-20:00 New York
        # with `[market] extended_hours = true`.
        trading_hours=(
            calendars.extended if settings.market.extended_hours else calendars.regular
        ),
        market_offset=market_offset,
        reconcile_every=(
            timedelta(seconds=settings.reconcile.interval_s)
            if settings.reconcile.interval_s > 0
            else None
        ),
        reconnects=_stream_connections(broker, source.feed),
        # Seconds of real time, whatever clock the bars run on.
        reconcile_timer=time.monotonic,
    )
    return loop, watch, stuck, engine


def _stream_connections(broker: Broker, feed: object) -> Callable[[], int] | None:
    """How many times the broker's event stream (and a streamed bar feed) connected.

    Each reconnect may have lost events: the loop reconciles when this rises. ``None``
    when neither streams (a simulated broker, polled bars).
    """
    sources = [
        status
        for status in (
            getattr(broker, "stream_status", None),
            getattr(feed, "status", None),
        )
        if callable(status) and hasattr(status(), "connections")
    ]
    if not sources:
        return None
    return lambda: sum(int(status().connections) for status in sources)


def _record_manifest(store: Store, gated: GatedStrategy) -> None:
    """Keep the verified manifest in the store its decisions' hashes point into."""
    signed = gated.in_force.signed
    if signed is not None:
        with store.unit_of_work() as uow:
            store_manifest(uow, signed)
            uow.commit()


def _on_cycle(
    ops: LiveOps,
    watch: CycleWatch,
    stuck: StuckOrderPolicy | None,
    pace: float,
    between: Callable[[], None] | None = None,
) -> Callable[[CycleReport], None]:
    def on_cycle(report: CycleReport) -> None:
        _echo_cycle(report)
        if stuck is not None:  # [alerts] cancel_stuck_after_s: cancel, audit, alert
            for cid in stuck.sweep():
                typer.echo(f"cancelled stuck order {cid}")
        ops.log_cycle(watch.observe(report))
        if between is not None:  # a registered model: reload and staleness checks
            between()
        if pace > 0:
            time.sleep(pace)

    return on_cycle


def _echo_cycle(report: CycleReport) -> None:
    if report.decisions:
        typer.echo(
            f"cycle {report.cycle}: {report.bars} bars, {report.events} events, "
            f"{report.decisions} decisions"
        )


def split_symbols(given: list[str] | None) -> list[str] | None:
    """``--symbols AAPL,MSFT`` and repeated ``--symbol AAPL --symbol MSFT`` alike."""
    if given is None:
        return None
    return [s.strip() for item in given for s in item.split(",") if s.strip()]
