"""``--log-format text|json`` and ``-v``/``-q``: how both apps' log lines look.

The root callback of each app calls :func:`configure_cli_logging` once per
invocation: one handler on the root logger, text on a terminal and JSON lines
otherwise (a supervisor or a log shipper reads them), secrets redacted by the
filter of :mod:`tradecore.adapters.logging_json` either way. Verbosity moves the
levels: by default tradecore's own loggers speak at INFO and libraries only at
WARNING; ``-v`` adds tradecore's DEBUG and libraries' INFO, ``-vv`` everything,
``-q`` only warnings and errors.

``tradecore-live run`` installs its own handler to scrub the run's secret values
(:func:`live_log_handler`); it takes the CLI's format and level and replaces the
root callback's handler, so no line is written twice.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Literal, TextIO

import attrs
import typer

from tradecore.adapters.logging_json import FORMATTERS, configure_json_logging

#: tradecore's logger namespace (its level differs from the libraries').
TRADECORE_LOGGER = "tradecore"

#: ``--log-format`` values (the keys of the adapter's ``FORMATTERS``; a test pins it).
LogFormat = Literal["text", "json"]


@attrs.frozen
class LogChoice:
    """The format and verbosity of this invocation's log lines."""

    fmt: str = attrs.field(validator=attrs.validators.in_(tuple(FORMATTERS)))
    #: ``-v`` count minus one for ``-q``: -1 quiet, 0 default, 1 and 2 verbose.
    verbosity: int = 0

    @property
    def own_level(self) -> int:
        """The level of tradecore's loggers."""
        return _level(self.verbosity, (logging.WARNING, logging.INFO, logging.DEBUG))

    @property
    def library_level(self) -> int:
        """The level of the root logger (every library)."""
        levels = (logging.WARNING, logging.WARNING, logging.INFO, logging.DEBUG)
        return levels[max(0, min(self.verbosity + 1, 3))]


def _level(verbosity: int, levels: Sequence[int]) -> int:
    return levels[max(0, min(verbosity + 1, len(levels) - 1))]


def default_format(stream: TextIO) -> str:
    """Text for a person at a terminal, JSON lines for anything else."""
    isatty = getattr(stream, "isatty", None)
    return "text" if callable(isatty) and isatty() else "json"


class _Installed:
    """The handler the current invocation installed (one process, one command)."""

    choice: LogChoice | None = None
    handler: logging.Handler | None = None
    saved: tuple[int, int] = (logging.WARNING, logging.NOTSET)


def configure_cli_logging(
    fmt: str | None, verbose: int, quiet: bool, stream: TextIO | None = None
) -> LogChoice:
    """Install this invocation's log handler (replacing an earlier one).

    Args:
        fmt: ``text``, ``json``, or ``None`` for :func:`default_format`.
        verbose: how many ``-v`` were given.
        quiet: ``-q`` was given (wins over ``-v``).
        stream: where lines go (default: standard error).
    """
    remove_cli_logging()
    out = stream or sys.stderr
    choice = LogChoice(fmt or default_format(out), -1 if quiet else verbose)
    root, own = logging.getLogger(), logging.getLogger(TRADECORE_LOGGER)
    _Installed.saved = (root.level, own.level)
    _Installed.handler = configure_json_logging(
        level=choice.library_level, stream=out, fmt=choice.fmt
    )
    own.setLevel(choice.own_level)
    _Installed.choice = choice
    return choice


def remove_cli_logging() -> None:
    """Remove the handler :func:`configure_cli_logging` installed, restore levels."""
    if _Installed.handler is None:
        return
    root = logging.getLogger()
    root.removeHandler(_Installed.handler)
    root.setLevel(_Installed.saved[0])
    logging.getLogger(TRADECORE_LOGGER).setLevel(_Installed.saved[1])
    _Installed.handler = None
    _Installed.choice = None


def live_log_handler(secrets: Sequence[str]) -> logging.Handler:
    """The live run's handler: the CLI's format, every library's INFO by default
    (``-q``: warnings only; ``-vv``: debug), this run's secret values scrubbed.

    It replaces the root callback's handler for the rest of the command; without
    one (a caller in-process, not through the CLI) it writes JSON at INFO, as the
    live run always did.
    """
    choice = _Installed.choice
    if _Installed.handler is not None:
        logging.getLogger().removeHandler(_Installed.handler)
    fmt = "json" if choice is None else choice.fmt
    verbosity = 0 if choice is None else choice.verbosity
    level = _level(
        verbosity, (logging.WARNING, logging.INFO, logging.INFO, logging.DEBUG)
    )
    handler = configure_json_logging(level=level, secrets=secrets, fmt=fmt)
    if choice is not None:
        _Installed.handler = handler
    return handler


def start_cli_logging(
    ctx: typer.Context, fmt: str | None, verbose: int, quiet: bool
) -> None:
    """The root callbacks' part: install the handler for this command, and remove
    it when the command's context closes (an in-process runner goes on clean)."""
    if ctx.resilient_parsing:
        return
    configure_cli_logging(fmt, verbose, quiet)
    ctx.call_on_close(remove_cli_logging)


#: The root options both apps share (``tradecore-replay`` and ``tradecore-live``).
LOG_FORMAT_HELP = "Log lines as text or JSON (default: text on a terminal, else json)."
VERBOSE_HELP = "More log lines (-vv: every library's debug lines too)."
QUIET_HELP = "Only warnings and errors in the log."
