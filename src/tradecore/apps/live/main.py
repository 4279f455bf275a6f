"""``tradecore-live``: operate a strategy against a broker (paper, live or dry-run)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import tradecore
from tradecore.apps.live import run as cli_run
from tradecore.apps.ops import audit as cli_audit
from tradecore.apps.ops import breaker as cli_breaker
from tradecore.apps.ops import config as cli_config
from tradecore.apps.ops import cost_model as cli_cost_model
from tradecore.apps.ops import db as cli_db
from tradecore.apps.ops import kill as cli_kill
from tradecore.apps.ops import reconcile as cli_reconcile
from tradecore.apps.ops import secrets as cli_secrets
from tradecore.apps.ops import state as cli_state
from tradecore.apps.ops import status as cli_status
from tradecore.apps.ops import tca as cli_tca
from tradecore.apps.wiring.context import CliContext

app = typer.Typer(
    name="tradecore-live",
    help="Operate tradecore against a broker: state, controls, store maintenance.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tradecore {tradecore.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML configuration file.")
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Database URL (sqlite:///file.db or postgresql+psycopg://...); "
            "also TRADECORE_DATABASE_URL or [store] url in the config file.",
        ),
    ] = None,
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_version, help="Print the version."
    ),
) -> None:
    """Operate tradecore against a broker."""
    if ctx.obj is None:
        ctx.obj = CliContext(config_path=config, database_url=database_url)


app.add_typer(cli_db.app, name="db")
app.add_typer(cli_audit.app, name="audit")
app.add_typer(cli_config.app, name="config")
app.add_typer(cli_state.state_app, name="state")
app.add_typer(cli_breaker.breaker_app, name="breaker")
app.command("kill")(cli_kill.kill)
app.command("status")(cli_status.status)
app.command("run")(cli_run.run)
app.command("reconcile")(cli_reconcile.reconcile)
app.command("tca")(cli_tca.live_tca)
app.add_typer(cli_cost_model.app, name="cost-model")
app.add_typer(cli_secrets.app, name="secrets")


@app.command()
def version() -> None:
    """Print the installed tradecore version."""
    typer.echo(f"tradecore {tradecore.__version__}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
