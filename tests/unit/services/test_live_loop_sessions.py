"""The live loop cycles only in the session (issue 16): outside it, it waits on the
clock for the next open, still applying the broker's events; extended hours count
when it is given the extended calendar; a clock that never moves ends the run."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from tests.calendars import ALWAYS_OPEN, xnys, xnys_extended
from tradecore.adapters.data.recorded_feed import RecordedBarFeed
from tradecore.adapters.sim import SimClock
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.services.trading import live_loop
from tradecore.services.trading.live_loop import CycleReport, LiveLoop

#: Friday 2026-01-09 15:55 New York (EST): five minutes before the close.
FRIDAY = datetime(2026, 1, 9, 20, 55, tzinfo=UTC)
FRIDAY_CLOSE = datetime(2026, 1, 9, 21, 0, tzinfo=UTC)
MONDAY_OPEN = datetime(2026, 1, 12, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


class Broker:
    """Hands out events queued for a time, once the clock has reached it."""

    def __init__(self, clock: SimClock, due: dict[datetime, str] | None = None) -> None:
        self.clock, self.due = clock, dict(due or {})
        self.polls: list[datetime] = []

    def poll_events(self) -> list[str]:
        now = self.clock.now()
        self.polls.append(now)
        ready = [at for at in self.due if at <= now]
        return [self.due.pop(at) for at in sorted(ready)]


class Engine:
    decisions = 0
    market = None  # a simple-form strategy: no market feed to stage bars in

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.applied: list[tuple[datetime, str]] = []

    def on_events(self, events: list[str]) -> None:
        self.applied.extend((self.clock.now(), e) for e in events)

    def note_provenance(self, symbol: str, provenance: object) -> None:
        pass

    def on_bar(self, symbol: str, t_ns: int, close: float, volume: float) -> None:
        self.applied.append((self.clock.now(), f"bar {symbol}"))


class Feed:
    exhausted = False

    def __init__(self) -> None:
        self.polls: list[datetime] = []

    def poll(self, now: datetime) -> list[Any]:
        self.polls.append(now)
        return []

    def next_close(self) -> datetime | None:
        return None


class Commits:
    def flush(self) -> None:
        pass


class FrozenClock(SimClock):
    """A virtual clock whose sleeps do nothing: nothing ever advances it."""

    def sleep(self, seconds: float) -> None:
        pass


@pytest.fixture(autouse=True)
def _no_recovery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_loop, "recover", lambda *args: None)


def _run(
    clock: SimClock,
    hours: MarketCalendar | None,
    cycles: int,
    broker: Broker | None = None,
    offset: timedelta = timedelta(0),
) -> tuple[list[datetime], Engine, Feed]:
    engine, feed = Engine(clock), Feed()
    loop = LiveLoop(
        cast(Any, engine),
        cast(Any, broker or Broker(clock)),
        cast(Any, feed),
        cast(Any, None),
        cast(Any, Commits()),
        clock,
        cycle=MINUTE,
        trading_hours=hours,
        market_offset=offset,
    )
    at: list[datetime] = []

    def seen(report: CycleReport) -> None:
        at.append(clock.now())

    run = loop.run(max_cycles=cycles, on_cycle=seen)
    assert run.cycles == len(at)
    return at, engine, feed


def test_cycles_run_to_the_close_then_wait_for_mondays_open() -> None:
    at, _, feed = _run(SimClock(FRIDAY), xnys(), cycles=8)
    friday = [FRIDAY + i * MINUTE for i in range(6)]  # 20:55 .. 21:00 inclusive
    assert at == [*friday, MONDAY_OPEN, MONDAY_OPEN + MINUTE]
    assert feed.polls == at  # no bar was polled, nothing decided, while closed


def test_the_cycle_at_the_close_decides_the_sessions_last_bar() -> None:
    at, _, _ = _run(SimClock(FRIDAY_CLOSE), xnys(), cycles=2)
    assert at == [FRIDAY_CLOSE, MONDAY_OPEN]


def test_broker_events_are_applied_while_the_market_is_closed() -> None:
    clock = SimClock(FRIDAY_CLOSE + MINUTE)
    saturday = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
    broker = Broker(clock, {saturday: "expired"})
    at, engine, _ = _run(clock, xnys(), cycles=1, broker=broker)
    assert at == [MONDAY_OPEN]
    assert engine.applied == [(saturday, "expired")]  # seen when it came, not Monday
    # One wake per cycle interval while closed: the broker was asked all weekend.
    waits = [t for t in broker.polls if t < MONDAY_OPEN]
    assert waits[0] == FRIDAY_CLOSE + MINUTE
    assert max(b - a for a, b in itertools.pairwise(waits)) == MINUTE


def test_extended_hours_run_until_eight_in_new_york() -> None:
    saturday_1am = datetime(2026, 1, 10, 1, 0, tzinfo=UTC)  # Friday 20:00 New York
    monday_4am = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)  # Monday 04:00 New York
    minutes = int((saturday_1am - FRIDAY) / MINUTE) + 1
    at, _, _ = _run(SimClock(FRIDAY), xnys_extended(), cycles=minutes + 1)
    assert at[:6] == [FRIDAY + i * MINUTE for i in range(6)]
    assert FRIDAY_CLOSE + MINUTE in at  # after the regular close: still cycling
    assert at[-2:] == [saturday_1am, monday_4am]


def test_no_trading_hours_and_always_open_cycle_around_the_clock() -> None:
    saturday = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    for hours in (None, ALWAYS_OPEN):
        at, _, _ = _run(SimClock(saturday), hours, cycles=3)
        assert at == [saturday, saturday + MINUTE, saturday + 2 * MINUTE]


def test_sessions_are_judged_on_the_brokers_clock() -> None:
    """Our clock says Saturday; the broker (an emulator on its own time) is at
    Monday's open: the loop cycles, rather than wait two days on our clock."""
    saturday = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    at, _, _ = _run(SimClock(saturday), xnys(), 2, offset=MONDAY_OPEN - saturday)
    assert at == [saturday, saturday + MINUTE]


def test_a_clock_that_never_moves_ends_the_run_instead_of_hanging() -> None:
    at, engine, feed = _run(FrozenClock(FRIDAY_CLOSE + MINUTE), xnys(), cycles=5)
    assert at == []
    assert feed.polls == []
    assert engine.applied == []


def test_daily_bars_are_decided_at_their_sessions_close() -> None:
    """A recorded daily bar closes at its session's close: the loop wakes then."""
    clock = SimClock(datetime(2026, 1, 8, 5, 0, tzinfo=UTC))  # Thursday's daily bar
    stamps = [datetime(2026, 1, d, 5, 0, tzinfo=UTC) for d in (8, 9, 12)]
    frame = BarFrame.from_bars(
        "AAA",
        [
            Bar(symbol="AAA", timestamp=t, open=1.0, high=1.0, low=1.0, close=1.0,
                volume=1.0)
            for t in stamps
        ],
    )  # fmt: skip
    feed = RecordedBarFeed([frame], timedelta(days=1), xnys())
    engine = Engine(clock)
    loop = LiveLoop(
        cast(Any, engine),
        cast(Any, Broker(clock)),
        cast(Any, feed),
        cast(Any, None),
        cast(Any, Commits()),
        clock,
        cycle=timedelta(days=1),
        trading_hours=xnys(),
    )
    served: list[tuple[datetime, int]] = []
    original = feed.poll

    def poll(now: datetime) -> list[Bar]:
        bars = original(now)
        served.append((now, len(bars)))
        return bars

    feed.poll = poll  # type: ignore[method-assign]
    loop.run(max_cycles=10)
    decided = [(at, n) for at, n in served if n]
    assert decided == [
        (datetime(2026, 1, 8, 21, 0, tzinfo=UTC), 1),  # Thursday's close
        (datetime(2026, 1, 9, 21, 0, tzinfo=UTC), 1),  # Friday's close
        (datetime(2026, 1, 12, 21, 0, tzinfo=UTC), 1),  # Monday's close
    ]
