"""``tradecore-live cost-model``: the live end of the calibration loop.

``calibrate --date D`` measures the implementation shortfall of day D's orders in
the configured store, moves the per-symbol impact coefficients by the bounded EWMA
and stores the result as a new cost-model version (naming its parent and the fills
it used); the next ``run`` with ``[execution] enabled`` pins it as the latest.
``show`` prints the version a run would pin now.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from tradecore.apps.ops.tca import live_calendar
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.context import open_configured_store
from tradecore.apps.wiring.cost_models import resolve_pinned
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.errors import ConfigurationError
from tradecore.services.execution.tca_store import calibrate_from_store

app = CliTyper(
    help="Cost-model versions: calibrate from a day's fills, show the latest.",
    no_args_is_help=True,
)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"--date {text!r}: expected YYYY-MM-DD") from None


@app.command()
def calibrate(
    ctx: typer.Context,
    day: Annotated[
        str, typer.Option("--date", help="Session day, YYYY-MM-DD.", show_default=False)
    ],
) -> None:
    """Fit and store the next cost-model version from one day's fills."""
    with cli_errors():
        session = _day(day)
        store = open_configured_store(ctx)
        try:
            pinned = resolve_pinned(store)
            with store.unit_of_work() as uow:
                version = calibrate_from_store(
                    uow,
                    pinned.params,
                    created_at=datetime.now(UTC),
                    session_date=session,
                    calendar=live_calendar(),
                    note=f"calibrated from {session}",
                )
                uow.commit()
        finally:
            store.close()
        if version is None:
            typer.echo(
                f"no filled orders on {session}: version {pinned.version_hash} stays"
            )
            return
        typer.echo(
            f"stored cost-model version {version.version_hash} (parent "
            f"{pinned.version_hash}, {len(version.fills_used)} fills)"
        )


@app.command()
def show(ctx: typer.Context) -> None:
    """Print the cost-model version a run would pin now (latest, else the prior)."""
    with cli_errors():
        store = open_configured_store(ctx)
        try:
            pinned = resolve_pinned(store)
        finally:
            store.close()
        typer.echo(f"version: {pinned.version_hash} ({pinned.source})")
        typer.echo(json.dumps(pinned.params.to_dict(), indent=2, sort_keys=True))
