"""``tradecore-live``: operate a strategy against a broker (paper, live or dry-run)."""

from __future__ import annotations

import typer

import tradecore

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
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_version, help="Print the version."
    ),
) -> None:
    """Operate tradecore against a broker."""


@app.command()
def version() -> None:
    """Print the installed tradecore version."""
    typer.echo(f"tradecore {tradecore.__version__}")


def main() -> None:
    """Console-script entry point."""
    app()
