"""``tradecore-replay``: deterministic replays, backtests and research tools.

The console script builds an app holding only the command it runs (see
:mod:`tradecore.apps.wiring.commands`): ``tradecore-replay run`` never imports the
emulator, parity or TCA modules. ``app`` (``from tradecore.apps.replay.main import
app``) is the whole app, built on first access.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Sequence

import typer

import tradecore
from tradecore.apps.wiring.commands import (
    Register,
    commands_to_register,
    register_commands,
)

PROG_NAME = "tradecore-replay"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tradecore {tradecore.__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_version, help="Print the version."
    ),
) -> None:
    """Deterministic replays and backtests."""


def version() -> None:
    """Print the installed tradecore version."""
    typer.echo(f"tradecore {tradecore.__version__}")


def _manifest(app: typer.Typer) -> None:
    from tradecore.apps.replay import manifest

    manifest.register(app)


def _keys(app: typer.Typer) -> None:
    from tradecore.apps.replay import keys

    keys.register(app)


def _run(app: typer.Typer) -> None:
    from tradecore.apps.replay import run

    app.command()(run.run)


def _emulator(app: typer.Typer) -> None:
    from tradecore.apps.replay import emulator

    app.command()(emulator.emulator)


def _tca(app: typer.Typer) -> None:
    from tradecore.apps.ops import tca

    app.command("tca")(tca.replay_tca)


def _parity(app: typer.Typer) -> None:
    from tradecore.apps.replay import parity

    app.command()(parity.parity)


#: Every command, in the order help lists them; each imports its module when added.
COMMANDS: dict[str, Register] = {
    "manifest": _manifest,
    "keys": _keys,
    "run": _run,
    "emulator": _emulator,
    "tca": _tca,
    "parity": _parity,
}


def build_app(commands: Collection[str] = tuple(COMMANDS)) -> typer.Typer:
    """Return the app with ``commands`` (default: all) and ``version``."""
    app = typer.Typer(
        name=PROG_NAME,
        help="Deterministic replays and backtests of tradecore strategies.",
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    register_commands(app, COMMANDS, commands)
    app.command()(version)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: build only what ``argv`` runs, then run it."""
    args = sys.argv[1:] if argv is None else list(argv)
    commands = commands_to_register(args, tuple(COMMANDS), prog_name=PROG_NAME)
    build_app(commands)(args=args)


_full_app: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole app, built (and its command modules imported) on first use."""
    global _full_app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _full_app is None:
        _full_app = build_app()
    return _full_app


if __name__ == "__main__":
    main()
