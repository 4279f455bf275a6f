"""The budget left in both rate limiters, and the store limiter's engine released."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from tests.risk_support import sqlite_store
from tests.unit.adapters.test_alpaca_pieces import FakeTime, bucket
from tests.unit.adapters.test_store_rate_limiter import WallClock, limiter
from tradecore.adapters.sqlstore import make_engine
from tradecore.adapters.sqlstore.rate_limiter import StoreRateLimiter


def test_the_in_process_bucket_reports_what_is_left_without_taking() -> None:
    fake = FakeTime()
    limiter_ = bucket(fake, rate=1.0, capacity=2)
    assert limiter_.remaining() == pytest.approx(2.0)
    limiter_.acquire()
    assert limiter_.remaining() == pytest.approx(1.0)
    assert limiter_.remaining() == pytest.approx(1.0)  # reading takes nothing
    fake.now += 0.5
    assert limiter_.remaining() == pytest.approx(1.5)
    limiter_.pause(3.0)
    assert limiter_.remaining() == 0.0


def test_the_store_bucket_reports_the_shared_budget(tmp_path: Path) -> None:
    clock = WallClock()
    first, second = (limiter(tmp_path / "s.db", clock) for _ in range(2))
    assert second.remaining() == pytest.approx(3.0)
    first.acquire()
    first.acquire()
    assert second.remaining() == pytest.approx(1.0)  # the other process's takes count
    clock.now += 1.0
    assert second.remaining() == pytest.approx(2.0)
    assert first.state().tokens == pytest.approx(1.0)  # a read wrote nothing
    second.pause(10.0)
    assert first.remaining() == 0.0


def _open_connections(engine: object) -> list[int]:
    """Count DBAPI connections opened and closed by ``engine``'s pool."""
    counts = [0]
    event.listen(engine, "connect", lambda *_: counts.__setitem__(0, counts[0] + 1))
    event.listen(engine, "close", lambda *_: counts.__setitem__(0, counts[0] - 1))
    return counts


@pytest.mark.parametrize("owns", [True, False])
def test_closing_releases_the_engine_only_if_the_limiter_owns_it(
    tmp_path: Path, owns: bool
) -> None:
    db = tmp_path / "s.db"
    sqlite_store(db).close()
    engine = make_engine(f"sqlite:///{db}", durability="normal")
    open_now = _open_connections(engine)
    shared = StoreRateLimiter.per_minute(engine, "alpaca:x", 200, owns_engine=owns)
    shared.acquire()
    # One token taken; the bucket refills 3.3 per second meanwhile (a loaded
    # machine may take a while between the two calls).
    assert 9.0 <= shared.remaining() < 9.5
    assert open_now[0] >= 1  # the pool keeps its connection
    shared.close()
    assert open_now[0] == (0 if owns else 1)
    engine.dispose()
