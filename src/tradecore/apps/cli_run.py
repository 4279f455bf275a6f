"""``tradecore-live run``: the engine on the live path (store, risk gate, broker).

The loop is :class:`tradecore.services.live_loop.LiveLoop` — the same engine, risk
gate and order manager as replay, committing every step with full durability. It
trades the configured broker (``[broker] kind``) or, with ``--dry-run``, records
every order it would send without sending it. The bar feed is a recorded stream
(``--bars DIR``, one file per symbol) released bar by bar as each bar closes on a
virtual clock starting at the first bar.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from tradecore.adapters.alerts.store_log_sink import StoreLogAlertSink
from tradecore.adapters.data.bar_files import load_bar_files
from tradecore.adapters.data.recorded_feed import RecordedBarFeed
from tradecore.adapters.dryrun import DryRunBroker
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.apps.broker_factory import build_broker
from tradecore.apps.config import Settings
from tradecore.apps.context import cli_context, open_configured_store
from tradecore.apps.errors import cli_errors
from tradecore.apps.fault_injection import arm_from_env
from tradecore.apps.replay_run import bar_interval, venue_config
from tradecore.apps.risk_config import build_breakers, build_checker
from tradecore.apps.secrets import MASTER_KEY_ENV, SECRETS_FILE_ENV
from tradecore.apps.strategy_loader import load_strategy, parse_params
from tradecore.domain.bar_frame import BarFrame, from_ns
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.market import Bar
from tradecore.ports.broker import Broker
from tradecore.ports.store import Store
from tradecore.services.engine import EngineConfig, TradingEngine
from tradecore.services.kill_switch import KillSwitch
from tradecore.services.live_loop import CycleReport, LiveLoop
from tradecore.services.order_manager import OrderManager
from tradecore.services.reconciler import Reconciler
from tradecore.services.risk_gate import RiskGate
from tradecore.services.transactions import CommitEachStep


def run(
    ctx: typer.Context,
    bars: Annotated[
        Path,
        typer.Option(
            "--bars", help="Recorded bar stream: a folder of SYMBOL.csv/.parquet."
        ),
    ],
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
) -> None:
    """Trade a strategy on the live path over a recorded bar stream."""
    with cli_errors():
        arm_from_env()  # chaos tests only: inert unless TRADECORE_FAULT_POINT is set
        settings = cli_context(ctx).settings()
        _check_live(settings, live)
        frames = load_bar_files(bars)
        params = parse_params(param or [])
        opening = Decimal(cash)
        clock = SimClock(from_ns(min(int(f.timestamps[0]) for f in frames if len(f))))
        broker, market = _broker(settings, clock, frames, opening, seed, dry_run)
        if emulator:
            market = _emulator_market(settings, bar_interval(frames), clock)
        store = open_configured_store(ctx)
        try:
            _connect(broker)
            report = _loop(
                settings,
                store,
                clock,
                broker,
                market,
                frames,
                strategy,
                params,
                opening,
            ).run(max_cycles=max_cycles, on_cycle=_echo_cycle)
        finally:
            store.close()
            _close(broker)
    typer.echo(
        f"cycles: {report.cycles}  bars: {report.bars}  decisions: {report.decisions}  "
        f"recovery: {'clean' if report.recovery.clean else report.recovery.discrepancies}"
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
        raise ConfigurationError(
            f"live trading reads its keys from an encrypted file: set {SECRETS_FILE_ENV} "
            f"and the master key {MASTER_KEY_ENV}"
        )


def _emulator_market(
    settings: Settings, interval: timedelta, clock: SimClock
) -> Callable[[Sequence[Bar]], None]:
    """Post each bar to the emulator's market-data control (it owns the market).

    A restart resumes at the emulator's time: the bars an earlier run already showed
    the market are in its past and are not replayed (see :func:`_loop`).
    """
    from tradecore.adapters.alpaca_emulator.client import EmulatorControl

    if settings.broker.kind != "alpaca" or settings.broker.base_url is None:
        raise ConfigurationError(
            '--emulator needs [broker] kind = "alpaca" with base_url at the emulator'
        )
    control = EmulatorControl(settings.broker.base_url)
    clock.advance_to(max(clock.now(), control.now()))

    def feed(bars: Sequence[Bar]) -> None:
        control.bars(
            [
                {
                    "symbol": bar.symbol,
                    "t": bar.timestamp.isoformat(),
                    "o": bar.open,
                    "h": bar.high,
                    "l": bar.low,
                    "c": bar.close,
                    "v": bar.volume,
                }
                for bar in bars
            ],
            through=False,
        )
        control.advance_to(max(bar.timestamp for bar in bars) + interval)

    return feed


def _each(show: Callable[[Bar], None]) -> Callable[[Sequence[Bar]], None]:
    def feed(bars: Sequence[Bar]) -> None:
        for bar in bars:
            show(bar)

    return feed


def _connect(broker: Broker) -> None:
    connect = getattr(broker, "connect", None)
    if callable(connect):
        connect()


def _close(broker: Broker) -> None:
    close = getattr(broker, "close", None)
    if callable(close):
        close()


def _broker(
    settings: Settings,
    clock: SimClock,
    frames: list[BarFrame],
    cash: Decimal,
    seed: int,
    dry_run: bool,
) -> tuple[Broker, Callable[[Sequence[Bar]], None] | None]:
    kind = settings.broker.kind
    if kind == "simulated":
        sim = SimulatedBroker(clock, venue_config("ideal", cash, seed, frames))
        return (DryRunBroker(clock, sim) if dry_run else sim), _each(sim.on_bar)
    if kind == "alpaca":
        real = build_broker(settings, clock)
        assert real is not None
        return (DryRunBroker(clock, real) if dry_run else real), None
    if dry_run:
        return DryRunBroker(clock, None, cash), None
    raise ConfigurationError(
        f"`tradecore-live run` needs a broker: set [broker] kind (now {kind!r}) to "
        "'alpaca' or 'simulated', or pass --dry-run"
    )


def _loop(
    settings: Settings,
    store: Store,
    clock: SimClock,
    broker: Broker,
    market: Callable[[Sequence[Bar]], None] | None,
    frames: list[BarFrame],
    strategy: str,
    params: dict[str, str],
    cash: Decimal,
) -> LiveLoop:
    commits = CommitEachStep(store)
    alerter = StoreLogAlertSink.on_store(store)
    # A kill made by another process (`tradecore-live kill`) is carried out here
    # too, the first cycle it is seen: this process cancels its own orders.
    kill = KillSwitch(store, broker, clock, alerter)
    gate = RiskGate(
        build_checker(settings.risk),
        commits,
        alerter,
        breakers=build_breakers(settings.risk),
        on_kill=kill.carry_out,
    )
    orders = OrderManager(broker, clock, commits)
    chosen = load_strategy(strategy, params)
    interval = bar_interval(frames)
    feed = RecordedBarFeed(frames, interval)
    feed.poll(clock.now())  # bars closed before this run started are history
    engine = TradingEngine(
        chosen,
        orders,
        commits,
        clock,
        EngineConfig(
            opening_cash=cash,
            risk_gate=gate,
            config_hash=sha256_hex({"strategy": strategy, "params": params}),
        ),
    )
    return LiveLoop(
        engine,
        broker,
        feed,
        Reconciler(broker, clock, commits, orders),
        commits,
        clock,
        cycle=interval,
        market=market,
    )


def _echo_cycle(report: CycleReport) -> None:
    if report.decisions:
        typer.echo(
            f"cycle {report.cycle}: {report.bars} bars, {report.events} events, "
            f"{report.decisions} decisions"
        )
