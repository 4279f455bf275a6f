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
from tradecore.apps.wiring.commands import (
    LazyApp,
    Register,
    Summary,
    print_version,
)

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


#: What the app's help lists for each command (tests hold it to each command's help).
SUMMARIES: dict[str, Summary] = {
    "manifest": Summary(
        "Sign and verify manifests (what a model or parameter set was made from).",
        group=True,
    ),
    "keys": Summary("Ed25519 signing keys.", group=True),
    "run": Summary(
        "Replay a strategy over bar data; write a report folder and a signed manifest."
    ),
    "emulator": Summary(
        "Serve Alpaca's v2 trading API and trade-updates stream, backed by the "
        "simulator."
    ),
    "data": Summary(
        "A local Parquet lake of market data: fetch, list, verify.", group=True
    ),
    "train": Summary(
        "Train a model on point-in-time features; write a signed model directory."
    ),
    "tca": Summary(
        "Print TCA rollups of a replay (by symbol, day, policy and strategy)."
    ),
    "parity": Summary(
        "Run live (emulator, paper) and replay over the same bars; compare; report."
    ),
    "divergence": Summary(
        "Replay a live session's recorded bars; report where live differed and why."
    ),
    "sweep": Summary(
        "Sweep a strategy's parameters; write sweep.csv, sweep.json and heatmap.html."
    ),
    "walkforward": Summary(
        "Walk-forward optimisation: in-sample sweeps, out-of-sample trading."
    ),
    "leakage": Summary(
        "Check a strategy (or, with --features, a feature set) for look-ahead: PASS, "
        "or the first bar and symbol that used the future (exit 3)."
    ),
    "regimes": Summary(
        "Fit regimes on past data only (a Gaussian HMM, filtered probabilities) and "
        "write them with their persistence, transition matrix, fits and a page."
    ),
    "promote": Summary(
        "Re-run a replay under many seeds (and stress), check it for leakage, and "
        "promote it only if every criterion of the promotion section holds."
    ),
    "rl": Summary(
        "Reinforcement learning on the simulator: train and judge policies.",
        group=True,
    ),
}


CLI = LazyApp(
    PROG_NAME,
    "Deterministic replays and backtests of tradecore strategies.",
    _root,
    COMMANDS,
    SUMMARIES,
    value_options=VALUE_OPTIONS,
    single_threaded=("run",),
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
