"""``tradecore-replay``: deterministic replays, backtests and research tools."""

from __future__ import annotations

import typer

import tradecore
from tradecore.apps.ops import tca as cli_tca
from tradecore.apps.replay import emulator as cli_emulator
from tradecore.apps.replay import keys as cli_keys
from tradecore.apps.replay import manifest as cli_manifest
from tradecore.apps.replay import parity as cli_parity
from tradecore.apps.replay import run as cli_run

app = typer.Typer(
    name="tradecore-replay",
    help="Deterministic replays and backtests of tradecore strategies.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tradecore {tradecore.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_version, help="Print the version."
    ),
) -> None:
    """Deterministic replays and backtests."""


cli_manifest.register(app)
cli_keys.register(app)


app.command()(cli_run.run)
app.command()(cli_emulator.emulator)
app.command("tca")(cli_tca.replay_tca)
app.command()(cli_parity.parity)


@app.command()
def version() -> None:
    """Print the installed tradecore version."""
    typer.echo(f"tradecore {tradecore.__version__}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
