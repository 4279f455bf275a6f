"""Cache files written whole or not at all, never failing the run that writes them.

A cache (calendar schedules, attrs' compiled methods) only saves time: a reader
that finds a half-written file, or a folder it cannot write, must fall back to
computing, never fail. So a file is written under a temporary name in its own
folder and renamed into place (atomic on POSIX and Windows), and an ``OSError`` is
logged at debug level and swallowed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_cache_file(
    path: Path, write: Callable[[IO[bytes]], object], log: logging.Logger, what: str
) -> None:
    """Write ``path`` with ``write(handle)`` atomically; a failure is logged as
    ``what`` on ``log`` and never raised."""
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp", delete=False
        ) as handle:
            temporary = Path(handle.name)
            write(handle)
        os.replace(temporary, path)
    except OSError as e:
        log.debug("%s %s not written: %s", what, path, e)
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
