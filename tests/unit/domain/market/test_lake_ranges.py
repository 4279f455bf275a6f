"""The lake's pure rules: timeframes, covered and missing ranges, series checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.calendars import xnys
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.market.lake import (
    Timeframe,
    TimeRange,
    check_series,
    merge_ranges,
    missing_ranges,
)

R = TimeRange
OPEN = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
#: 2026-01-05 .. 2026-01-09 (Mon-Fri), midnight New York (EST) bounds.
WEEK = TimeRange.of(
    datetime(2026, 1, 5, 5, tzinfo=UTC), datetime(2026, 1, 10, 5, tzinfo=UTC)
)


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("1Min", timedelta(minutes=1)),
        ("59Min", timedelta(minutes=59)),
        ("1Hour", timedelta(hours=1)),
        ("23Hour", timedelta(hours=23)),
        ("1Day", timedelta(days=1)),
    ],
)
def test_alpacas_timeframes_parse(text: str, interval: timedelta) -> None:
    assert Timeframe.parse(text).interval == interval
    assert Timeframe.parse(text).text == text


@pytest.mark.parametrize(
    "text", ["60Min", "0Min", "24Hour", "2Day", "1Week", "1Sec", ""]
)
def test_other_timeframes_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="timeframe"):
        Timeframe.parse(text)


def test_missing_ranges_are_the_gaps_and_the_ends() -> None:
    assert missing_ranges(R(0, 100), []) == [R(0, 100)]
    assert missing_ranges(R(0, 100), [R(0, 100)]) == []
    assert missing_ranges(R(0, 100), [R(10, 20), R(40, 60)]) == [
        R(0, 10),
        R(20, 40),
        R(60, 100),
    ]
    assert missing_ranges(R(30, 50), [R(0, 40), R(45, 200)]) == [R(40, 45)]


def test_touching_and_overlapping_ranges_merge() -> None:
    assert merge_ranges([R(5, 10), R(0, 5), R(8, 12), R(20, 30)]) == [
        R(0, 12),
        R(20, 30),
    ]


spans = st.tuples(st.integers(0, 90), st.integers(1, 30)).map(
    lambda t: R(t[0], t[0] + t[1])
)


@given(st.lists(spans, max_size=6), spans)
def test_covered_and_missing_partition_the_wanted_range(
    covered: list[TimeRange], wanted: TimeRange
) -> None:
    missing = missing_ranges(wanted, covered)
    points = set(range(wanted.start_ns, wanted.end_ns))
    held = {p for r in covered for p in range(r.start_ns, r.end_ns)}
    lacking = {p for r in missing for p in range(r.start_ns, r.end_ns)}
    assert lacking == points - held
    assert merge_ranges(missing) == missing


def test_a_full_minute_series_has_no_gaps() -> None:
    (frame,) = generate_bars(["AAA"], 390 * 5, start=OPEN, seed=1, calendar=xnys())
    check = check_series(frame.timestamps, Timeframe.parse("1Min"), [WEEK], xnys())
    assert (check.duplicates, check.missing_sessions, check.missing_bars) == (0, (), 0)


def test_missing_minutes_are_counted_and_a_missing_session_is_named() -> None:
    (frame,) = generate_bars(["AAA"], 390 * 5, start=OPEN, seed=1, calendar=xnys())
    stamps = np.delete(frame.timestamps, [3, 4, 5])
    stamps = stamps[(stamps < to_ns(OPEN + timedelta(days=2)) - 10**9 * 3600 * 10)
                    | (stamps >= to_ns(OPEN + timedelta(days=3)) - 10**9 * 3600 * 10)]  # fmt: skip
    stamps = np.append(stamps, stamps[-1])  # one duplicate
    check = check_series(stamps, Timeframe.parse("1Min"), [WEEK], xnys())
    assert check.missing_bars == 3
    assert check.sessions_with_gaps == 1
    assert check.missing_sessions == ("2026-01-07",)
    assert check.duplicates == 1


def test_a_daily_series_needs_one_bar_per_session_and_none_on_holidays() -> None:
    (frame,) = generate_bars(
        ["AAA"], 20, start=datetime(2025, 12, 22, tzinfo=UTC), seed=1,
        interval=timedelta(days=1), calendar=xnys(),
    )  # fmt: skip
    span = TimeRange.of(
        datetime(2025, 12, 22, 5, tzinfo=UTC), datetime(2026, 1, 21, 5, tzinfo=UTC)
    )
    full = check_series(frame.timestamps, Timeframe.parse("1Day"), [span], xnys())
    assert (full.missing_sessions, full.off_session_days) == ((), ())
    christmas = to_ns(datetime(2025, 12, 25, 5, tzinfo=UTC))
    stamps = np.append(np.delete(frame.timestamps, 2), christmas)
    broken = check_series(stamps, Timeframe.parse("1Day"), [span], xnys())
    assert broken.missing_sessions == (str(date(2025, 12, 24)),)
    assert broken.off_session_days == ("2025-12-25",)
