from datetime import UTC, datetime, timedelta

import pytest

from tradecore.adapters.clock import SystemClock
from tradecore.adapters.sim import SimClock
from tradecore.domain.errors import InvalidInput

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def test_sim_clock_moves_only_when_told():
    clock = SimClock(T0)
    assert clock.now() == T0
    clock.advance(1.5)
    clock.sleep(0.5)
    assert clock.now() == T0 + timedelta(seconds=2)
    assert clock.advance_to(T0 + timedelta(minutes=1)) == clock.now()


def test_sim_clock_never_goes_back():
    clock = SimClock(T0)
    with pytest.raises(InvalidInput):
        clock.advance(-1)
    with pytest.raises(InvalidInput):
        clock.advance_to(T0 - timedelta(seconds=1))


def test_sim_clock_refuses_naive_times():
    with pytest.raises(InvalidInput):
        SimClock(datetime(2026, 1, 5))


def test_system_clock_reads_aware_utc_time():
    now = SystemClock().now()
    assert now.utcoffset() == timedelta(0)
    assert now > T0 - timedelta(days=3650)
