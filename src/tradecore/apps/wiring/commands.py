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
from collections.abc import Callable, Collection, Mapping, Sequence

import typer

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
