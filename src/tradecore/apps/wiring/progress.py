"""A progress bar for long runs (replays, sweeps) that knows where it is drawn.

Why rich.progress (a maintained library, already installed with typer) rather than a
hand-drawn ``\\r`` bar: it draws a live bar in a terminal and in Jupyter, redraws at
a bounded rate (a replay reports every bar), and is silent when stderr is a file or
a pipe (CI logs, ``2> log``) instead of filling it with carriage returns.

rich is imported only when a bar might be drawn: importing it costs a short replay
about 20 ms of its start-up, and a run whose stderr is a file or a pipe, or whose bar
is turned off, never needs it (:func:`_may_draw`).
"""

from __future__ import annotations

import builtins
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

#: Environment variables with which rich treats any output as a terminal.
_FORCING_VARIABLES = ("FORCE_TERMINAL", "TTY_COMPATIBLE", "FORCE_COLOR")

#: ``update(done, total)``: report that ``done`` of ``total`` units are finished.
Update = Callable[[int, int], None]


def _ignore(done: int, total: int) -> None:
    """The update of a hidden bar."""


def _may_draw(file: IO[str] | None) -> bool:
    """False only when rich would surely draw nothing: the output is no terminal,
    nothing forces one, and no IPython shell (Jupyter) is running."""
    if hasattr(builtins, "get_ipython") or any(map(os.environ.get, _FORCING_VARIABLES)):
        return True
    isatty = getattr(sys.stderr if file is None else file, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed file
        return False


def shows_progress(file: IO[str] | None = None) -> bool:
    """Whether a bar would be drawn: stderr (or ``file``) is a terminal, or Jupyter."""
    if not _may_draw(file):
        return False
    from rich.console import Console

    console = Console(file=file, stderr=file is None)
    return console.is_terminal or console.is_jupyter


@contextmanager
def progress_bar(
    description: str, *, enabled: bool = True, file: IO[str] | None = None
) -> Iterator[Update]:
    """Yield an ``update(done, total)`` drawing a live bar on stderr (or ``file``).

    Nothing is drawn (the update does nothing) when ``enabled`` is false or the
    output is neither a terminal nor Jupyter.
    """
    if not enabled or not shows_progress(file):
        yield _ignore
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(file=file, stderr=file is None)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
