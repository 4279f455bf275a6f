"""``tradecore-live reconcile``: make the store agree with the broker, on demand.

Runs the same pass as a restart: every open intent is looked up by client order id
and brought level with the broker (resent under the same id if it was only
SUBMITTED; an acknowledged order the broker now answers "not found" for stays open,
is reported, and after the grace period alerted as ``order.acknowledged_not_found``:
an outage until proved otherwise, never failed, so never sent again), every decision
gets its outcome, and positions are compared; the comparison of every symbol (broker
against ledger) is stored and printed. Nothing is traded to "fix" a position.

Without ``--heal`` orders the broker holds under ids we never sent and position
differences are reported only. With ``--heal`` they are healed as
``tradecore-live run`` does while trading: the broker's orders are adopted as
external intents (their fills enter the ledger) and a remaining difference, in a
symbol with no order working, is recorded as a position adjustment; each healing is
audited (``reconcile_healed``, before and after) and alerted (``reconcile.healed``).

Exits 4 when the broker cannot be reached, 0 otherwise (differences are printed and
alerted as ``reconcile.mismatch`` / ``reconcile.drift`` through the configured router).
"""

from __future__ import annotations

from typing import Annotated

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


def reconcile(
    ctx: typer.Context,
    heal: Annotated[
        bool,
        typer.Option(
            "--heal",
            help="Adopt the broker's truth (orders placed outside tradecore, "
            "position drift) into the store and the ledger; never trades.",
        ),
    ] = False,
) -> None:
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
            reconciler = Reconciler(
                broker, clock, commits, orders, alerter=router, heal=heal
            )
            report = reconciler.run()
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
    for h in report.healed:
        typer.echo(f"healed {h.kind} {h.symbol} {h.client_order_id}: {h.action}")
    if report.positions:
        typer.echo(f"positions at {report.positions[0].checked_at.isoformat()}:")
        typer.echo(f"  {'symbol':<8} {'broker':>14} {'ledger':>14} {'after':>14}")
    for c in report.positions:
        typer.echo(
            f"  {c.symbol:<8} {c.broker_qty!s:>14} {c.ledger_qty!s:>14} "
            f"{c.healed_qty!s:>14}"
        )
