"""``tradecore-live kill``: halt, cancel everything, optionally flatten; say what happened.

A kill also goes through the configured alert router (``[alerts]``: webhook, e-mail),
like a kill made by a trading process.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tradecore.adapters.clock import SystemClock
from tradecore.apps.ops.controls import Reason, configured_broker, opened
from tradecore.apps.wiring import errors
from tradecore.apps.wiring.alerting import build_alert_router
from tradecore.apps.wiring.broker_factory import close_broker
from tradecore.apps.wiring.context import cli_context
from tradecore.apps.wiring.errors import cli_errors
from tradecore.services.controls.kill_switch import KillReport, KillSwitch


def kill(
    ctx: typer.Context,
    reason: Reason,
    flatten: Annotated[
        bool, typer.Option("--flatten", help="Also close every position at market.")
    ] = False,
) -> None:
    """Halt trading (persisted first), cancel every open order, optionally flatten.

    A flatten never sells more than the confirmed position minus the sells still
    working (nor buys back more than a short minus the buys): a cancel the broker has
    not confirmed leaves its order able to fill. What was held back is listed; the
    trading process finishes it once the cancels are confirmed.

    Exits 4 when an order could not be cancelled, a cancel was not confirmed, or a
    position was not closed in full (the state is HALTED all the same).
    """
    with cli_errors(), opened(ctx) as (store, _):
        broker = configured_broker(ctx)
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
    for cid, why in report.unconfirmed:
        typer.echo(f"NOT confirmed cancelled: {cid}: {why}", err=True)
    for symbol, why in report.flatten_held_back:
        typer.echo(
            f"NOT flattened in full: {symbol}: {why}; the trading process "
            "flattens the rest once the cancels are confirmed",
            err=True,
        )
    for symbol, why in report.not_flattened:
        typer.echo(f"NOT flattened: {symbol}: {why}", err=True)
