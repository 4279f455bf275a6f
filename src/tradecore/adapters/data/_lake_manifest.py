"""The lake's ``manifest.json``: what was fetched, and which files hold it.

One JSON document, rewritten atomically (temporary file, fsync, rename) after the
data files it names are in place, so it never names a file that is not complete::

    {"format": "tradecore.lake/1",
     "series": [{"feed": "iex", "adjustment": "raw", "timeframe": "1Min",
                 "symbol": "AAPL",
                 "covered": [["2024-01-02T05:00:00Z", "2024-02-01T05:00:00Z"]],
                 "fetches": [{"start": ..., "end": ..., "rows": 15000}],
                 "files": [{"year": 2024, "path": "bars/.../part-<sha16>.parquet",
                            "rows": 15000, "sha256": "...",
                            "first": "2024-01-02T09:00:00Z", "last": ...}]}],
     "corporate_actions": {"covered": {"AAPL": [["2024-01-01", "2024-12-31"]]},
                           "file": {"path": ..., "rows": 3, "sha256": ...} | null}}

``covered`` are half-open UTC ranges; ``fetches`` is the log of requests that filled
them (one line per range fetched, with the rows it brought); ``sha256`` is the
digest of the file's bytes.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import from_ns, to_ns
from tradecore.domain.market.lake import SeriesKey, TimeRange, merge_ranges

FORMAT = "tradecore.lake/1"
MANIFEST = "manifest.json"


@attrs.frozen(kw_only=True)
class FileEntry:
    """One Parquet file of the lake."""

    path: str
    rows: int
    sha256: str
    first: str = ""
    last: str = ""
    year: int = 0


@attrs.define(kw_only=True)
class SeriesEntry:
    """One series: its ranges fetched, the fetch log, its files (one per year)."""

    key: SeriesKey
    covered: list[TimeRange] = attrs.Factory(list)
    fetches: list[dict[str, Any]] = attrs.Factory(list)
    files: dict[int, FileEntry] = attrs.Factory(dict)

    @property
    def rows(self) -> int:
        """Bars held."""
        return sum(f.rows for f in self.files.values())


@attrs.define(kw_only=True)
class Manifest:
    """The whole manifest, mutable while a fetch updates it."""

    series: dict[SeriesKey, SeriesEntry] = attrs.Factory(dict)
    actions_covered: dict[str, list[tuple[date, date]]] = attrs.Factory(dict)
    actions_file: FileEntry | None = None

    def entry(self, key: SeriesKey) -> SeriesEntry:
        """The series ``key``, created empty if new."""
        if key not in self.series:
            self.series[key] = SeriesEntry(key=key)
        return self.series[key]


def iso(ns: int) -> str:
    """A UTC instant as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``."""
    return from_ns(ns).isoformat().replace("+00:00", "Z")


def instant(text: str) -> int:
    """Epoch nanoseconds of an instant :func:`iso` wrote."""
    return to_ns(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _file_json(entry: FileEntry) -> dict[str, Any]:
    return attrs.asdict(entry)


def to_json(manifest: Manifest) -> dict[str, Any]:
    """The manifest as the JSON document above (series in key order)."""
    series = []
    for key in sorted(manifest.series):
        entry = manifest.series[key]
        series.append(
            {
                **attrs.asdict(key),
                "covered": [[iso(r.start_ns), iso(r.end_ns)] for r in entry.covered],
                "fetches": entry.fetches,
                "files": [_file_json(entry.files[y]) for y in sorted(entry.files)],
            }
        )
    actions = {
        "covered": {
            s: [[a.isoformat(), b.isoformat()] for a, b in spans]
            for s, spans in sorted(manifest.actions_covered.items())
        },
        "file": None
        if manifest.actions_file is None
        else _file_json(manifest.actions_file),
    }
    return {"format": FORMAT, "series": series, "corporate_actions": actions}


def from_json(document: dict[str, Any], where: str) -> Manifest:
    """Read the document :func:`to_json` writes.

    Raises:
        InvalidInput: another format, or a malformed field (named).
    """
    if document.get("format") != FORMAT:
        raise InvalidInput(where, document.get("format"), f"not a {FORMAT} manifest")
    try:
        manifest = Manifest()
        for item in document["series"]:
            key = SeriesKey(
                item["feed"], item["adjustment"], item["timeframe"], item["symbol"]
            )
            files = {f["year"]: FileEntry(**f) for f in item["files"]}
            manifest.series[key] = SeriesEntry(
                key=key,
                covered=[TimeRange(instant(a), instant(b)) for a, b in item["covered"]],
                fetches=list(item["fetches"]),
                files=files,
            )
        actions = document["corporate_actions"]
        manifest.actions_covered = {
            s: [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in spans]
            for s, spans in actions["covered"].items()
        }
        if actions["file"] is not None:
            manifest.actions_file = FileEntry(**actions["file"])
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidInput(where, None, f"malformed lake manifest: {e!r}") from e
    return manifest


def load(root: Path) -> Manifest:
    """The manifest of the lake at ``root`` (empty when there is none yet)."""
    path = root / MANIFEST
    if not path.exists():
        return Manifest()
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise InvalidInput(str(path), None, f"unreadable lake manifest: {e}") from e
    return from_json(document, str(path))


def save(root: Path, manifest: Manifest) -> None:
    """Replace ``root``'s manifest atomically (write, fsync, rename)."""
    text = json.dumps(to_json(manifest), indent=1, sort_keys=False) + "\n"
    write_atomic(root / MANIFEST, text.encode())


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the new, whole."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with temporary.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:  # not every platform opens folders
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def add_covered(entry: SeriesEntry, span: TimeRange, rows: int) -> None:
    """Mark ``span`` fetched (``rows`` bars came) in ``entry``."""
    entry.covered = merge_ranges([*entry.covered, span])
    entry.fetches.append(
        {"start": iso(span.start_ns), "end": iso(span.end_ns), "rows": rows}
    )
