"""``tradecore-live reconcile``: make the store agree with the broker, on demand.

Runs the same pass as a restart: every open intent is looked up by client order id
and brought level with the broker (or resent under the same id if it was only
SUBMITTED, or failed if the broker lost it after the grace period), every decision
gets its outcome, and positions are compared. Nothing is traded to "fix" a position.
Exits 4 when the broker cannot be reached, 0 otherwise (differences are printed and
alerted as ``reconcile.mismatch`` through the configured router).
"""

from __future__ import annotations

import typer

from tradecore.adapters.clock import SystemClock
from tradecore.apps.wiring import errors
from tradecore.apps.wiring.alerting import build_alert_router
from tradecore.apps.wiring.broker_factory import build_broker, close_broker
from tradecore.apps.wiring.context import cli_context, open_configured_store
from tradecore.apps.wiring.errors import cli_errors
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler, ReconcileReport


def reconcile(ctx: typer.Context) -> None:
    """Reconcile open intents, outcomes and positions with the broker."""
    with cli_errors():
        clock = SystemClock()
        settings = cli_context(ctx).settings()
        broker = build_broker(settings, clock)
        if broker is None:
            typer.echo("broker: not reachable: no broker configured ([broker] kind)")
            raise typer.Exit(errors.UNAVAILABLE)
        store = open_configured_store(ctx)
        router = build_alert_router(settings.alerts, clock, store=store)
        try:
            commits = CommitEachStep(store)
            orders = OrderManager(broker, clock, commits)
            report = Reconciler(broker, clock, commits, orders, alerter=router).run()
        finally:
            router.close()
            store.close()
            close_broker(broker)
    _print(report)


def _print(report: ReconcileReport) -> None:
    typer.echo(f"checked {report.checked} open intent(s); adopted {report.adopted}")
    if report.clean:
        typer.echo("clean: the store agrees with the broker")
    for d in report.discrepancies:
        where = d.client_order_id or d.symbol or ""
        numbers = f" ours={d.ours} theirs={d.theirs}" if d.ours or d.theirs else ""
        typer.echo(f"{d.kind} {where}{numbers}: {d.action}")
