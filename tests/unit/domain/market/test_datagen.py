"""Synthetic bars: determinism, shapes, sessions and valid OHLC."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.calendars import ALWAYS_OPEN, xnys
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint, from_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.datagen import (
    Session,
    Shape,
    ShapeParams,
    bar_timestamps,
    generate_bars,
)

START = datetime(2024, 3, 8, 14, 30, tzinfo=UTC)  # a Friday, before US DST begins
SYMBOLS = ["AAA", "BBB", "CCC"]


def raw_bytes(frames: list[BarFrame]) -> bytes:
    names = ("timestamps", "open", "high", "low", "close", "volume")
    return b"".join(getattr(f, n).tobytes() for f in frames for n in names)


@pytest.mark.parametrize("shape", list(Shape))
def test_same_seed_gives_byte_identical_bars(shape: Shape) -> None:
    first = generate_bars(SYMBOLS, 2_000, start=START, seed=11, shape=shape)
    again = generate_bars(SYMBOLS, 2_000, start=START, seed=11, shape=shape)
    other = generate_bars(SYMBOLS, 2_000, start=START, seed=12, shape=shape)
    assert raw_bytes(first) == raw_bytes(again)
    assert raw_bytes(first) != raw_bytes(other)


def test_bars_are_byte_identical_in_another_process() -> None:
    script = (
        "from datetime import UTC, datetime;"
        "from tradecore.domain.market.datagen import Shape, generate_bars;"
        "from tradecore.domain.market.bar_frame import data_fingerprint;"
        "f = generate_bars(['AAA', 'BBB'], 3000,"
        " start=datetime(2024, 1, 2, tzinfo=UTC), seed=5, shape=Shape.ONE_FACTOR);"
        "print(data_fingerprint(f))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "987"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
    )
    here = generate_bars(
        ["AAA", "BBB"],
        3000,
        start=datetime(2024, 1, 2, tzinfo=UTC),
        seed=5,
        shape=Shape.ONE_FACTOR,
    )
    assert result.stdout.strip() == data_fingerprint(here)


def test_a_passed_generator_is_drawn_from() -> None:
    rng = np.random.default_rng(4)
    one = generate_bars(["AAA"], 100, start=START, seed=rng)
    two = generate_bars(["AAA"], 100, start=START, seed=rng)
    fresh = generate_bars(["AAA"], 100, start=START, seed=np.random.default_rng(4))
    assert raw_bytes(one) == raw_bytes(fresh) != raw_bytes(two)


@pytest.mark.parametrize("shape", list(Shape))
def test_every_shape_yields_valid_cent_priced_bars(shape: Shape) -> None:
    frames = generate_bars(SYMBOLS, 5_000, start=START, seed=1, shape=shape)
    for frame in frames:
        assert len(frame) == 5_000
        assert frame.provenance is Provenance.SIMULATED
        assert np.all(frame.high >= np.maximum(frame.open, frame.close))
        assert np.all(frame.low <= np.minimum(frame.open, frame.close))
        assert np.allclose(frame.close * 100, np.round(frame.close * 100))
        assert np.all(frame.volume == np.rint(frame.volume))


def test_one_factor_correlation_follows_the_parameter() -> None:
    for rho in (0.0, 0.8):
        frames = generate_bars(
            SYMBOLS,
            20_000,
            start=START,
            seed=2,
            shape=Shape.ONE_FACTOR,
            params=ShapeParams(correlation=rho),
        )
        returns = np.diff(np.log([f.close for f in frames]), axis=1)
        measured = np.corrcoef(returns)[np.triu_indices(3, 1)]
        assert np.all(np.abs(measured - rho) < 0.05), (rho, measured)


def test_trending_series_drift_by_the_trend() -> None:
    params = ShapeParams(trend=1.0, volatility=0.0001)
    (frame,) = generate_bars(
        ["AAA"], 10_000, start=START, seed=3, shape=Shape.TRENDING, params=params
    )
    assert np.log(frame.close[-1] / frame.open[0]) == pytest.approx(1.0, abs=0.05)


def test_mean_reverting_series_stay_near_their_level() -> None:
    params = ShapeParams(reversion=0.05, volatility=0.002)
    (walk,) = generate_bars(["AAA"], 50_000, start=START, seed=3, params=params)
    (revert,) = generate_bars(
        ["AAA"], 50_000, start=START, seed=3, params=params, shape=Shape.MEAN_REVERTING
    )
    # Stationary sd of the log level: sigma / sqrt(1 - (1 - kappa)^2) ~ 0.0064.
    assert np.std(np.log(revert.close)) < 0.01 < np.std(np.log(walk.close))


def test_gap_down_opens_below_the_previous_close_once() -> None:
    params = ShapeParams(gap=-0.2, gap_at=0.25)
    (frame,) = generate_bars(
        ["AAA"], 1_000, start=START, seed=8, shape=Shape.GAP_DOWN, params=params
    )
    gaps = frame.open[1:] / frame.close[:-1] - 1.0
    assert int(np.argmin(gaps)) + 1 == 250
    assert gaps.min() == pytest.approx(-0.2, abs=0.001)
    assert np.sort(gaps)[1] > -0.01


def test_regular_hours_skip_nights_and_weekends_and_follow_dst() -> None:
    stamps = bar_timestamps(
        390 * 3,
        start=START,
        interval=timedelta(minutes=1),
        session=Session.REGULAR_HOURS,
    )
    moments = [from_ns(int(t)) for t in stamps]
    # Friday 8 Mar (EST: 14:30Z), then Monday 11 Mar (EDT: 13:30Z), Tuesday 12 Mar.
    assert moments[0] == START
    assert moments[389] == datetime(2024, 3, 8, 20, 59, tzinfo=UTC)
    assert moments[390] == datetime(2024, 3, 11, 13, 30, tzinfo=UTC)
    assert moments[-1] == datetime(2024, 3, 12, 19, 59, tzinfo=UTC)


def test_regular_hours_start_mid_session_and_coarse_intervals() -> None:
    stamps = bar_timestamps(
        3,
        start=datetime(2024, 3, 8, 20, 0, tzinfo=UTC),
        interval=timedelta(hours=1),
        session=Session.REGULAR_HOURS,
    )
    assert [from_ns(int(t)).hour for t in stamps] == [20, 13, 14]


def test_continuous_timestamps_are_evenly_spaced() -> None:
    stamps = bar_timestamps(
        4, start=START, interval=timedelta(seconds=5), session=Session.CONTINUOUS
    )
    assert list(np.diff(stamps)) == [5_000_000_000] * 3


@pytest.mark.parametrize(
    "bad",
    [
        {"correlation": 1.5},
        {"reversion": 0.0},
        {"gap": -1.0},
        {"start_price": 0.0},
    ],
)
def test_rejects_impossible_parameters(bad: dict[str, float]) -> None:
    with pytest.raises(InvalidInput):
        ShapeParams(**bad)


def test_rejects_naive_start_and_non_positive_interval() -> None:
    with pytest.raises(InvalidInput, match="naive"):
        generate_bars(["AAA"], 3, start=datetime(2024, 1, 2), seed=1)
    with pytest.raises(InvalidInput, match="interval"):
        generate_bars(["AAA"], 3, start=START, seed=1, interval=timedelta(0))


# --- on a market calendar's sessions ----------------------------------------------


def moments_on(calendar_bars: np.ndarray) -> list[datetime]:
    return [from_ns(int(t)) for t in calendar_bars]


def test_calendar_minutes_skip_weekends_and_holidays_and_honour_early_closes() -> None:
    # Wed 26 Nov 2025 full day, Thu 27 Thanksgiving, Fri 28 closes at 13:00 New York.
    stamps = bar_timestamps(
        390 + 210 + 1,
        start=datetime(2025, 11, 26, tzinfo=UTC),
        interval=timedelta(minutes=1),
        calendar=xnys(),
    )
    moments = moments_on(stamps)
    assert moments[0] == datetime(2025, 11, 26, 14, 30, tzinfo=UTC)
    assert moments[389] == datetime(2025, 11, 26, 20, 59, tzinfo=UTC)
    assert moments[390] == datetime(2025, 11, 28, 14, 30, tzinfo=UTC)
    assert moments[599] == datetime(2025, 11, 28, 17, 59, tzinfo=UTC)  # 12:59 NY
    assert moments[600] == datetime(2025, 12, 1, 14, 30, tzinfo=UTC)  # Monday
    assert all(xnys().is_open(m) for m in moments)


def test_calendar_bars_follow_dst_and_skip_the_holidays_session_mode_keeps() -> None:
    # Good Friday 18 Apr 2025 is an NYSE holiday the fixed-hours mode trades through.
    start = datetime(2025, 4, 17, 13, 30, tzinfo=UTC)
    real = moments_on(
        bar_timestamps(391, start=start, interval=timedelta(minutes=1), calendar=xnys())
    )
    fixed = moments_on(
        bar_timestamps(
            391,
            start=start,
            interval=timedelta(minutes=1),
            session=Session.REGULAR_HOURS,
        )
    )
    assert real[390] == datetime(2025, 4, 21, 13, 30, tzinfo=UTC)  # EDT open
    assert fixed[390] == datetime(2025, 4, 18, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minutes", "per_day", "last_full", "last_early"),
    [(5, 78, "20:55", "17:55"), (60, 6, "19:30", "16:30")],
)
def test_calendar_coarse_bars_never_run_past_the_close(
    minutes: int, per_day: int, last_full: str, last_early: str
) -> None:
    step = timedelta(minutes=minutes)
    stamps = bar_timestamps(
        200, start=datetime(2025, 11, 26, tzinfo=UTC), interval=step, calendar=xnys()
    )
    moments = moments_on(stamps)
    by_day: dict[date, list[datetime]] = {}
    for m in moments:
        by_day.setdefault(m.date(), []).append(m)
    assert len(by_day[date(2025, 11, 26)]) == per_day
    assert by_day[date(2025, 11, 26)][-1].strftime("%H:%M") == last_full
    assert by_day[date(2025, 11, 28)][-1].strftime("%H:%M") == last_early
    for m in moments:
        session = xnys().session_of(m)
        assert session is not None
        assert m + step <= session.close


def test_calendar_daily_bars_one_per_session_at_new_york_midnight() -> None:
    stamps = bar_timestamps(
        4,
        start=datetime(2025, 3, 6, tzinfo=UTC),
        interval=timedelta(days=1),
        calendar=xnys(),
    )
    # Thu 6, Fri 7 (EST: 05:00Z); DST begins Sun 9 Mar; Mon 10, Tue 11 (EDT: 04:00Z).
    assert moments_on(stamps) == [
        datetime(2025, 3, 6, 5, tzinfo=UTC),
        datetime(2025, 3, 7, 5, tzinfo=UTC),
        datetime(2025, 3, 10, 4, tzinfo=UTC),
        datetime(2025, 3, 11, 4, tzinfo=UTC),
    ]
    around_christmas = bar_timestamps(
        3,
        start=datetime(2025, 12, 24, tzinfo=UTC),
        interval=timedelta(days=1),
        calendar=xnys(),
    )
    assert [m.day for m in moments_on(around_christmas)] == [24, 26, 29]


def test_always_open_calendar_is_round_the_clock() -> None:
    start = datetime(2025, 11, 29, 23, 58, tzinfo=UTC)  # a Saturday
    stamps = bar_timestamps(
        4, start=start, interval=timedelta(minutes=1), calendar=ALWAYS_OPEN
    )
    plain = bar_timestamps(4, start=start, interval=timedelta(minutes=1))
    assert list(stamps) == list(plain)
    daily = bar_timestamps(
        2, start=start, interval=timedelta(days=1), calendar=ALWAYS_OPEN
    )
    assert moments_on(daily) == [
        datetime(2025, 11, 30, tzinfo=UTC),
        datetime(2025, 12, 1, tzinfo=UTC),
    ]


def test_calendar_bars_are_deterministic_and_seeded() -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    one = generate_bars(SYMBOLS, 1_000, start=start, seed=3, calendar=xnys())
    two = generate_bars(SYMBOLS, 1_000, start=start, seed=3, calendar=xnys())
    assert raw_bytes(one) == raw_bytes(two)
    assert len(one[0]) == 1_000
    assert all(xnys().is_open(from_ns(int(t))) for t in one[0].timestamps)


@pytest.mark.parametrize(
    "interval", [timedelta(hours=7), timedelta(days=2), timedelta(hours=30)]
)
def test_calendar_refuses_intervals_that_fit_no_session(interval: timedelta) -> None:
    with pytest.raises(InvalidInput, match="interval"):
        bar_timestamps(
            3,
            start=datetime(2025, 1, 6, tzinfo=UTC),
            interval=interval,
            calendar=xnys(),
        )


def test_calendar_refuses_a_session_mode_and_running_out_of_sessions() -> None:
    start = datetime(2025, 1, 6, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="session"):
        bar_timestamps(
            3,
            start=start,
            interval=timedelta(minutes=1),
            session=Session.REGULAR_HOURS,
            calendar=xnys(),
        )
    with pytest.raises(InvalidInput, match="n_bars"):
        bar_timestamps(10_000, start=start, interval=timedelta(days=1), calendar=xnys())
