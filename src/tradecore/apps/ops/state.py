"""``tradecore-live state set|show``: the trading state every process on the store obeys."""

from __future__ import annotations

from typing import Annotated

import typer

from tradecore.apps.ops.controls import Reason, opened
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.risk.trading_state import TradingState

state_app = CliTyper(
    help="The trading state shared by every process on the store.",
    no_args_is_help=True,
)


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
    with cli_errors(), opened(ctx) as (_, controls):
        record = controls.set_state(state, reason, force=force)
    typer.echo(f"trading state: {record.state.value.upper()} ({record.reason})")


@state_app.command("show")
def show_state(ctx: typer.Context) -> None:
    """Print the current trading state."""
    with cli_errors(), opened(ctx) as (store, _), store.unit_of_work() as uow:
        record = uow.controls.get_trading_state()
    typer.echo(f"trading state: {record.state.value.upper()} ({record.reason})")
