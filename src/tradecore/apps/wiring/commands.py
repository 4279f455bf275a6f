"""Console apps that import only the command being run.

Each subcommand module pulls in what its command needs (the emulator aiohttp, parity
the live app, TCA and reports their readers, the live run the broker adapters).
Importing all of them to run one cost a replay most of a second of start-up, so the
apps name their commands in a table of registration functions that import lazily,
and :func:`commands_to_register` reads the command line to pick one. Help, the
version flag, shell completion and anything unrecognised register every command,
so help lists them all and click's own errors stay as they were.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection, Mapping, Sequence

import typer

from tradecore.apps.wiring.cli_app import CliTyper

#: Adds one command (or command group) to the app, importing its module on the way.
Register = Callable[[typer.Typer], None]


def commands_to_register(
    argv: Sequence[str],
    commands: Collection[str],
    *,
    value_options: Collection[str] = (),
    prog_name: str,
) -> Collection[str]:
    """Return the commands the app must know to run ``argv``: one, or all of them.

    Args:
        argv: the arguments after the program name.
        commands: every command name, in help order.
        value_options: root options that take a value (``--config FILE``): their
            value is not a command name.
        prog_name: the console script's name, which names click's completion
            variable (``_TRADECORE_REPLAY_COMPLETE``).
    """
    if os.environ.get(f"_{prog_name.replace('-', '_').upper()}_COMPLETE"):
        return commands
    arguments = iter(argv)
    for argument in arguments:
        if argument in value_options:
            next(arguments, None)
        elif not argument.startswith("-"):
            return (argument,) if argument in commands else commands
    return commands


def register_commands(
    app: typer.Typer, table: Mapping[str, Register], names: Collection[str]
) -> None:
    """Register the commands of ``table`` that are in ``names``, in table order."""
    for name, register in table.items():
        if name in names:
            register(app)


def print_version(value: bool) -> None:
    """The root ``--version`` option's callback: print the version and stop."""
    if value:
        version()
        raise typer.Exit()


def version() -> None:
    """Print the installed tradecore version (the distribution's metadata: importing
    the ``tradecore`` package from here would reach up into the replay app)."""
    from importlib.metadata import version as installed_version

    typer.echo(f"tradecore {installed_version('tradecore')}")


class LazyApp:
    """A console app built from a command table, whole or with the one command run.

    ``main`` is the console script; :meth:`full` is the whole app (what tests and
    ``from ... import app`` get), built once on first use.
    """

    def __init__(
        self,
        prog_name: str,
        help_text: str,
        root: Callable[..., None],
        table: Mapping[str, Register],
        *,
        value_options: Collection[str] = (),
    ) -> None:
        """Name the app, its root callback, its command table and value options."""
        self._prog_name = prog_name
        self._help = help_text
        self._root = root
        self._table = table
        self._value_options = value_options
        self._full: typer.Typer | None = None

    def build(self, names: Collection[str] | None = None) -> typer.Typer:
        """Return the app with the commands ``names`` (default: all) and ``version``."""
        app = CliTyper(
            name=self._prog_name,
            help=self._help,
            no_args_is_help=True,
        )
        app.callback()(self._root)
        register_commands(app, self._table, self._table if names is None else names)
        app.command()(version)
        return app

    def main(self, argv: Sequence[str] | None = None) -> None:
        """Console-script entry point: build only what ``argv`` runs, then run it."""
        args = sys.argv[1:] if argv is None else list(argv)
        names = commands_to_register(
            args,
            tuple(self._table),
            value_options=self._value_options,
            prog_name=self._prog_name,
        )
        self.build(names)(args=args)

    def full(self) -> typer.Typer:
        """The whole app, built (and every command module imported) once."""
        if self._full is None:
            self._full = self.build()
        return self._full
