"""``tradecore-replay``: deterministic replays, backtests and research tools.

The console script builds an app holding only the command it runs (see
:mod:`tradecore.apps.wiring.commands`): ``tradecore-replay run`` never imports the
emulator, parity or TCA modules. ``app`` (``from tradecore.apps.replay.main import
app``) is the whole app, built on first access.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tradecore.apps.wiring.cli_logging import (
    LOG_FORMAT_HELP,
    QUIET_HELP,
    VERBOSE_HELP,
    LogFormat,
    start_cli_logging,
)
from tradecore.apps.wiring.commands import LazyApp, Register, print_version

PROG_NAME = "tradecore-replay"
#: Root options that take a value (not a command name).
VALUE_OPTIONS = ("--log-format",)


def _root(
    ctx: typer.Context,
    log_format: Annotated[
        LogFormat | None,
        typer.Option("--log-format", help=LOG_FORMAT_HELP, show_default=False),
    ] = None,
    verbose: Annotated[
        int,
        typer.Option(
            "-v", "--verbose", count=True, help=VERBOSE_HELP, show_default=False
        ),
    ] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help=QUIET_HELP)] = False,
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=print_version,
        help="Print the version.",
    ),
) -> None:
    """Deterministic replays and backtests."""
    start_cli_logging(ctx, log_format, verbose, quiet)


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


def _train(app: typer.Typer) -> None:
    from tradecore.apps.replay import train

    app.command()(train.train)


def _data(app: typer.Typer) -> None:
    from tradecore.apps.replay import data

    data.register(app)


def _tca(app: typer.Typer) -> None:
    from tradecore.apps.ops import tca

    app.command("tca")(tca.replay_tca)


def _parity(app: typer.Typer) -> None:
    from tradecore.apps.replay import parity

    app.command()(parity.parity)


def _divergence(app: typer.Typer) -> None:
    from tradecore.apps.replay import divergence

    app.command()(divergence.divergence)


def _sweep(app: typer.Typer) -> None:
    from tradecore.apps.replay import sweep

    app.command()(sweep.sweep)


def _walkforward(app: typer.Typer) -> None:
    from tradecore.apps.replay import walkforward

    app.command()(walkforward.walkforward)


def _leakage(app: typer.Typer) -> None:
    from tradecore.apps.replay import leakage

    app.command()(leakage.leakage)


def _regimes(app: typer.Typer) -> None:
    from tradecore.apps.replay import regimes

    app.command()(regimes.regimes)


def _promote(app: typer.Typer) -> None:
    from tradecore.apps.replay import promote

    app.command()(promote.promote)


def _rl(app: typer.Typer) -> None:
    from tradecore.apps.replay import rl_train

    rl_train.register(app)


#: Every command, in the order help lists them; each imports its module when added.
COMMANDS: dict[str, Register] = {
    "manifest": _manifest,
    "keys": _keys,
    "run": _run,
    "emulator": _emulator,
    "data": _data,
    "train": _train,
    "tca": _tca,
    "parity": _parity,
    "divergence": _divergence,
    "sweep": _sweep,
    "walkforward": _walkforward,
    "leakage": _leakage,
    "regimes": _regimes,
    "promote": _promote,
    "rl": _rl,
}


CLI = LazyApp(
    PROG_NAME,
    "Deterministic replays and backtests of tradecore strategies.",
    _root,
    COMMANDS,
    value_options=VALUE_OPTIONS,
)
build_app = CLI.build
main = CLI.main


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole app, built (and its command modules imported) on first use."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return CLI.full()


if __name__ == "__main__":
    main()
