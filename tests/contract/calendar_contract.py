"""The Calendar contract, numbered CAL-01 ...: every calendar adapter passes it.

An adapter's test module subclasses :class:`CalendarContract` and provides the
``make_calendar`` fixture, a factory of fresh adapters. The cases hold for any market
(an exchange or one always open); exchange facts live beside each adapter's class.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.ports.calendar import Calendar

MakeCalendar = Callable[[], Calendar]

#: The schedule the cases ask for, and instants well inside it (a margin of a month
#: each side, so next_open / previous_close always have a session to name).
START, END = date(2023, 12, 1), date(2027, 1, 31)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2026, 12, 31, 23, 59, 59),
    timezones=st.just(UTC),
)


class CalendarContract:
    """The cases; ``make_calendar`` comes from the adapter module."""

    @pytest.fixture
    def make_calendar(self) -> MakeCalendar:
        raise NotImplementedError(
            "provide make_calendar in the adapter's contract module"
        )

    def schedule(self, make_calendar: MakeCalendar) -> MarketCalendar:
        return make_calendar().schedule(START, END)

    def test_cal01_the_schedule_carries_the_adapters_name(
        self, make_calendar: MakeCalendar
    ) -> None:
        """CAL-01 the schedule is a MarketCalendar named like the adapter."""
        calendar = make_calendar()
        schedule = calendar.schedule(START, END)
        assert isinstance(schedule, MarketCalendar)
        assert schedule.name == calendar.name

    def test_cal02_the_schedule_covers_the_requested_dates(
        self, make_calendar: MakeCalendar
    ) -> None:
        """CAL-02 sessions lie within [start, end] and fill it up to the range."""
        schedule = self.schedule(make_calendar)
        assert schedule.first_session <= START + timedelta(days=7)
        assert schedule.last_session >= END - timedelta(days=7)
        sessions = schedule.sessions_between(date(2024, 1, 1), date(2024, 12, 31))
        assert all(date(2024, 1, 1) <= s.date <= date(2024, 12, 31) for s in sessions)
        assert len(sessions) == schedule.sessions_in_range(
            date(2024, 1, 1), date(2024, 12, 31)
        )
        assert sessions == tuple(sorted(sessions, key=lambda s: s.date))

    def test_cal03_the_same_range_gives_an_equal_schedule(
        self, make_calendar: MakeCalendar
    ) -> None:
        """CAL-03 schedules are deterministic: equal values, equal schedule_hash."""
        first, second = self.schedule(make_calendar), self.schedule(make_calendar)
        assert first == second
        assert first.schedule_hash == second.schedule_hash

    def test_cal04_every_session_answers_consistently_at_its_edges(
        self, make_calendar: MakeCalendar
    ) -> None:
        """CAL-04 at each session's open it is open; its close is that next_close."""
        schedule = self.schedule(make_calendar)
        for session in schedule.sessions_between(date(2025, 1, 1), date(2025, 12, 31)):
            assert session.open < session.close
            assert schedule.is_open(session.open)
            assert schedule.session_of(session.open) == session
            assert schedule.next_open(session.open) == session.open
            assert schedule.next_close(session.open) == session.close
            assert schedule.next_close(session.close - timedelta(seconds=1)) == (
                session.close
            )
            assert schedule.previous_close(session.close) == session.close
            assert schedule.trading_day(session.open) == session.date
            assert schedule.session(session.date) == session

    def test_cal05_end_before_start_is_refused(
        self, make_calendar: MakeCalendar
    ) -> None:
        """CAL-05 a range whose end precedes its start raises InvalidInput."""
        with pytest.raises(InvalidInput, match="before start"):
            make_calendar().schedule(date(2026, 2, 1), date(2026, 1, 1))

    def test_cal06_a_naive_instant_is_refused(
        self, make_calendar: MakeCalendar
    ) -> None:
        """CAL-06 naive datetimes raise InvalidInput naming the argument."""
        with pytest.raises(InvalidInput, match="naive") as caught:
            self.schedule(make_calendar).next_close(datetime(2025, 6, 2, 15))
        assert caught.value.field == "at"

    # The fixture is a stateless factory, so sharing it across examples is safe; each
    # adapter subclass runs this same method, and an instant saved in the example
    # database by one adapter is an equally valid example for another.
    @settings(
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ]
    )
    @given(at=instants)
    def test_cal07_instant_queries_agree_with_each_other(
        self, make_calendar: MakeCalendar, at: datetime
    ) -> None:
        """CAL-07 is_open, session_of, trading_day, next_open/close agree at any t."""
        schedule = self.schedule(make_calendar)
        session = schedule.session_of(at)
        assert schedule.is_open(at) == (session is not None)
        after, before = schedule.next_close(at), schedule.previous_close(at)
        assert before <= at < after
        # No close lies strictly between the previous and the next close.
        assert schedule.next_close(before) == after
        day = schedule.session(schedule.trading_day(at))
        assert day is not None
        assert day.close == after  # the trading day is the session of the expiry
        opens = schedule.next_open(at)
        assert opens >= at
        if session is None:
            assert opens == day.open  # closed: the next open starts the trading day
        else:
            assert session == day
            assert session.open <= at < session.close
