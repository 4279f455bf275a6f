"""MarketCalendar on a hand-built week: boundaries, validation, range, always-open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar, Session

SECOND = timedelta(seconds=1)
MON, TUE, WED, THU, FRI = (date(2026, 1, d) for d in range(5, 10))
SAT, SUN, NEXT_MON = date(2026, 1, 10), date(2026, 1, 11), date(2026, 1, 12)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def row(day: date, close_hour: int = 21) -> tuple[date, datetime, datetime]:
    return day, at(day, 14, 30), at(day, close_hour)


# Wednesday is a holiday; Tuesday closes early at 18:00.
ROWS = [row(MON), row(TUE, 18), row(THU), row(FRI), row(NEXT_MON)]


@pytest.fixture
def week() -> MarketCalendar:
    return MarketCalendar.from_sessions("TEST", ROWS, early_closes=[TUE])


# --- instants -------------------------------------------------------------------------


def test_the_open_is_inside_the_session_and_the_close_is_not(week):
    assert week.is_open(at(TUE, 14, 30))
    assert not week.is_open(at(TUE, 14, 30) - timedelta(microseconds=1))
    assert week.is_open(at(MON, 21) - SECOND)
    assert not week.is_open(at(MON, 21))


def test_next_close_one_second_before_the_close_is_that_close(week):
    assert week.next_close(at(MON, 21) - SECOND) == at(MON, 21)


def test_next_close_at_or_after_the_close_is_the_next_sessions_close(week):
    assert week.next_close(at(MON, 21)) == at(TUE, 18)
    assert week.next_close(at(TUE, 19)) == at(THU, 21)  # skips the holiday
    assert week.next_close(at(THU, 3)) == at(THU, 21)  # before the open


def test_next_open_at_an_open_is_that_open(week):
    assert week.next_open(at(MON, 14, 30)) == at(MON, 14, 30)
    assert week.next_open(at(MON, 14, 30) + SECOND) == at(TUE, 14, 30)


def test_next_open_after_fridays_close_is_mondays_open(week):
    assert week.next_open(at(FRI, 21)) == at(NEXT_MON, 14, 30)


def test_previous_close_at_a_close_is_that_close(week):
    assert week.previous_close(at(TUE, 18)) == at(TUE, 18)
    assert week.previous_close(at(TUE, 18) - SECOND) == at(MON, 21)
    assert week.previous_close(at(SAT, 12)) == at(FRI, 21)


def test_session_of_returns_the_containing_session_or_none(week):
    tuesday = week.session_of(at(TUE, 15))
    assert tuesday == Session(
        date=TUE, open=at(TUE, 14, 30), close=at(TUE, 18), early_close=True
    )
    assert tuesday.length == timedelta(hours=3, minutes=30)
    assert week.session_of(at(TUE, 18)) is None
    assert week.session_of(at(WED, 15)) is None
    assert week.session_of(at(MON, 15)).early_close is False


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (at(TUE, 10), TUE),  # before the open: today's session
        (at(MON, 15), MON),
        (at(MON, 21), TUE),  # at the close: the next session
        (at(WED, 15), THU),  # holiday
        (at(SAT, 12), NEXT_MON),  # weekend
        (at(SUN, 23), NEXT_MON),
    ],
    ids=["pre-open", "in-session", "at-close", "holiday", "saturday", "sunday"],
)
def test_trading_day_is_the_containing_or_next_session(week, instant, expected):
    assert week.trading_day(instant) == expected


def test_an_aware_non_utc_instant_is_the_same_instant(week):
    new_york = at(MON, 14, 30).astimezone(ZoneInfo("America/New_York"))
    assert week.is_open(new_york)
    assert week.next_close(new_york) == at(MON, 21)
    assert week.next_close(new_york).tzinfo is UTC


@pytest.mark.parametrize(
    "query", ["is_open", "session_of", "trading_day", "next_open", "next_close"]
)
def test_a_naive_instant_is_refused_naming_the_argument(week, query):
    with pytest.raises(InvalidInput, match="naive") as caught:
        getattr(week, query)(datetime(2026, 1, 5, 15))
    assert caught.value.field == "at"


# --- dates ----------------------------------------------------------------------------


def test_sessions_and_holidays_by_date(week):
    assert week.is_session(MON)
    assert not week.is_session(WED)
    assert not week.is_session(SAT)
    assert week.session(WED) is None
    assert week.session(TUE).early_close


def test_sessions_between_is_inclusive_at_both_ends(week):
    assert [s.date for s in week.sessions_between(MON, THU)] == [MON, TUE, THU]
    assert week.sessions_in_range(MON, THU) == 3
    assert week.sessions_in_range(WED, WED) == 0
    assert week.sessions_between(SAT, SUN) == ()
    assert week.sessions_in_range(MON, NEXT_MON) == 5


def test_end_before_start_is_refused(week):
    with pytest.raises(InvalidInput, match="before start"):
        week.sessions_between(THU, MON)


def test_next_and_previous_session_skip_holidays_and_weekends(week):
    assert week.next_session(TUE) == THU
    assert week.next_session(WED) == THU
    assert week.next_session(FRI) == NEXT_MON
    assert week.previous_session(THU) == TUE
    assert week.previous_session(SAT) == FRI


def test_a_datetime_is_not_a_date(week):
    with pytest.raises(InvalidInput, match="not a datetime"):
        week.is_session(at(MON, 15))


# --- range ----------------------------------------------------------------------------


def test_range_is_the_first_and_last_session(week):
    assert (week.first_session, week.last_session) == (MON, NEXT_MON)


@pytest.mark.parametrize(
    "query",
    [
        lambda c: c.is_open(at(MON, 14, 30) - SECOND),  # before the first open
        lambda c: c.next_close(at(NEXT_MON, 21)),  # at the last close
        lambda c: c.trading_day(at(NEXT_MON, 22)),
        lambda c: c.next_open(at(NEXT_MON, 15)),  # no later open is known
        lambda c: c.previous_close(at(MON, 15)),  # no earlier close is known
        lambda c: c.is_session(date(2026, 1, 4)),
        lambda c: c.session(date(2026, 1, 13)),
        lambda c: c.sessions_between(date(2026, 1, 1), FRI),
        lambda c: c.next_session(NEXT_MON),
        lambda c: c.previous_session(MON),
    ],
    ids=[
        "before-first-open",
        "at-last-close",
        "after-last-close",
        "no-later-open",
        "no-earlier-close",
        "day-before",
        "day-after",
        "range-start-before",
        "next-of-last",
        "previous-of-first",
    ],
)
def test_queries_outside_the_range_are_refused(week, query):
    with pytest.raises(InvalidInput, match="outside the calendar's range"):
        query(week)


# --- construction ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "field", "reason"),
    [
        ([row(TUE), row(MON)], "date", "increasing"),
        ([row(MON), row(MON)], "date", "increasing"),
        ([(MON, at(MON, 21), at(MON, 14, 30))], "close", "not after open"),
        ([(MON, at(MON, 14), at(TUE, 15)), row(TUE)], "open", "overlaps"),
        ([], "sessions", "at least one"),
        ([(MON, datetime(2026, 1, 5, 14, 30), at(MON, 21))], "open", "naive"),
    ],
    ids=["unsorted", "duplicate", "inverted", "overlap", "empty", "naive"],
)
def test_malformed_schedules_are_refused(rows, field, reason):
    with pytest.raises(InvalidInput, match=reason) as caught:
        MarketCalendar.from_sessions("BAD", rows)
    assert caught.value.field == field


def test_an_early_close_must_be_a_session():
    with pytest.raises(InvalidInput, match="not a session"):
        MarketCalendar.from_sessions("BAD", ROWS, early_closes=[WED])


def test_sessions_may_touch_without_overlapping():
    touching = [(MON, at(MON, 0), at(TUE, 0)), (TUE, at(TUE, 0), at(WED, 0))]
    calendar = MarketCalendar.from_sessions("TOUCH", touching)
    assert calendar.trading_day(at(TUE, 0)) == TUE


def test_from_arrays_equals_from_sessions(week):
    epoch = date(1970, 1, 1)
    ns = [int((r[1] - datetime(1970, 1, 1, tzinfo=UTC)) / SECOND) * 10**9 for r in ROWS]
    lengths = [int((r[2] - r[1]) / SECOND) * 10**9 for r in ROWS]
    same = MarketCalendar.from_arrays(
        "TEST",
        days=np.array([(r[0] - epoch).days for r in ROWS]),
        opens_ns=np.array(ns),
        closes_ns=np.array(ns) + np.array(lengths),
        early_close=np.array([False, True, False, False, False]),
    )
    assert same == week
    assert same.schedule_hash == week.schedule_hash


def test_the_schedule_hash_pins_every_session_time(week):
    moved = [*ROWS[:-1], (NEXT_MON, at(NEXT_MON, 14, 30), at(NEXT_MON, 21, 0, 1))]
    other = MarketCalendar.from_sessions("TEST", moved, early_closes=[TUE])
    assert other != week
    assert other.schedule_hash != week.schedule_hash
    not_early = MarketCalendar.from_sessions("TEST", ROWS)
    assert not_early.schedule_hash != week.schedule_hash
    assert len(week.schedule_hash) == 64


def test_the_arrays_cannot_be_changed_in_place(week):
    with pytest.raises(ValueError, match="read-only"):
        week._closes[0] = 0


@pytest.mark.parametrize(
    ("interval", "bars"),
    [
        (timedelta(minutes=1), 390.0),  # the modal 6.5-hour session, not Tuesday's
        (timedelta(minutes=5), 78.0),
        (timedelta(hours=1), 6.5),
        (timedelta(days=1), 1.0),
        (timedelta(weeks=1), 1.0),
    ],
)
def test_bars_per_session_uses_the_modal_session_length(week, interval, bars):
    assert week.bars_per_session(interval) == bars


def test_a_non_positive_interval_is_refused(week):
    with pytest.raises(InvalidInput, match="positive"):
        week.bars_per_session(timedelta(0))


# --- always open ----------------------------------------------------------------------


def test_an_always_open_market_has_one_session_per_utc_day():
    calendar = MarketCalendar.always_open()
    assert calendar.is_always_open
    assert calendar.name == "24/7"
    assert calendar.sessions_per_year == 365.0
    assert calendar.is_open(at(SAT, 3))
    assert calendar.next_close(at(SAT, 3)) == at(SUN, 0)
    assert calendar.next_open(at(SAT, 3)) == at(SUN, 0)
    assert calendar.next_open(at(SAT, 0)) == at(SAT, 0)
    assert calendar.previous_close(at(SAT, 3)) == at(SAT, 0)
    assert calendar.trading_day(at(SAT, 23, 59)) == SAT
    assert calendar.session_of(at(SAT, 3)).length == timedelta(days=1)
    assert calendar.sessions_in_range(MON, SUN) == 7
    assert calendar.next_session(FRI) == SAT
    assert calendar.bars_per_session(timedelta(minutes=1)) == 1440.0


def test_an_always_open_market_is_never_out_of_range():
    calendar = MarketCalendar.always_open()
    assert calendar.is_session(date(1900, 1, 1))
    assert calendar.next_close(datetime(2999, 12, 31, 12, tzinfo=UTC)) == datetime(
        3000, 1, 1, tzinfo=UTC
    )
    with pytest.raises(InvalidInput, match="naive"):
        calendar.is_open(datetime(2026, 1, 5))


def test_an_always_open_market_takes_no_sessions():
    with pytest.raises(InvalidInput, match="takes none"):
        MarketCalendar(
            name="X",
            sessions_per_year=365,
            is_always_open=True,
            days=[1],
            opens=[0],
            closes=[1],
            early=[False],
        )


def test_remembered_answers_follow_the_instant_asked(week):
    """The calendar keeps its last answer per question; a different instant (or the
    same one spelled in another zone) is answered for itself, a naive one refused."""
    inside, after = at(TUE, 17, 59), at(TUE, 18)
    new_york = inside.astimezone(ZoneInfo("America/New_York"))
    assert [week.is_open(t) for t in (inside, inside, after, new_york, after)] == [
        True,
        True,
        False,
        True,
        False,
    ]
    assert [week.trading_day(t) for t in (after, inside, after, at(WED, 12))] == [
        THU,
        TUE,
        THU,
        THU,
    ]
    with pytest.raises(InvalidInput):
        week.is_open(inside.replace(tzinfo=None))
    with pytest.raises(InvalidInput):
        week.trading_day(after.replace(tzinfo=None))


# --- the span the calendar answers from -----------------------------------------------


def _plain_answers(sessions: list[Session], when: datetime) -> tuple[object, ...]:
    """is_open, trading_day, next_close, session_of and next_open from the session
    list itself: the definitions, with no cache and no search."""
    inside = next((s for s in sessions if s.open <= when < s.close), None)
    day_of = next(s for s in sessions if s.close > when)
    opening = next(s.open for s in sessions if s.open >= when)
    return inside is not None, day_of.date, day_of.close, inside, opening


def _answers(calendar: MarketCalendar, when: datetime) -> tuple[object, ...]:
    return (
        calendar.is_open(when),
        calendar.trading_day(when),
        calendar.next_close(when),
        calendar.session_of(when),
        calendar.next_open(when),
    )


def test_answers_from_the_span_are_the_schedules_in_any_order():
    # XNYS across the March 2026 clock change, Good Friday (2026-04-03) and the
    # early close after Thanksgiving: every instant of a grid, asked in time order
    # (how a replay asks) and shuffled (the span must never answer for an instant
    # outside it), gets the answers the session list defines.
    from tests.calendars import xnys

    calendar = xnys()
    grid = []
    for first, last in [
        (date(2026, 3, 5), date(2026, 3, 11)),
        (date(2026, 4, 1), date(2026, 4, 7)),
        (date(2026, 11, 24), date(2026, 12, 1)),
    ]:
        sessions = list(calendar.sessions_between(first, last + timedelta(days=7)))
        when = at(first, 0)
        while when < at(last, 23):
            grid.append((when, sessions))
            when += timedelta(minutes=7)
    for when, sessions in grid:
        assert _answers(calendar, when) == _plain_answers(sessions, when), when
    order = np.random.default_rng(5).permutation(len(grid))
    for i in order.tolist():
        when, sessions = grid[i]
        assert _answers(calendar, when) == _plain_answers(sessions, when), when


def test_the_first_and_last_minute_of_a_session(week):
    open_, close = at(MON, 14, 30), at(MON, 21)
    for when in (open_, open_ + timedelta(minutes=1), close - timedelta(minutes=1)):
        assert week.is_open(when)
        assert week.trading_day(when) == MON
        assert week.session_of(when) == week.session(MON)
        assert week.next_close(when) == close
    week.is_open(close - SECOND)  # the span of Monday is the one kept now
    assert not week.is_open(close)
    assert week.trading_day(close) == TUE
    assert week.next_close(close) == at(TUE, 18)
    assert week.session_of(close) is None
    assert week.next_open(close) == at(TUE, 14, 30)
    assert week.is_open(close - SECOND)  # back into Monday's span


def test_an_early_close_ends_the_session_and_its_span(week):
    early = at(TUE, 18)
    assert week.is_open(early - SECOND)
    assert week.session_of(early - SECOND).early_close
    assert not week.is_open(early)  # 18:00, three hours before a regular close
    assert week.trading_day(early) == THU  # Wednesday is a holiday
    assert week.next_close(at(TUE, 19)) == at(THU, 21)


def test_the_bar_after_a_holiday(week):
    # The evening before the holiday through the next open is one span: closed,
    # counted to Thursday, opening at Thursday's open.
    for when in (at(TUE, 18), at(WED, 15), at(THU, 14, 29)):
        assert not week.is_open(when)
        assert week.trading_day(when) == THU
        assert week.next_open(when) == at(THU, 14, 30)
        assert week.next_close(when) == at(THU, 21)
    assert week.is_open(at(THU, 14, 30))
    assert week.session_of(at(THU, 14, 31)) == week.session(THU)


def test_a_naive_or_out_of_range_instant_is_refused_with_a_span_kept(week):
    assert week.is_open(at(MON, 15))  # keeps Monday's span
    naive = datetime(2026, 1, 5, 15, 0)
    for ask in (week.is_open, week.trading_day, week.next_close, week.session_of):
        with pytest.raises(InvalidInput, match="at"):
            ask(naive)
        with pytest.raises(InvalidInput, match="outside"):
            ask(at(MON, 14, 29))  # before the first open
    assert week.is_open(at(MON, 15, 1))


def test_another_time_zone_is_the_same_instant(week):
    new_york = ZoneInfo("America/New_York")
    assert week.is_open(at(MON, 15))
    assert week.is_open(datetime(2026, 1, 5, 9, 30, tzinfo=new_york))
    assert week.trading_day(datetime(2026, 1, 5, 16, 0, tzinfo=new_york)) == TUE
    assert not week.is_open(datetime(2026, 1, 6, 9, 29, tzinfo=new_york))
    assert week.is_open(datetime(2026, 1, 6, 9, 30, tzinfo=new_york))
