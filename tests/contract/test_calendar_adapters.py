"""The calendar contract against each adapter, and XNYS facts from the real library.

Every XNYS fact below was checked against ``exchange_calendars`` 4.13 output before
it was written down (DST switches, holidays, early closes, session counts).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings

from tests.contract.calendar_contract import (
    END,
    START,
    CalendarContract,
    MakeCalendar,
    instants,
)
from tradecore.adapters.calendar import AlwaysOpenCalendar, ExchangeCalendar
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar

NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class TestExchangeCalendar(CalendarContract):
    @pytest.fixture
    def make_calendar(self) -> MakeCalendar:
        return ExchangeCalendar

    @pytest.fixture
    def xnys(self) -> MarketCalendar:
        return ExchangeCalendar("XNYS").schedule(START, END)

    @pytest.mark.parametrize(
        ("day", "opens", "closes", "early"),
        [
            # DST: the US switched on Sunday 2026-03-08 and back on Sunday 2025-11-02.
            (date(2026, 3, 6), utc(2026, 3, 6, 14, 30), utc(2026, 3, 6, 21), False),
            (date(2026, 3, 9), utc(2026, 3, 9, 13, 30), utc(2026, 3, 9, 20), False),
            (
                date(2025, 10, 31),
                utc(2025, 10, 31, 13, 30),
                utc(2025, 10, 31, 20),
                False,
            ),
            (date(2025, 11, 3), utc(2025, 11, 3, 14, 30), utc(2025, 11, 3, 21), False),
            # Early closes at 13:00 New York.
            (
                date(2025, 11, 28),
                utc(2025, 11, 28, 14, 30),
                utc(2025, 11, 28, 18),
                True,
            ),
            (
                date(2025, 12, 24),
                utc(2025, 12, 24, 14, 30),
                utc(2025, 12, 24, 18),
                True,
            ),
            (date(2024, 7, 3), utc(2024, 7, 3, 13, 30), utc(2024, 7, 3, 17), True),
        ],
        ids=[
            "winter-friday-before-march-switch",
            "summer-monday-after-march-switch",
            "summer-friday-before-november-switch",
            "winter-monday-after-november-switch",
            "day-after-thanksgiving-2025",
            "christmas-eve-2025",
            "july-3rd-2024",
        ],
    )
    def test_xnys_session_times(self, xnys, day, opens, closes, early):
        session = xnys.session(day)
        assert session is not None
        assert (session.open, session.close, session.early_close) == (
            opens,
            closes,
            early,
        )

    @pytest.mark.parametrize(
        "day",
        [
            date(2025, 7, 4),  # Independence Day, a Friday
            date(2024, 7, 4),  # Independence Day, a Thursday
            date(2026, 4, 3),  # Good Friday
            date(2026, 1, 10),  # Saturday
            date(2026, 1, 11),  # Sunday
            date(2026, 1, 19),  # Martin Luther King Jr. Day
        ],
        ids=["july-4th-2025", "july-4th-2024", "good-friday-2026", "sat", "sun", "mlk"],
    )
    def test_xnys_closed_days(self, xnys, day):
        assert not xnys.is_session(day)
        assert not xnys.is_open(utc(day.year, day.month, day.day, 16))

    def test_a_saturday_trades_on_mondays_session(self, xnys):
        assert xnys.trading_day(utc(2026, 1, 10, 16)) == date(2026, 1, 12)

    def test_a_holiday_trades_on_the_next_session(self, xnys):
        assert xnys.trading_day(utc(2026, 4, 3, 16)) == date(2026, 4, 6)

    def test_a_day_order_one_second_before_the_close_expires_at_that_close(self, xnys):
        close = utc(2025, 11, 28, 18)
        assert xnys.next_close(close - timedelta(seconds=1)) == close
        assert xnys.next_close(close) == utc(2025, 12, 1, 21)

    def test_next_open_after_fridays_close_is_mondays_open(self, xnys):
        assert xnys.next_open(utc(2026, 3, 6, 20)) == utc(2026, 3, 9, 13, 30)
        assert xnys.next_open(utc(2026, 1, 9, 21)) == utc(2026, 1, 12, 14, 30)

    def test_january_2026_has_20_sessions(self, xnys):
        sessions = xnys.sessions_between(date(2026, 1, 1), date(2026, 1, 31))
        assert len(sessions) == 20
        assert (sessions[0].date, sessions[-1].date) == (
            date(2026, 1, 2),
            date(2026, 1, 30),
        )

    def test_annualization_and_bars(self, xnys):
        assert xnys.sessions_per_year == 252.0
        assert xnys.bars_per_session(timedelta(minutes=1)) == 390.0
        assert xnys.bars_per_session(timedelta(minutes=5)) == 78.0
        assert xnys.bars_per_session(timedelta(hours=1)) == 6.5
        assert xnys.bars_per_session(timedelta(days=1)) == 1.0

    def test_the_schedule_is_exactly_the_requested_range(self, xnys):
        assert (xnys.first_session, xnys.last_session) == (
            date(2023, 12, 1),
            date(2027, 1, 29),
        )
        with pytest.raises(InvalidInput, match="outside the calendar's range"):
            xnys.is_session(date(2027, 2, 1))

    def test_a_range_beyond_the_default_bounds_widens_them(self):
        old = ExchangeCalendar().schedule(date(1995, 1, 2), date(1995, 1, 31))
        assert old.is_session(date(1995, 1, 3))
        assert old.is_session(date(1995, 1, 16))  # NYSE closes on MLK Day since 1998

    def test_an_unknown_exchange_is_refused(self):
        with pytest.raises(InvalidInput, match="NOPE"):
            ExchangeCalendar("NOPE").schedule(date(2026, 1, 1), date(2026, 1, 31))

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(at=instants)
    def test_the_trading_day_is_never_before_the_new_york_date(self, xnys, at):
        day = xnys.trading_day(at)
        assert xnys.is_session(day)
        assert day >= at.astimezone(NEW_YORK).date()
        if xnys.is_open(at):
            assert day == at.astimezone(NEW_YORK).date()


class TestAlwaysOpenCalendar(CalendarContract):
    @pytest.fixture
    def make_calendar(self) -> MakeCalendar:
        return AlwaysOpenCalendar

    def test_every_day_is_a_whole_utc_session(self):
        calendar = AlwaysOpenCalendar().schedule(START, END)
        assert calendar.is_always_open
        assert calendar.is_session(date(2026, 1, 10))
        assert calendar.next_close(utc(2026, 1, 10, 16)) == utc(2026, 1, 11, 0)
        assert calendar.bars_per_session(timedelta(minutes=1)) == 1440.0
        assert calendar.sessions_per_year == 365.0
