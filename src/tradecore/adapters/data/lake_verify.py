"""Check a lake against its manifest and the exchange's sessions.

Errors (one line each): a file the manifest names that is missing, or whose bytes'
sha256 or row count differs from the manifest's; a file the manifest does not name;
a series with duplicate bar times, with a session (inside the ranges fetched) that
has no bar, or a daily bar on a day that is no session. Notes (not errors): bars
missing inside regular hours of minute series, as counts, since a thin symbol may
simply not trade every minute.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import attrs
import pyarrow as pa
import pyarrow.parquet as pq

from tradecore.adapters.data import _lake_manifest as mf
from tradecore.adapters.data.lake import ParquetLake
from tradecore.domain.errors import BarFileError
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.lake import SeriesKey, Timeframe, check_series

_SHOWN = 5


@attrs.frozen
class LakeReport:
    """What :func:`verify_lake` found."""

    problems: tuple[str, ...]
    notes: tuple[str, ...]


def series_name(key: SeriesKey) -> str:
    """``AAPL 1Min iex/raw``."""
    return f"{key.symbol} {key.timeframe} {key.feed}/{key.adjustment}"


def _days(days: tuple[str, ...]) -> str:
    shown = ", ".join(days[:_SHOWN])
    return shown + (f" and {len(days) - _SHOWN} more" if len(days) > _SHOWN else "")


def _file_problems(root: Path, entry: mf.FileEntry) -> list[str]:
    path = root / entry.path
    if not path.is_file():
        return [f"{entry.path}: missing (the manifest names it)"]
    with path.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    if digest != entry.sha256:
        return [
            f"{entry.path}: sha256 {digest[:16]}... differs from the manifest's "
            f"{entry.sha256[:16]}... (changed after it was fetched)"
        ]
    try:
        rows = pq.ParquetFile(path).metadata.num_rows
    except (pa.ArrowException, OSError) as e:
        return [f"{entry.path}: not a readable Parquet file ({e})"]
    if rows != entry.rows:
        return [f"{entry.path}: {rows} rows, the manifest says {entry.rows}"]
    return []


def verify_lake(lake: ParquetLake, calendar: MarketCalendar) -> LakeReport:
    """Check every file and series of ``lake``; ``calendar`` must cover its ranges."""
    problems: list[str] = []
    notes: list[str] = []
    manifest = lake.manifest
    broken: set[SeriesKey] = set()
    for key, entry in sorted(manifest.series.items()):
        for file in entry.files.values():
            found = _file_problems(lake.root, file)
            problems += found
            if found and not (lake.root / file.path).is_file():
                broken.add(key)
    if manifest.actions_file is not None:
        problems += _file_problems(lake.root, manifest.actions_file)
    for path in lake.stray_files():
        problems.append(
            f"{path.relative_to(lake.root)}: not in the manifest (a stray or an "
            "interrupted fetch's file; the next data fetch removes it)"
        )
    for key, entry in sorted(manifest.series.items()):
        if key in broken:
            continue
        name = series_name(key)
        try:
            stamps = lake.timestamps(key)
        except (pa.ArrowException, OSError, BarFileError) as e:
            problems.append(f"{name}: its bars cannot be read ({e})")
            continue
        check = check_series(
            stamps, Timeframe.parse(key.timeframe), entry.covered, calendar
        )
        if check.duplicates:
            problems.append(f"{name}: {check.duplicates} duplicate bar time(s)")
        if check.missing_sessions:
            problems.append(
                f"{name}: {len(check.missing_sessions)} session(s) without bars: "
                + _days(check.missing_sessions)
            )
        if check.off_session_days:
            problems.append(
                f"{name}: daily bar(s) on day(s) without a session: "
                + _days(check.off_session_days)
            )
        if check.missing_bars:
            notes.append(
                f"{name}: {check.missing_bars} bar(s) missing in regular hours over "
                f"{check.sessions_with_gaps} session(s) (no trades, or a gap)"
            )
    return LakeReport(tuple(problems), tuple(notes))
