"""``tradecore-live``: operate a strategy against a broker (paper, live or dry-run).

The console script builds an app holding only the command it runs (see
:mod:`tradecore.apps.wiring.commands`): ``tradecore-live db upgrade`` imports neither
the trading loop nor alpaca-py. ``app`` (``from tradecore.apps.live.main import app``)
is the whole app, built on first access.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tradecore.apps.wiring.cli_logging import (
    LOG_FORMAT_HELP,
    QUIET_HELP,
    VERBOSE_HELP,
    LogFormat,
    start_cli_logging,
)
from tradecore.apps.wiring.commands import (
    LazyApp,
    Register,
    Summary,
    print_version,
)

PROG_NAME = "tradecore-live"
#: Root options that take a value (not a command name).
VALUE_OPTIONS = ("--config", "--database-url", "--log-format")


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
    """Operate tradecore against a broker."""
    # Imported here, not at the top: help and --version need no store wiring.
    from tradecore.apps.wiring.context import CliContext

    start_cli_logging(ctx, log_format, verbose, quiet)
    if ctx.obj is None:
        ctx.obj = CliContext(config_path=config, database_url=database_url)


def _init(app: typer.Typer) -> None:
    from tradecore.apps.live import init

    app.command("init")(init.init)


def _db(app: typer.Typer) -> None:
    from tradecore.apps.ops import db

    app.add_typer(db.app, name="db")


def _audit(app: typer.Typer) -> None:
    from tradecore.apps.ops import audit

    app.add_typer(audit.app, name="audit")


def _config(app: typer.Typer) -> None:
    from tradecore.apps.ops import config

    app.add_typer(config.app, name="config")


def _state(app: typer.Typer) -> None:
    from tradecore.apps.ops import state

    app.add_typer(state.state_app, name="state")


def _breaker(app: typer.Typer) -> None:
    from tradecore.apps.ops import breaker

    app.add_typer(breaker.breaker_app, name="breaker")


def _strategy(app: typer.Typer) -> None:
    from tradecore.apps.ops import strategy_halt

    app.add_typer(strategy_halt.strategy_app, name="strategy")


def _kill(app: typer.Typer) -> None:
    from tradecore.apps.ops import kill

    app.command("kill")(kill.kill)


def _status(app: typer.Typer) -> None:
    from tradecore.apps.ops import status

    app.command("status")(status.status)


def _run(app: typer.Typer) -> None:
    from tradecore.apps.live import run

    app.command("run")(run.run)


def _reconcile(app: typer.Typer) -> None:
    from tradecore.apps.ops import reconcile

    app.command("reconcile")(reconcile.reconcile)


def _tca(app: typer.Typer) -> None:
    from tradecore.apps.ops import tca

    app.command("tca")(tca.live_tca)


def _books(app: typer.Typer) -> None:
    from tradecore.apps.ops import books

    app.add_typer(books.app, name="books")


def _cost_model(app: typer.Typer) -> None:
    from tradecore.apps.ops import cost_model

    app.add_typer(cost_model.app, name="cost-model")


def _console(app: typer.Typer) -> None:
    from tradecore.apps.console import cli

    app.add_typer(cli.console_app, name="console")


def _model(app: typer.Typer) -> None:
    from tradecore.apps.live import model_cli

    app.add_typer(model_cli.app, name="model")


def _secrets(app: typer.Typer) -> None:
    from tradecore.apps.ops import secrets

    app.add_typer(secrets.app, name="secrets")


#: Every command, in the order help lists them; each imports its module when added.
COMMANDS: dict[str, Register] = {
    "init": _init,
    "db": _db,
    "audit": _audit,
    "config": _config,
    "state": _state,
    "breaker": _breaker,
    "strategy": _strategy,
    "kill": _kill,
    "status": _status,
    "run": _run,
    "reconcile": _reconcile,
    "tca": _tca,
    "books": _books,
    "cost-model": _cost_model,
    "secrets": _secrets,
    "model": _model,
    "console": _console,
}


#: What the app's help lists for each command (tests hold it to each command's help).
SUMMARIES: dict[str, Summary] = {
    "init": Summary(
        "Write a commented configuration for paper trading (emulator or Alpaca paper)."
    ),
    "db": Summary(
        "Database schema: upgrade, downgrade, show the current revision.", group=True
    ),
    "audit": Summary("The append-only audit log.", group=True),
    "config": Summary("The effective configuration.", group=True),
    "state": Summary(
        "The trading state shared by every process on the store.", group=True
    ),
    "breaker": Summary("Circuit breakers.", group=True),
    "strategy": Summary(
        "Halt or resume one strategy of a running portfolio.", group=True
    ),
    "kill": Summary(
        "Halt trading (persisted first), cancel every open order, optionally flatten."
    ),
    "status": Summary(
        "Show the trading state, breakers, open orders, positions and today's P&L."
    ),
    "run": Summary(
        "Trade a strategy on the live path over recorded bars or Alpaca's data."
    ),
    "reconcile": Summary(
        "Reconcile open intents, outcomes and positions with the broker."
    ),
    "tca": Summary(
        "Print TCA rollups of one session day's orders in the configured store."
    ),
    "books": Summary(
        "The books: tax lots, wash sales, the day's blotter and P&L, Form 8949.",
        group=True,
    ),
    "cost-model": Summary(
        "Cost-model versions: calibrate from a day's fills, show the latest.",
        group=True,
    ),
    "secrets": Summary("Encrypted secrets (API keys) for tradecore-live.", group=True),
    "model": Summary(
        "The model registry: register, promote, roll back and list models.",
        group=True,
    ),
    "console": Summary(
        "The operator console: a web page to watch the account and act on it.",
        group=True,
    ),
}


CLI = LazyApp(
    PROG_NAME,
    "Operate tradecore against a broker: state, controls, store maintenance.",
    _root,
    COMMANDS,
    SUMMARIES,
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
