"""A local Parquet lake of bars and corporate actions, with a manifest of its contents.

Layout (hive-style partitions; one file per series and New York calendar year)::

    LAKE/manifest.json
    LAKE/bars/feed=iex/adjustment=raw/timeframe=1Min/symbol=AAPL/year=2024/
        part-<sha256 prefix>.parquet      timestamp (timestamp[ns, UTC]), open, high,
                                          low, close, volume (float64), by time
    LAKE/corporate_actions/part-<sha256 prefix>.parquet
    LAKE/universe/date=2026-01-05/assets.parquet        (see :mod:`._lake_universe`)
    LAKE/recorded/session=2026-01-05/kind=bars/...     (see :mod:`.lake_recorder`)

Feed and adjustment are partitions, so bars of different feeds or adjustments never
mix. A file is named after its content's digest and written to a hidden temporary
name first; the manifest (:mod:`._lake_manifest`) is replaced atomically after the
files it names are in place, and only then are the files it no longer names
deleted. Readers read only the files the manifest names, so an interrupted fetch
leaves the lake as it was before the interrupted step (the next fetch sweeps away
what it left). Reads go through ``pyarrow.dataset`` with partition and row filters
(symbol, time range), one symbol at a time, into :class:`BarFrame`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tradecore.adapters.data import _lake_manifest as mf
from tradecore.adapters.data import _lake_universe as _universe
from tradecore.adapters.data._columns import (
    NUMERIC,
    TIMESTAMP,
    float_column,
    typed_timestamps_ns,
)
from tradecore.adapters.data._lake_actions import (
    ACTION_SCHEMA,
    action_from_row,
    action_order,
    action_table,
    merge_dates,
)
from tradecore.adapters.data._parquet import parquet_record
from tradecore.adapters.data.bar_files import return_freed_memory
from tradecore.domain.errors import (
    ConfigurationError,
    InvalidBarData,
    StoreUnavailable,
)
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.market.lake import SeriesKey, TimeRange, merge_ranges
from tradecore.domain.market.universe import AssetRecord, UniverseFilter
from tradecore.ports.bar_lake import BarLake

NEW_YORK = ZoneInfo("America/New_York")
BARS, ACTIONS = "bars", "corporate_actions"
_STAMP = pa.timestamp("ns", "UTC")
_BAR_SCHEMA = pa.schema(
    [(TIMESTAMP, _STAMP), *((name, pa.float64()) for name in NUMERIC)]
)
_PARTITIONS = pa.schema(
    [
        ("feed", pa.string()),
        ("adjustment", pa.string()),
        ("timeframe", pa.string()),
        ("symbol", pa.string()),
        ("year", pa.int32()),
    ]
)


@attrs.frozen(kw_only=True)
class SeriesInfo:
    """One line of ``data ls``."""

    key: SeriesKey
    rows: int
    first: str
    last: str
    covered: tuple[TimeRange, ...]


def year_bounds_ns(year: int) -> int:
    """Midnight of 1 January ``year`` in New York, as UTC epoch nanoseconds."""
    moment = datetime(year, 1, 1, tzinfo=NEW_YORK)
    return int(moment.timestamp()) * 1_000_000_000


def series_folder(key: SeriesKey) -> str:
    """The partition folder of ``key`` under ``bars/`` (without the year)."""
    return (
        f"{BARS}/feed={key.feed}/adjustment={key.adjustment}/"
        f"timeframe={key.timeframe}/symbol={key.symbol}"
    )


class ParquetLake(BarLake):
    """The lake in folder ``root`` (created on the first write)."""

    def __init__(self, root: Path | str) -> None:
        """Open the lake at ``root``; nothing is read or written yet."""
        self.root = Path(root)
        self._manifest: mf.Manifest | None = None

    @classmethod
    def existing(cls, root: Path | str) -> ParquetLake:
        """Open a lake that must already hold a manifest.

        Raises:
            ConfigurationError: no lake there.
        """
        lake = cls(root)
        if not (lake.root / mf.MANIFEST).is_file():
            raise ConfigurationError(
                f"--lake {lake.root}: no lake there (no {mf.MANIFEST}; "
                "create one with tradecore-replay data fetch)"
            )
        return lake

    @property
    def manifest(self) -> mf.Manifest:
        """The manifest as last read or written."""
        if self._manifest is None:
            self._manifest = mf.load(self.root)
        return self._manifest

    # --- writing ------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[ParquetLake]:
        """Hold the lake's lock (one writer at a time) and sweep stray files first.

        Raises:
            ConfigurationError: another fetch holds the lock, or the folder cannot
                be made.
            StoreUnavailable: a write failed (disk full, permissions): the lake
                holds what was stored before it.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = (self.root / ".lock").open("w")
        except OSError as e:
            raise ConfigurationError(
                f"--lake {self.root}: cannot write a lake there ({e.strerror})"
            ) from e
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigurationError(
                    f"--lake {self.root}: another fetch is writing to this lake"
                ) from None
            self._manifest = mf.load(self.root)
            try:
                self.sweep()
                yield self
            except OSError as e:
                self._manifest = None  # the file on disk is the truth
                raise StoreUnavailable(
                    f"--lake {self.root}: a write failed ({e}); the lake holds what "
                    "was stored before it"
                ) from e

    def sweep(self) -> list[Path]:
        """Delete files the manifest does not name (an interrupted write's)."""
        removed = self.stray_files()
        for path in removed:
            path.unlink(missing_ok=True)
        return removed

    def stray_files(self) -> list[Path]:
        """Files under ``bars/`` and ``corporate_actions/`` the manifest does not name."""
        listed = {self.root / f.path for f in self._listed_files()}
        found = [
            p
            for folder in (BARS, ACTIONS)
            if (self.root / folder).is_dir()
            for p in (self.root / folder).rglob("*")
            if p.is_file()
        ]
        return sorted(p for p in found if p not in listed)

    def _listed_files(self) -> list[mf.FileEntry]:
        files = [f for s in self.manifest.series.values() for f in s.files.values()]
        if self.manifest.actions_file is not None:
            files.append(self.manifest.actions_file)
        return files

    def covered(self, key: SeriesKey) -> list[TimeRange]:
        """Return the ranges already fetched for ``key``."""
        entry = self.manifest.series.get(key)
        return [] if entry is None else list(entry.covered)

    def store(self, key: SeriesKey, frame: BarFrame, span: TimeRange) -> None:
        """Merge ``frame`` into ``key``'s year files; then mark ``span`` covered."""
        manifest = self.manifest
        entry = manifest.entry(key)
        replaced: list[str] = []
        stamps = frame.timestamps
        for year in _years(stamps):
            lo, hi = year_bounds_ns(year), year_bounds_ns(year + 1)
            rows = slice(*np.searchsorted(stamps, [lo, hi], side="left"))
            old = entry.files.get(year)
            table = _merge(self._read_file(old), _bar_table(frame, rows))
            new = self._write(f"{series_folder(key)}/year={year}", table, year)
            if old is not None and old.path != new.path:
                replaced.append(old.path)
            entry.files[year] = new
        mf.add_covered(entry, span, len(stamps))
        mf.save(self.root, manifest)
        for path in replaced:
            (self.root / path).unlink(missing_ok=True)

    def _read_file(self, entry: mf.FileEntry | None) -> pa.Table | None:
        if entry is None:
            return None
        try:
            return pq.read_table(self.root / entry.path, schema=_BAR_SCHEMA)
        except pa.ArrowException as e:
            raise ConfigurationError(
                f"--lake {self.root}: {entry.path} cannot be read ({e}); "
                "run tradecore-replay data verify"
            ) from e

    def _write(self, folder: str, table: pa.Table, year: int = 0) -> mf.FileEntry:
        """Write ``table`` as a content-named file under ``folder`` (atomically)."""
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        data = buffer.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        relative = f"{folder}/part-{digest[:16]}.parquet"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            mf.write_atomic(target, data)
        first = last = ""
        if TIMESTAMP in table.column_names and table.num_rows:
            stamps = table.column(TIMESTAMP)
            first = mf.iso(stamps[0].value)
            last = mf.iso(stamps[-1].value)
        return mf.FileEntry(
            path=relative,
            rows=table.num_rows,
            sha256=digest,
            first=first,
            last=last,
            year=year,
        )

    def actions_covered(self, symbol: str) -> list[tuple[date, date]]:
        """Return the date ranges whose corporate actions of ``symbol`` are held."""
        return list(self.manifest.actions_covered.get(symbol, []))

    def store_actions(
        self,
        symbols: Sequence[str],
        start: date,
        end: date,
        actions: Sequence[CorporateAction],
    ) -> None:
        """Keep ``actions``; replace what was held for ``symbols`` in the dates."""
        manifest = self.manifest
        wanted = set(symbols)
        kept = [
            a
            for a in self._all_actions()
            if not (a.symbol in wanted and start <= a.ex_date <= end)
        ]
        merged = sorted({*kept, *actions}, key=action_order)
        old = manifest.actions_file
        manifest.actions_file = self._write(ACTIONS, action_table(merged))
        for symbol in symbols:
            spans = [*manifest.actions_covered.get(symbol, []), (start, end)]
            manifest.actions_covered[symbol] = merge_dates(spans)
        mf.save(self.root, manifest)
        if old is not None and old.path != manifest.actions_file.path:
            (self.root / old.path).unlink(missing_ok=True)

    # --- reading ------------------------------------------------------------------

    def series(self) -> list[SeriesInfo]:
        """Every series held, in key order."""
        out = []
        for key in sorted(self.manifest.series):
            entry = self.manifest.series[key]
            files = [entry.files[y] for y in sorted(entry.files) if entry.files[y].rows]
            out.append(
                SeriesInfo(
                    key=key,
                    rows=entry.rows,
                    first=files[0].first if files else "",
                    last=files[-1].last if files else "",
                    covered=tuple(entry.covered),
                )
            )
        return out

    def choose(
        self,
        symbols: Sequence[str],
        timeframe: str,
        feed: str | None = None,
        adjustment: str | None = None,
    ) -> list[SeriesKey]:
        """The series to read for ``symbols``: one per symbol, never mixed.

        Raises:
            ConfigurationError: a symbol has no such series, or several feeds or
                adjustments match and none was chosen.
        """
        keys = []
        for symbol in symbols:
            found = [
                k
                for k in self.manifest.series
                if k.symbol == symbol
                and k.timeframe == timeframe
                and feed in (None, k.feed)
                and adjustment in (None, k.adjustment)
            ]
            if not found:
                raise ConfigurationError(
                    f"--lake {self.root}: no {timeframe} bars of {symbol}"
                    + _which(feed, adjustment)
                    + " (list the lake with tradecore-replay data ls)"
                )
            kinds = {(k.feed, k.adjustment) for k in found}
            if len(kinds) > 1:
                listed = ", ".join(f"{f}/{a}" for f, a in sorted(kinds))
                raise ConfigurationError(
                    f"--lake {self.root}: {symbol} {timeframe} is held as {listed}; "
                    "choose one with --feed and --lake-adjustment"
                )
            keys.append(found[0])
        return keys

    def select(
        self,
        symbols: Sequence[str],
        start: date | None = None,
        end: date | None = None,
        *,
        timeframe: str = "1Min",
        feed: str | None = None,
        adjustment: str | None = None,
    ) -> LakeSelection:
        """The bars of ``symbols`` from ``start`` to ``end`` (New York dates,
        inclusive; ``None``: open-ended), for ``tc.replay`` or ``run --lake``.

        Raises:
            ConfigurationError: a symbol without such a series, or an ambiguous one.
        """
        keys = self.choose(symbols, timeframe, feed, adjustment)
        first = date(1900, 1, 1) if start is None else start
        last = date(2199, 12, 31) if end is None else end
        if last < first:
            raise ConfigurationError(f"--end {last} is before --start {first}")
        return LakeSelection(lake=self, keys=tuple(keys), span=day_span(first, last))

    def frames(
        self,
        keys: Sequence[SeriesKey],
        span: TimeRange | None = None,
        *,
        each: Callable[[BarFrame], BarFrame] | None = None,
    ) -> list[BarFrame]:
        """Read the bars of ``keys`` with a start in ``span``, one frame per key.

        ``each`` is applied to each frame as soon as it is read (e.g. spilling it
        to a memory map), as :func:`~.bar_files.load_bar_files` does.

        Raises:
            ConfigurationError: the bars in the lake are malformed (with a hint to
                run ``data verify``).
        """
        import pyarrow.dataset as ds

        chosen = {key: self._files(key, span) for key in keys}
        dataset = ds.dataset(
            [str(self.root / f.path) for files in chosen.values() for f in files],
            schema=pa.unify_schemas([_BAR_SCHEMA, _PARTITIONS]),
            format="parquet",
            partitioning=ds.partitioning(_PARTITIONS, flavor="hive"),
            partition_base_dir=str(self.root / BARS),
        )
        frames = []
        for key, files in chosen.items():
            # The time filter only where a file reaches outside the range: a row
            # filter costs a pass over every row, partition filters prune files.
            whole = span is None or all(_inside(f, span) for f in files)
            frame = self._read_series(dataset, key, None if whole else span)
            frames.append(frame if each is None else each(frame))
            if each is not None:
                return_freed_memory()
        return frames

    def _files(self, key: SeriesKey, span: TimeRange | None) -> list[mf.FileEntry]:
        """``key``'s files holding bars, those reaching into ``span``."""
        files = [f for f in self.manifest.series[key].files.values() if f.rows]
        if span is None:
            return files
        return [
            f
            for f in files
            if mf.instant(f.first) < span.end_ns and mf.instant(f.last) >= span.start_ns
        ]

    def _read_series(
        self, dataset: object, key: SeriesKey, span: TimeRange | None
    ) -> BarFrame:
        import pyarrow.dataset as ds

        where = (
            (ds.field("symbol") == key.symbol)
            & (ds.field("feed") == key.feed)
            & (ds.field("adjustment") == key.adjustment)
            & (ds.field("timeframe") == key.timeframe)
        )
        if span is not None:
            where = (
                where
                & (ds.field(TIMESTAMP) >= pa.scalar(span.start_ns, _STAMP))
                & (ds.field(TIMESTAMP) < pa.scalar(span.end_ns, _STAMP))
            )
        try:
            table = dataset.to_table(  # type: ignore[attr-defined]
                columns=[TIMESTAMP, *NUMERIC], filter=where
            )
        except (pa.ArrowException, OSError) as e:
            raise ConfigurationError(
                f"--lake {self.root}: {key.symbol} {key.timeframe} bars cannot be "
                f"read ({e}); run tradecore-replay data verify"
            ) from e
        name = f"{series_folder(key)}"
        stamps = typed_timestamps_ns(name, table.column(TIMESTAMP))
        columns = {
            n: float_column(name, n, table.column(n), parquet_record) for n in NUMERIC
        }
        del table
        try:
            return self._frame(key, stamps, columns)
        except InvalidBarData as e:
            if e.field != TIMESTAMP or len(np.unique(stamps)) != len(stamps):
                raise ConfigurationError(
                    f"--lake {self.root}: {key.symbol} {key.timeframe} bars are "
                    f"malformed ({e}); run tradecore-replay data verify"
                ) from e
        # Files came back out of order (unsorted, not duplicated): sort, once.
        order = np.argsort(stamps, kind="stable")
        return self._frame(
            key, stamps[order], {n: c[order] for n, c in columns.items()}
        )

    def _frame(
        self, key: SeriesKey, stamps: np.ndarray, columns: dict[str, np.ndarray]
    ) -> BarFrame:
        return BarFrame(
            symbol=key.symbol,
            timestamps=stamps,
            **columns,
            provenance=Provenance(key.feed),
        )

    def timestamps(self, key: SeriesKey) -> np.ndarray:
        """Every bar start of ``key`` as stored (duplicates kept), unsorted."""
        parts = [
            pq.read_table(self.root / f.path, columns=[TIMESTAMP]).column(TIMESTAMP)
            for f in self.manifest.series[key].files.values()
        ]
        arrays = [typed_timestamps_ns(series_folder(key), p) for p in parts]
        return np.concatenate([np.empty(0, np.int64), *arrays])

    def corporate_actions(
        self, symbols: Sequence[str], start: date, end: date
    ) -> list[CorporateAction]:
        """The corporate actions held for ``symbols`` with an ex-date in
        ``[start, end]``, in date order (what a replay applies)."""
        wanted = set(symbols)
        return [
            a
            for a in self._all_actions()
            if a.symbol in wanted and start <= a.ex_date <= end
        ]

    # --- the point-in-time universe (:mod:`._lake_universe`) -----------------------

    def store_universe(
        self, on: date, assets: Sequence[AssetRecord], rule: UniverseFilter
    ) -> int:
        """Keep the asset list of ``on`` and its members by ``rule``; return how
        many are members."""
        self.root.mkdir(parents=True, exist_ok=True)
        return _universe.store(self.root, on, assets, rule)

    def universe_dates(self) -> list[date]:
        """The dates with a universe snapshot, oldest first."""
        return _universe.dates(self.root)

    def universe(self, on: date) -> list[str]:
        """The member symbols as they were on ``on``: the newest snapshot on or
        before it.

        Raises:
            ConfigurationError: no snapshot that early.
        """
        return _universe.assets_on(self.root, on)[2]

    def _all_actions(self) -> list[CorporateAction]:
        entry = self.manifest.actions_file
        if entry is None:
            return []
        table = pq.read_table(self.root / entry.path, schema=ACTION_SCHEMA)
        return [action_from_row(row) for row in table.to_pylist()]


@attrs.frozen(kw_only=True)
class LakeSelection:
    """Series of a lake and a time range: what a replay reads (``tc.replay(...)``)."""

    lake: ParquetLake
    keys: tuple[SeriesKey, ...]
    span: TimeRange | None

    def load(
        self, each: Callable[[BarFrame], BarFrame] | None = None
    ) -> list[BarFrame]:
        """Read the frames (one per symbol, by symbol), ``each`` applied as read.

        Raises:
            ConfigurationError: no bars at all in the range.
        """
        frames = self.lake.frames(self.keys, self.span, each=each)
        if not any(len(f) for f in frames):
            raise ConfigurationError(
                f"--lake {self.lake.root}: no bars of "
                f"{', '.join(k.symbol for k in self.keys)} in the range asked for"
            )
        return sorted(frames, key=lambda f: f.symbol)

    def corporate_actions(self) -> list[CorporateAction]:
        """The corporate actions held for these symbols with an ex-date in the range
        (New York dates), in date order."""
        symbols = [k.symbol for k in self.keys]
        if self.span is None:
            return self.lake.corporate_actions(symbols, date.min, date.max)
        first = datetime.fromtimestamp(self.span.start_ns // 10**9, NEW_YORK).date()
        last = datetime.fromtimestamp(self.span.end_ns // 10**9 - 1, NEW_YORK).date()
        return self.lake.corporate_actions(symbols, first, last)


def day_span(first: date, last: date) -> TimeRange:
    """New York midnight of ``first`` to New York midnight after ``last``."""
    start = datetime(first.year, first.month, first.day, tzinfo=NEW_YORK)
    after = date.fromordinal(last.toordinal() + 1)
    end = datetime(after.year, after.month, after.day, tzinfo=NEW_YORK)
    return TimeRange(
        int(start.timestamp()) * 1_000_000_000, int(end.timestamp()) * 1_000_000_000
    )


def _which(feed: str | None, adjustment: str | None) -> str:
    parts = [p for p in (feed, adjustment) if p]
    return f" ({'/'.join(parts)})" if parts else ""


def _years(stamps: np.ndarray) -> list[int]:
    if not len(stamps):
        return []
    first = datetime.fromtimestamp(int(stamps[0]) // 10**9, NEW_YORK).year
    last = datetime.fromtimestamp(int(stamps[-1]) // 10**9, NEW_YORK).year
    return list(range(first, last + 1))


def _inside(entry: mf.FileEntry, span: TimeRange) -> bool:
    first, last = mf.instant(entry.first), mf.instant(entry.last)
    return span.start_ns <= first and last < span.end_ns


def _bar_table(frame: BarFrame, rows: slice) -> pa.Table:
    stamps = pa.array(frame.timestamps[rows], type=pa.int64()).cast(_STAMP)
    values = {n: pa.array(getattr(frame, n)[rows], pa.float64()) for n in NUMERIC}
    return pa.table({TIMESTAMP: stamps, **values}, schema=_BAR_SCHEMA)


def _merge(old: pa.Table | None, new: pa.Table) -> pa.Table:
    """``old``'s rows at times ``new`` lacks, and ``new``'s, in time order."""
    if old is None or old.num_rows == 0:
        return new
    new_ns = new.column(TIMESTAMP).cast(pa.int64()).to_numpy()
    old_ns = old.column(TIMESTAMP).cast(pa.int64()).to_numpy()
    kept = old.filter(pa.array(~np.isin(old_ns, new_ns)))
    both = pa.concat_tables([kept, new])
    stamps = both.column(TIMESTAMP).cast(pa.int64()).to_numpy()
    return both.take(pa.array(np.argsort(stamps, kind="stable")))


def covered_span(ranges: Sequence[TimeRange]) -> TimeRange | None:
    """The smallest range holding all of ``ranges``."""
    merged = merge_ranges(ranges)
    if not merged:
        return None
    return TimeRange(merged[0].start_ns, merged[-1].end_ns)
