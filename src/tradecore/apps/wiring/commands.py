"""Console apps that import only the command being run.

Each subcommand module pulls in what its command needs (the emulator aiohttp, parity
the live app, TCA and reports their readers, the live run the broker adapters).
Importing all of them to run one cost a replay most of a second of start-up, so the
apps name their commands in a table of registration functions that import lazily,
and :func:`commands_to_register` reads the command line to pick one. Shell
completion and anything unrecognised register every command, so click's own errors
stay as they were. The app's own help (``--help``, no arguments) and ``--version``
need only each command's name and summary: they get a listing app of placeholders
built from the :class:`Summary` table, and import no command module.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import NamedTuple

import typer

from tradecore.apps.wiring.attrs_code_cache import cached_attrs_code
from tradecore.apps.wiring.blas_threads import one_blas_thread
from tradecore.apps.wiring.cli_app import CliTyper

#: Adds one command (or command group) to the app, importing its module on the way.
Register = Callable[[typer.Typer], None]

#: Root options that answer without running a command.
ROOT_ANSWERS = ("-h", "--help", "--version")


class Summary(NamedTuple):
    """What the app's help lists for one command, known without importing it."""

    #: The first paragraph of the command's help, on one line.
    text: str
    #: A command group (``add_typer``): typer lists groups after plain commands.
    group: bool = False


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
    if os.environ.get(_completion_variable(prog_name)):
        return commands
    arguments = iter(argv)
    for argument in arguments:
        if argument in value_options:
            next(arguments, None)
        elif not argument.startswith("-"):
            return (argument,) if argument in commands else commands
    return commands


def lists_commands_only(
    argv: Sequence[str], *, value_options: Collection[str] = (), prog_name: str
) -> bool:
    """Whether ``argv`` asks only for the app's own help or version.

    True for no arguments (the app then prints its help), or root options among
    which ``-h``, ``--help`` or ``--version`` and no command; never while the shell
    completes (it needs every command's options).
    """
    if os.environ.get(_completion_variable(prog_name)):
        return False
    arguments = iter(argv)
    answers = not argv
    for argument in arguments:
        if argument in value_options:
            next(arguments, None)
        elif not argument.startswith("-"):
            return False
        answers = answers or argument in ROOT_ANSWERS
    return answers


def _completion_variable(prog_name: str) -> str:
    """Click's shell-completion variable, ``_TRADECORE_REPLAY_COMPLETE``."""
    return f"_{prog_name.replace('-', '_').upper()}_COMPLETE"


def register_commands(
    app: typer.Typer, table: Mapping[str, Register], names: Collection[str]
) -> None:
    """Register the commands of ``table`` that are in ``names``, in table order."""
    for name, register in table.items():
        if name in names:
            register(app)


def register_placeholders(app: typer.Typer, summaries: Mapping[str, Summary]) -> None:
    """Register a placeholder per command: its name and summary, nothing imported."""
    for name, summary in summaries.items():
        if summary.group:
            app.add_typer(CliTyper(help=summary.text), name=name)
        else:
            app.command(name, help=summary.text)(_placeholder)


@contextmanager
def imports_without_collection() -> Iterator[None]:
    """Import a command's modules with the cyclic garbage collector paused, then
    freeze what they built.

    Importing a replay's ~870 modules builds long-lived objects (modules, functions,
    classes, SQLAlchemy's and attrs' generated code) and little garbage, yet the
    collector ran about 180 times while they were built (once over everything), and
    the replay's own collections scanned them again: about 0.3 s of a 1 s start-up.
    Paused, the imports leave about 7,600 objects of cyclic garbage, kept for the
    process's life (about 2 MB more peak memory). ``gc.freeze`` moves what they
    built to the permanent generation, so the run's own collections (and the
    replay's explicit one before its report) scan only what the run allocates. A
    console process owns its interpreter, so only the console entry point does
    this; a collector the caller had disabled stays disabled.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _placeholder() -> None:
    """Stands for a command in the app's help; the real command replaces it to run."""
    raise AssertionError("a help listing's placeholder was run")


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
        summaries: Mapping[str, Summary],
        *,
        value_options: Collection[str] = (),
        single_threaded: Collection[str] = (),
    ) -> None:
        """Name the app, its root callback, its command table, their summaries (same
        keys, same order), the root options that take a value and the commands
        that run on one thread (they get one BLAS thread: :func:`one_blas_thread`)."""
        if list(summaries) != list(table):
            raise ValueError("summaries must name the table's commands, in order")
        self._prog_name = prog_name
        self._help = help_text
        self._root = root
        self._table = table
        self._summaries = summaries
        self._value_options = value_options
        self._single_threaded = frozenset(single_threaded)
        self._full: typer.Typer | None = None

    def build(self, names: Collection[str] | None = None) -> typer.Typer:
        """Return the app with the commands ``names`` (default: all) and ``version``."""
        app = self._root_app()
        register_commands(app, self._table, self._table if names is None else names)
        app.command()(version)
        return app

    def build_listing(self) -> typer.Typer:
        """Return the app with a placeholder per command: its help lists every
        command as the whole app's does, without importing any command module."""
        app = self._root_app()
        register_placeholders(app, self._summaries)
        app.command()(version)
        return app

    def _root_app(self) -> typer.Typer:
        app = CliTyper(
            name=self._prog_name,
            help=self._help,
            no_args_is_help=True,
        )
        app.callback()(self._root)
        return app

    def main(self, argv: Sequence[str] | None = None) -> None:
        """Console-script entry point: build only what ``argv`` runs, then run it."""
        args = sys.argv[1:] if argv is None else list(argv)
        if lists_commands_only(
            args, value_options=self._value_options, prog_name=self._prog_name
        ):
            self.build_listing()(args=args)
            return
        names = commands_to_register(
            args,
            tuple(self._table),
            value_options=self._value_options,
            prog_name=self._prog_name,
        )
        if len(names) == 1 and not self._single_threaded.isdisjoint(names):
            one_blas_thread()  # before the command's imports load NumPy
        with imports_without_collection(), cached_attrs_code(self._cache_name(names)):
            app = self.build(names)
        app(args=args)

    def _cache_name(self, names: Collection[str]) -> str:
        """The name of the attrs code cache of a run of ``names``: the app and the
        command (``tradecore-replay-run``), or ``all`` when every one is built."""
        command = next(iter(names)) if len(names) == 1 else "all"
        return f"{self._prog_name}-{command}"

    def full(self) -> typer.Typer:
        """The whole app, built (and every command module imported) once."""
        if self._full is None:
            self._full = self.build()
        return self._full
