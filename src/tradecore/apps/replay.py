"""``tradecore-replay``: deterministic replays, backtests and research tools."""

from __future__ import annotations

import typer

import tradecore

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


@app.command()
def version() -> None:
    """Print the installed tradecore version."""
    typer.echo(f"tradecore {tradecore.__version__}")


def main() -> None:
    """Console-script entry point."""
    app()
