"""A progress bar for long runs (replays, sweeps) that knows where it is drawn.

Why rich.progress (a maintained library, already installed with typer) rather than a
hand-drawn ``\\r`` bar: it draws a live bar in a terminal and in Jupyter, redraws at
a bounded rate (a replay reports every bar), and is silent when stderr is a file or
a pipe (CI logs, ``2> log``) instead of filling it with carriage returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

#: ``update(done, total)``: report that ``done`` of ``total`` units are finished.
Update = Callable[[int, int], None]


def _ignore(done: int, total: int) -> None:
    """The update of a hidden bar."""


def shows_progress(file: IO[str] | None = None) -> bool:
    """Whether a bar would be drawn: stderr (or ``file``) is a terminal, or Jupyter."""
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
    console = Console(file=file, stderr=file is None)
    if not enabled or not (console.is_terminal or console.is_jupyter):
        yield _ignore
        return
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
