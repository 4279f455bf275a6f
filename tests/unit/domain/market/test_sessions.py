from datetime import UTC, datetime, time

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.sessions import TradingSession

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY.replace(day=5 + day, hour=hour, minute=minute)


def test_us_regular_hours_are_open_between_open_and_close_on_weekdays():
    session = TradingSession.us_regular()
    assert not session.is_open(at(0, 13, 29))
    assert session.is_open(at(0, 13, 30))
    assert session.is_open(at(0, 19, 59))
    assert not session.is_open(at(0, 20, 0))
    assert not session.is_open(at(5, 15))  # Saturday


def test_next_close_is_todays_close_during_the_session():
    assert TradingSession.us_regular().next_close(at(0, 14)) == at(0, 20)


def test_an_order_after_the_close_belongs_to_the_next_session():
    session = TradingSession.us_regular()
    assert session.next_close(at(0, 20)) == at(1, 20)
    assert session.next_close(at(4, 21)) == at(7, 20)  # Friday evening -> Monday


def test_around_the_clock_is_always_open_and_closes_at_midnight():
    session = TradingSession.around_the_clock()
    assert session.is_open(at(5, 3))
    assert session.next_close(at(0, 23, 59)) == at(1, 0)


def test_open_must_precede_close():
    with pytest.raises(InvalidInput, match="close_utc"):
        TradingSession(open_utc=time(20), close_utc=time(13))
