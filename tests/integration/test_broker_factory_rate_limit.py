"""The Alpaca broker built for the apps is paced by the store-kept bucket."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.alpaca_harness import CREDENTIALS
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.adapters.clock import SystemClock
from tradecore.adapters.sqlstore.tables import rate_limit_buckets
from tradecore.apps.config.settings import load_settings
from tradecore.apps.wiring.broker_factory import build_broker, rate_bucket_name


def _bucket(db: Path) -> sa.Row[tuple[float, float]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(rate_limit_buckets.c.tokens, rate_limit_buckets.c.paused_until)
        ).one()
    engine.dispose()
    return row


def test_alpaca_requests_and_429_pauses_are_counted_in_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    monkeypatch.setenv("APCA_API_KEY_ID", CREDENTIALS.key_id)
    monkeypatch.setenv("APCA_API_SECRET_KEY", CREDENTIALS.secret_key)
    with EmulatorServer(EmulatorConfig(seed=1)) as server:
        settings = load_settings(
            None,
            {},
            {
                "store.url": f"sqlite:///{db}",
                "broker.kind": "alpaca",
                "broker.base_url": server.base_url,
                "broker.stream_url": server.stream_url,
            },
        )
        broker = build_broker(settings, SystemClock())
        assert broker is not None
        started = time.time()
        broker.account()
        broker.positions()
        refilled = (time.time() - started) * 200 / 60
        # A burst of 10, two taken, a little refilled while they ran.
        assert 8 <= _bucket(db).tokens <= 8 + refilled + 1e-6
        EmulatorControl(server.base_url).faults(storm=1, storm_reset_s=2)
        before = time.time()
        broker.account()  # 429, paused in the store, then answered
        assert _bucket(db).paused_until >= before + 1
    assert "alpaca-trading:" in rate_bucket_name(CREDENTIALS.key_id)
    assert CREDENTIALS.key_id not in rate_bucket_name(CREDENTIALS.key_id)
