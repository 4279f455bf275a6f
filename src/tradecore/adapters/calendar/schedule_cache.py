"""An on-disk cache of exchange schedules, so a warm start never imports pandas.

Building an ``exchange_calendars`` calendar imports pandas (about 1 s) and computes the
schedule (about 0.3 s); a replay of a few hundred bars pays that at every start. The
computed arrays — session days, opens, closes (UTC epoch ns) and early-close flags —
are small (36 years of XNYS: ~9,000 sessions, ~250 KiB), so they are stored once per
calendar code and bounds and read back with NumPy alone.

What and where:
    One ``.npz`` file per calendar code, bounds, ``exchange_calendars`` version (and the
    pandas and tzdata versions it computes with) and :data:`FORMAT_VERSION`, in
    ``$TRADECORE_CACHE_DIR/calendars/``, else the platform's user cache folder
    (``~/.cache/tradecore/calendars`` on Linux). A new library version gives a new key,
    so a stale schedule is never read; old files are simply left behind.

How to clear it:
    Delete the ``calendars`` folder (``rm -rf ~/.cache/tradecore/calendars``); the next
    run recomputes and rewrites it.

Failures never fail a run: a folder that cannot be created or written, or a file that
cannot be read, is corrupt or answers another key, means "compute it" (logged at debug
level). Files are written to a temporary name and renamed into place, so a reader
never sees half a file and concurrent writers simply race to the same content.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import numpy as np

from tradecore.adapters.cache_files import write_cache_file

#: Bump when the stored arrays change meaning or layout.
FORMAT_VERSION = 1
#: Environment variable naming the cache folder (its ``calendars`` subfolder is used).
CACHE_DIR_ENV = "TRADECORE_CACHE_DIR"
#: The libraries whose versions decide the computed schedule.
_LIBRARIES = ("exchange_calendars", "pandas", "tzdata")
_ARRAYS = ("days", "opens_ns", "closes_ns", "early_close")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")

log = logging.getLogger(__name__)


class SessionArrays(NamedTuple):
    """A schedule as parallel arrays: epoch days, opens and closes (ns), early flags."""

    days: np.ndarray
    opens_ns: np.ndarray
    closes_ns: np.ndarray
    early_close: np.ndarray


def cache_dir() -> Path:
    """Return the folder of cached schedules (``TRADECORE_CACHE_DIR`` first)."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured) / "calendars"
    import platformdirs  # small, but only the cache needs it

    return Path(platformdirs.user_cache_dir("tradecore", appauthor=False)) / "calendars"


def cache_key(code: str, low: date, high: date) -> str | None:
    """Return the text every cached answer for these inputs must carry.

    ``None`` when ``exchange_calendars``'s version cannot be read (then nothing is
    cached: a key without it could serve a schedule another version computed).
    """
    versions = {name: _version(name) for name in _LIBRARIES}
    if versions["exchange_calendars"] is None:
        return None
    fields = {
        "format": FORMAT_VERSION,
        "code": code,
        "low": low.isoformat(),
        "high": high.isoformat(),
        "versions": versions,
    }
    return json.dumps(fields, sort_keys=True)


def _version(distribution: str) -> str | None:
    """The installed version of ``distribution``, read without importing it.

    Read from the ``Version`` header of its ``METADATA`` file: ``metadata.version``
    parses the whole file with ``email`` (pandas' holds its long description), and
    importing ``email.parser`` and parsing cost about 1% of a short replay's
    instructions. Anything :func:`header_version` is not sure of is left to
    ``metadata.version``'s reading.
    """
    try:
        found = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return None
    version = header_version(found.read_text("METADATA"))
    return found.version if version is None else version


#: A line ``email``'s parser takes as a header (or a header's continuation).
_HEADER_LINE = re.compile(r"From |[\041-\071\073-\176]*:|[\t ]")


def header_version(text: str | None) -> str | None:
    """The first ``Version`` header of a metadata file's header block, as ``email``
    reads it (``email.message_from_string(text)["Version"]``).

    ``None`` when the text has none, or when it is not sure to read it as ``email``
    does: a folded ``Version`` header, or a line before it that is not a header.
    """
    head = (text or "").split("\n\n", 1)[0]  # the header block (and its blank line)
    if not head or "\r" in head:
        return None
    lines = head.split("\n")
    for at, line in enumerate(lines):
        if not line or not _HEADER_LINE.match(line) or line.startswith("From "):
            return None
        if line[:8].lower() == "version:":
            following = lines[at + 1] if at + 1 < len(lines) else ""
            return None if following[:1] in (" ", "\t") else line[8:].lstrip(" \t")
    return None


def cache_file(code: str, key: str) -> Path:
    """Return the file for ``key``: a readable code and a digest of the whole key."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"{_UNSAFE.sub('_', code)}-{digest}.npz"


def load(code: str, key: str) -> SessionArrays | None:
    """Return the cached schedule for ``key``, or ``None`` (missing or unusable)."""
    path = cache_file(code, key)
    if not path.is_file():
        return None
    try:
        # Opened here, not by np.load, which leaks its handle on a damaged zip.
        with path.open("rb") as handle, np.load(handle, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                raise ValueError("the file answers another key")
            arrays = SessionArrays(*(stored[name] for name in _ARRAYS))
        _check(arrays)
    except Exception as e:  # any unreadable file means "compute it", never a failure
        log.debug("calendar cache %s unusable, recomputing: %s", path, e)
        return None
    return arrays


def store(code: str, key: str, arrays: SessionArrays) -> None:
    """Write ``arrays`` for ``key`` atomically; a failure is logged, never raised."""
    write_cache_file(
        cache_file(code, key),
        lambda handle: np.savez(handle, key=np.array(key), **arrays._asdict()),
        log,
        "calendar cache",
    )


def _check(arrays: SessionArrays) -> None:
    """Refuse arrays that are not what :func:`store` writes (a damaged file)."""
    kinds = (np.int64, np.int64, np.int64, np.bool_)
    size = arrays.days.shape
    for name, array, kind in zip(_ARRAYS, arrays, kinds, strict=True):
        if array.dtype != kind or array.ndim != 1 or array.shape != size:
            raise ValueError(f"{name}: {array.dtype} {array.shape}")
    if size[0] == 0 or bool(np.any(np.diff(arrays.days) <= 0)):
        raise ValueError("days are not strictly increasing")
