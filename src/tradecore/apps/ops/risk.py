"""``tradecore-live kill | status | state ... | breaker ...``: the operator's controls.

Every command works on the configured store, which every trading process shares; the
broker (for ``kill`` and ``status``) comes from ``apps/wiring/broker_factory.py``. Alerts go
to the store's audit log and the ``tradecore.alerts`` logger; a kill also goes
through the configured alert router (``[alerts]``: webhook, e-mail), like a kill made
by a trading process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from tradecore.adapters.alerts.store_log_sink import StoreLogAlertSink
from tradecore.adapters.clock import SystemClock
from tradecore.adapters.sqlstore import SqlStore
from tradecore.apps.wiring import errors
from tradecore.apps.wiring.alerting import build_alert_router
from tradecore.apps.wiring.broker_factory import build_broker, close_broker
from tradecore.apps.wiring.context import cli_context, open_configured_store
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.risk.trading_state import BreakerState, TradingState
from tradecore.ports.broker import Broker
from tradecore.services.controls.kill_switch import KillReport, KillSwitch
from tradecore.services.controls.operator import Controls, StatusReport

state_app = typer.Typer(
    help="The trading state shared by every process on the store.",
    no_args_is_help=True,
)
breaker_app = typer.Typer(help="Circuit breakers.", no_args_is_help=True)

Reason = Annotated[str, typer.Option("--reason", help="Why (recorded and audited).")]


@contextmanager
def _opened(ctx: typer.Context) -> Iterator[tuple[SqlStore, Controls]]:
    store = open_configured_store(ctx)
    try:
        clock = SystemClock()
        yield store, Controls(store, clock, StoreLogAlertSink.on_store(store))
    finally:
        store.close()


def _broker(ctx: typer.Context) -> Broker | None:
    return build_broker(cli_context(ctx).settings(), SystemClock())


# --- kill ------------------------------------------------------------------------------


def kill(
    ctx: typer.Context,
    reason: Reason,
    flatten: Annotated[
        bool, typer.Option("--flatten", help="Also close every position at market.")
    ] = False,
) -> None:
    """Halt trading (persisted first), cancel every open order, optionally flatten.

    Exits 4 when an order could not be cancelled or a position not closed (the
    state is HALTED all the same).
    """
    with cli_errors(), _opened(ctx) as (store, _):
        broker = _broker(ctx)
        clock = SystemClock()
        alerts = cli_context(ctx).settings().alerts
        router = build_alert_router(alerts, clock, store=store)
        try:
            report = KillSwitch(store, broker, clock, router).kill(
                reason, flatten=flatten
            )
        finally:
            router.close()
            close_broker(broker)
    _print_kill(report)
    if not report.complete:
        raise typer.Exit(errors.UNAVAILABLE)


def _print_kill(report: KillReport) -> None:
    typer.echo(f"trading HALTED: {report.reason}")
    typer.echo(f"cancelled: {len(report.canceled)} order(s)")
    for cid in report.canceled:
        typer.echo(f"  {cid}")
    for cid in report.already_final:
        typer.echo(f"  {cid} (already final)")
    if report.flatten_requested:
        typer.echo(f"flatten orders sent: {len(report.flatten_orders)}")
        for cid in report.flatten_orders:
            typer.echo(f"  {cid}")
    if report.broker_error:
        typer.echo(
            f"orders could NOT be cancelled at the broker: {report.broker_error}",
            err=True,
        )
    for cid, why in report.not_canceled:
        typer.echo(f"NOT cancelled: {cid}: {why}", err=True)
    for symbol, why in report.not_flattened:
        typer.echo(f"NOT flattened: {symbol}: {why}", err=True)


# --- status -------------------------------------------------------------------------


def status(ctx: typer.Context) -> None:
    """Show the trading state, breakers, open orders, positions and today's P&L.

    The store-side picture is always shown; what cannot be reached (the broker) is
    said so.
    """
    with cli_errors(), _opened(ctx) as (_, controls):
        report = controls.status(_broker(ctx))
    for line in _status_lines(report):
        typer.echo(line)


def _status_lines(r: StatusReport) -> Iterator[str]:
    since = f" since {r.state.changed_at.isoformat()}" if r.state.changed_at else ""
    yield f"trading state: {r.state.state.value.upper()} ({r.state.reason}){since}"
    yield f"breakers: {len(r.breakers) or 'none recorded'}"
    yield from (f"  {_breaker_line(b)}" for b in r.breakers)
    yield f"open orders (store): {len(r.open_intents)}"
    for i in r.open_intents:
        qty = i.spec.qty if i.spec.qty is not None else f"${i.spec.notional}"
        yield f"  {i.client_order_id}  {i.spec.symbol} {i.spec.side} {qty}  {i.status}"
    yield f"positions (store, from fills): {len(r.positions) or 'flat'}"
    yield from (f"  {p.symbol}  {p.qty} @ {p.avg_entry_price:.4f}" for p in r.positions)
    yield (
        f"today {r.day.isoformat()} (stored fills): {r.fills_today} fill(s), "
        f"realized P&L {r.realized_pnl_today}, fees {r.fees_today}; "
        "unrealized P&L unknown (the store keeps no marks)"
    )
    if r.broker.error is not None:
        yield f"broker: not reachable: {r.broker.error}"
        return
    yield f"broker: {len(r.broker.open_orders)} open order(s)"
    yield from (
        f"  {o.client_order_id}  {o.spec.symbol} {o.spec.side} {o.status}"
        for o in r.broker.open_orders
    )
    yield from (f"  position {p.symbol} {p.qty}" for p in r.broker.positions)
    if r.broker.account is not None:
        a = r.broker.account
        yield f"  account: cash {a.cash}, equity {a.equity}"


def _breaker_line(b: BreakerState) -> str:
    flag = "TRIPPED" if b.tripped else "clear"
    return f"{b.name}  {flag}  {b.reason}  ({b.changed_at.isoformat()})"


# --- state ---------------------------------------------------------------------------


@state_app.command("set")
def set_state(
    ctx: typer.Context,
    state: Annotated[
        TradingState,
        typer.Argument(case_sensitive=False, help="ACTIVE, REDUCING or HALTED."),
    ],
    reason: Reason,
    force: Annotated[
        bool,
        typer.Option("--force", help="Go ACTIVE even with breakers still tripped."),
    ] = False,
) -> None:
    """Set the trading state for every process on the store (audited)."""
    with cli_errors(), _opened(ctx) as (_, controls):
        record = controls.set_state(state, reason, force=force)
    typer.echo(f"trading state: {record.state.value.upper()} ({record.reason})")


@state_app.command("show")
def show_state(ctx: typer.Context) -> None:
    """Print the current trading state."""
    with cli_errors(), _opened(ctx) as (store, _), store.unit_of_work() as uow:
        record = uow.controls.get_trading_state()
    typer.echo(f"trading state: {record.state.value.upper()} ({record.reason})")


# --- breakers ------------------------------------------------------------------------


@breaker_app.command("approve")
def approve(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The breaker, e.g. daily_loss.")],
    reason: Reason,
) -> None:
    """Approve a tripped breaker's recovery; it clears once its quiet period is over."""
    with cli_errors(), _opened(ctx) as (_, controls):
        row = controls.approve(name, reason)
    typer.echo(f"{row.name}: {row.reason}; clears after its quiet period")


@breaker_app.command("list")
def list_breakers(ctx: typer.Context) -> None:
    """List every breaker the store knows."""
    with cli_errors(), _opened(ctx) as (_, controls):
        rows = controls.breakers()
    if not rows:
        typer.echo("no breaker has tripped on this store")
    for row in rows:
        typer.echo(_breaker_line(row))
