"""The store-kept token bucket: two limiters on one database share one budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.risk_support import sqlite_store
from tradecore.adapters.sqlstore import make_engine
from tradecore.adapters.sqlstore.rate_limiter import StoreRateLimiter
from tradecore.domain.errors import InvalidInput, SchemaOutOfDate


class WallClock:
    """A fake wall clock whose sleeps pass time (shared by both limiters)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(db: Path, clock: WallClock, *, rate: float = 1.0) -> StoreRateLimiter:
    sqlite_store(db).close()
    engine = make_engine(f"sqlite:///{db}", durability="normal")
    return StoreRateLimiter(
        engine, "alpaca:test", rate=rate, capacity=3, wall=clock.time, sleep=clock.sleep
    )


def test_two_limiters_on_one_store_share_the_burst(tmp_path: Path) -> None:
    clock = WallClock()
    first, second = (limiter(tmp_path / "s.db", clock) for _ in range(2))
    first.acquire()
    second.acquire()
    first.acquire()
    assert clock.slept == []
    second.acquire()  # the bucket is empty: this one waits a whole token
    assert sum(clock.slept) == pytest.approx(1.0)
    assert first.state().tokens == pytest.approx(0.0)


def test_a_pause_by_one_process_holds_back_the_other(tmp_path: Path) -> None:
    clock = WallClock()
    first, second = (limiter(tmp_path / "s.db", clock, rate=10.0) for _ in range(2))
    first.pause(5.0)
    second.acquire()
    assert sum(clock.slept) == pytest.approx(5.0 + 0.1, abs=0.01)
    assert max(clock.slept) <= 1.0  # long waits are re-checked, not slept blind


def test_the_rate_holds_over_a_minute(tmp_path: Path) -> None:
    clock = WallClock()
    one, two = (limiter(tmp_path / "s.db", clock, rate=200 / 60) for _ in range(2))
    start, sent = clock.now, 0
    while clock.now - start < 60.0:
        (one if sent % 2 else two).acquire()
        sent += 1
    assert sent <= 200 + 3 + 1


def test_settings_are_validated(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(InvalidInput, match="rate"):
        StoreRateLimiter(engine, "a", rate=0, capacity=1)
    with pytest.raises(InvalidInput, match="capacity"):
        StoreRateLimiter(engine, "a", rate=1, capacity=0)
    with pytest.raises(InvalidInput, match="name"):
        StoreRateLimiter(engine, "", rate=1, capacity=1)
    with pytest.raises(InvalidInput, match="seconds"):
        StoreRateLimiter(engine, "a", rate=1, capacity=1).pause(-1)


def test_an_unmigrated_store_is_refused_not_ignored(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaOutOfDate):
        StoreRateLimiter(engine, "a", rate=1, capacity=1).acquire()
