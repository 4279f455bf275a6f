"""``tradecore-live breaker approve|list``: circuit breakers and their recovery."""

from __future__ import annotations

from typing import Annotated

import typer

from tradecore.apps.ops.controls import Reason, breaker_line, opened
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.strategies.portfolio_halts import is_strategy_halt

breaker_app = CliTyper(help="Circuit breakers.", no_args_is_help=True)


@breaker_app.command("approve")
def approve(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The breaker, e.g. daily_loss.")],
    reason: Reason,
) -> None:
    """Approve a tripped breaker's recovery; it clears once its quiet period is over."""
    with cli_errors(), opened(ctx) as (_, controls):
        row = controls.approve(name, reason)
    typer.echo(f"{row.name}: {row.reason}; clears after its quiet period")


@breaker_app.command("list")
def list_breakers(ctx: typer.Context) -> None:
    """List every breaker the store knows."""
    with cli_errors(), opened(ctx) as (_, controls):
        # strategy halts (tradecore-live strategy list) are not breakers
        rows = [b for b in controls.breakers() if not is_strategy_halt(b.name)]
    if not rows:
        typer.echo("no breaker has tripped on this store")
    for row in rows:
        typer.echo(breaker_line(row))
