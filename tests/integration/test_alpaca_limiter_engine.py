"""The configured Alpaca broker's store-kept rate limiter leaves no connection open.

``build_broker`` paces the adapter with a token bucket kept in the configured store,
through an engine of its own; closing the broker (directly, or the dry-run wrapper
around it) must close that engine's SQLite connections.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tests.alpaca_harness  # noqa: F401  (skips/fails like every emulator suite)
from tests.alpaca_harness import START
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca_emulator import (
    DEFAULT_KEY_ID,
    DEFAULT_SECRET_KEY,
    EmulatorConfig,
    EmulatorServer,
)
from tradecore.adapters.dryrun import DryRunBroker
from tradecore.adapters.sim import SimClock
from tradecore.apps.config.settings import BrokerSettings, Settings, StoreSettings
from tradecore.apps.wiring.broker_factory import build_broker, close_broker


def _open_handles(db: Path) -> int:
    """File descriptors of this process open on ``db`` (SQLite connections)."""
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        count += target == str(db)
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
@pytest.mark.parametrize("dry_run", [False, True])
def test_closing_the_broker_closes_its_limiters_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    monkeypatch.setenv("APCA_API_KEY_ID", DEFAULT_KEY_ID)
    monkeypatch.setenv("APCA_API_SECRET_KEY", DEFAULT_SECRET_KEY)
    with EmulatorServer(EmulatorConfig(start=START)) as server:
        settings = Settings(
            store=StoreSettings(url=f"sqlite:///{db}", durability="normal"),
            broker=BrokerSettings(
                kind="alpaca", base_url=server.base_url, stream_url=server.stream_url
            ),
        )
        clock = SimClock(START)
        real = build_broker(settings, clock)
        assert real is not None
        broker = DryRunBroker(clock, real) if dry_run else real
        assert broker.positions() == []  # paced: the bucket row was read and written
        budget = broker.rate_budget_left()
        assert budget is not None
        assert budget < 10  # the default burst, less what was spent
        assert _open_handles(db) >= 1
        close_broker(broker)
        assert _open_handles(db) == 0
