"""``tradecore-live run`` on Alpaca paper: the real alpaca-py client against the
emulator on loopback, orders under the intents' client order ids."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.alpaca_harness import CREDENTIALS, adapter_config
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca.broker import AlpacaBroker
from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.adapters.alpaca_emulator.server import EmulatorServer
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


@pytest.mark.heavy
def test_run_places_the_intents_orders_at_alpaca(tmp_path: Path) -> None:
    db, bars = tmp_path / "live.db", tmp_path / "bars"
    sqlite_store(db).close()
    write_bar_files(bars, generate_bars(["AAPL", "MSFT"], 50, start=START, seed=4))
    server = EmulatorServer(EmulatorConfig(seed=7, start=START)).start()
    try:
        config = tmp_path / "live.toml"
        config.write_text(
            "[broker]\n"
            'kind = "alpaca"\n'
            f'base_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n'
        )
        env = {
            "APCA_API_KEY_ID": CREDENTIALS.key_id,
            "APCA_API_SECRET_KEY": CREDENTIALS.secret_key,
        }
        args = ["--config", str(config), "--database-url", f"sqlite:///{db}", "run"]
        args += ["--bars", str(bars), "--param", "fast=3", "--param", "slow=8"]
        args += ["--param", "qty=5", "--emulator"]
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        store = sqlite_store(db)
        with store.unit_of_work() as uow:
            intents = uow.intents.by_status(*IntentStatus)
        store.close()
        assert len(intents) > 3
        # Orders of the last cycles may still await their stream events when a
        # recorded feed ends; every one is at Alpaca under its client order id.
        assert IntentStatus.FILLED in {i.status for i in intents}
        with AlpacaBroker(adapter_config(server), CREDENTIALS) as check:
            at_alpaca = [
                check.get_order_by_client_id(i.client_order_id) for i in intents
            ]
        assert [o.spec.qty for o in at_alpaca] == [i.spec.qty for i in intents]
        assert [o.spec.side for o in at_alpaca] == [i.spec.side for i in intents]
        known = [
            (i, o) for i, o in zip(intents, at_alpaca, strict=True) if i.broker_order_id
        ]
        assert len(known) >= len(intents) - 2
        assert all(i.broker_order_id == o.broker_order_id for i, o in known)
    finally:
        server.stop()


def test_crash_restart_resumes_at_the_emulators_time_not_the_first_bar(
    tmp_path: Path,
) -> None:
    """Found by the chaos campaign: a restarted run re-fed its first bars to the
    emulator, whose time was past them, and died on every restart."""
    db, bars = tmp_path / "live.db", tmp_path / "bars"
    sqlite_store(db).close()
    write_bar_files(bars, generate_bars(["AAPL"], 12, start=START, seed=4))
    server = EmulatorServer(EmulatorConfig(seed=7, start=START)).start()
    try:
        config = tmp_path / "live.toml"
        config.write_text(
            f'[broker]\nkind = "alpaca"\nbase_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n'
        )
        env = {
            "APCA_API_KEY_ID": CREDENTIALS.key_id,
            "APCA_API_SECRET_KEY": CREDENTIALS.secret_key,
        }
        args = ["--config", str(config), "--database-url", f"sqlite:///{db}", "run"]
        args += ["--bars", str(bars), "--emulator", "--strategy"]
        args += ["tests.chaos.strategy:Churn"]
        first = CliRunner().invoke(app, [*args, "--max-cycles", "5"], env=env)
        assert first.exit_code == 0, first.output
        second = CliRunner().invoke(app, args, env=env)
        assert second.exit_code == 0, second.output
        # 12 bars: 4 closed in the first run's 5 cycles; the restart sees the rest.
        assert "bars: 4 " in first.output
        assert "bars: 8 " in second.output
    finally:
        server.stop()
