"""The on-disk schedule cache: exactly the library's arrays, and never a failure.

The reference is ``exchange_calendars`` itself, read here the way the adapter read it
before the cache existed, so a cached schedule is checked against the library and not
against the cache's own writer.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import exchange_calendars
import numpy as np
import pytest

from tradecore.adapters.calendar import ExchangeCalendar, exchange, schedule_cache
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar

LOW, HIGH = exchange.DEFAULT_BOUNDS


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache folder and no schedule kept in memory, before and after."""
    monkeypatch.setenv(schedule_cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    exchange._sessions.cache_clear()
    yield tmp_path / "cache" / "calendars"
    exchange._sessions.cache_clear()


def reference(start: date, end: date, code: str = "XNYS") -> MarketCalendar:
    """The schedule straight from the library (its calendar over the default bounds)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        library = exchange_calendars.get_calendar(
            code, start=LOW.isoformat(), end=HIGH.isoformat()
        )
        rows = library.schedule.loc[start.isoformat() : end.isoformat()]
        early = np.asarray(rows.index.isin(library.early_closes))

    def epoch_ns(column: object) -> np.ndarray:
        naive = column.dt.tz_convert(None).to_numpy()  # type: ignore[attr-defined]
        return naive.astype("datetime64[ns]").astype(np.int64)

    return MarketCalendar.from_arrays(
        code,
        days=rows.index.to_numpy().astype("datetime64[D]").astype(np.int64),
        opens_ns=epoch_ns(rows["open"]),
        closes_ns=epoch_ns(rows["close"]),
        early_close=early,
    )


def warm_schedule(start: date, end: date) -> MarketCalendar:
    """Ask again with only the file to go on (memory cleared, library forbidden)."""
    exchange._sessions.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exchange, "library_sessions", _library_forbidden)
        return ExchangeCalendar("XNYS").schedule(start, end)


def _library_forbidden(*_: object) -> None:
    raise AssertionError("the warm cache consulted the library")


def test_cached_arrays_are_exactly_the_librarys_for_xnys_2000_to_2035(
    cache: Path,
) -> None:
    fresh = exchange.library_sessions("XNYS", LOW, HIGH)
    cold = ExchangeCalendar("XNYS").schedule(LOW, HIGH)
    assert len(list(cache.glob("XNYS-*.npz"))) == 1
    warm = warm_schedule(LOW, HIGH)
    key = schedule_cache.cache_key("XNYS", LOW, HIGH)
    assert key is not None
    stored = schedule_cache.load("XNYS", key)
    assert stored is not None
    for name, array in fresh._asdict().items():
        assert getattr(stored, name).dtype == array.dtype, name
        assert np.array_equal(getattr(stored, name), array), name
    assert warm == cold == reference(LOW, HIGH)
    assert warm.schedule_hash == reference(LOW, HIGH).schedule_hash


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 3, 2), date(2026, 3, 13)),  # DST starts 8 March
        (date(2026, 10, 26), date(2026, 11, 6)),  # DST ends 1 November
        (date(2026, 11, 25), date(2026, 12, 31)),  # early closes 27 Nov, 24 Dec
        (date(2026, 7, 3), date(2026, 7, 6)),  # starts on a holiday
        (date(2000, 1, 1), date(2000, 1, 4)),  # the lower bound, a Saturday
        (date(2035, 12, 24), date(2035, 12, 31)),  # the upper bound
    ],
)
def test_warm_ranges_equal_the_library(start: date, end: date) -> None:
    ExchangeCalendar("XNYS").schedule(start, end)  # cold: writes the file
    warm = warm_schedule(start, end)
    assert warm == reference(start, end)


def test_warm_cache_keeps_dst_and_early_closes() -> None:
    ExchangeCalendar("XNYS").schedule(LOW, HIGH)
    warm = warm_schedule(date(2026, 3, 2), date(2026, 11, 30))
    assert warm.next_open(datetime(2026, 3, 6, 0, tzinfo=UTC)).hour == 14  # EST
    assert warm.next_open(datetime(2026, 3, 9, 0, tzinfo=UTC)).hour == 13  # EDT
    assert not warm.is_open(datetime(2026, 11, 27, 18, 30, tzinfo=UTC))  # 13:00 close


def test_a_range_without_sessions_is_refused_from_a_warm_cache() -> None:
    ExchangeCalendar("XNYS").schedule(LOW, HIGH)
    with pytest.raises(InvalidInput, match="no XNYS session"):
        warm_schedule(date(2026, 12, 25), date(2026, 12, 27))


def test_extended_hours_from_a_warm_cache_match_a_cold_one() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    cold = ExchangeCalendar("XNYS").extended_schedule(start, end)
    exchange._sessions.cache_clear()
    assert ExchangeCalendar("XNYS").extended_schedule(start, end) == cold


def test_an_unwritable_cache_folder_falls_back_to_computing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(schedule_cache.CACHE_DIR_ENV, str(blocker))
    start, end = date(2026, 3, 2), date(2026, 3, 13)
    assert ExchangeCalendar("XNYS").schedule(start, end) == reference(start, end)
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("content", [b"", b"garbage", b"PK\x03\x04truncated zip"])
def test_a_corrupt_cache_file_is_recomputed_and_replaced(
    cache: Path, content: bytes
) -> None:
    key = schedule_cache.cache_key("XNYS", LOW, HIGH)
    assert key is not None
    path = schedule_cache.cache_file("XNYS", key)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    start, end = date(2026, 3, 2), date(2026, 3, 13)
    assert ExchangeCalendar("XNYS").schedule(start, end) == reference(start, end)
    assert schedule_cache.load("XNYS", key) is not None
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temporary left


def test_a_file_answering_another_key_is_not_read(cache: Path) -> None:
    ExchangeCalendar("XNYS").schedule(LOW, HIGH)
    key = schedule_cache.cache_key("XNYS", LOW, HIGH)
    assert key is not None
    other = key.replace('"format": ', '"format": 9')
    schedule_cache.cache_file("XNYS", key).rename(
        schedule_cache.cache_file("XNYS", other)
    )
    assert schedule_cache.load("XNYS", other) is None


def test_the_key_names_the_library_version_and_the_format() -> None:
    key = schedule_cache.cache_key("XNYS", LOW, HIGH)
    assert key is not None
    assert f'"exchange_calendars": "{exchange_calendars.__version__}"' in key
    assert f'"format": {schedule_cache.FORMAT_VERSION}' in key
    assert "2000-01-01" in key
    assert "2035-12-31" in key


def test_the_folder_defaults_to_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(schedule_cache.CACHE_DIR_ENV)
    assert schedule_cache.cache_dir().parts[-2:] == ("tradecore", "calendars")
