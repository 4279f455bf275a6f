"""``tradecore-live run --emulator`` reconciles while running (issue 17): an order placed
at the broker out of band (as from Alpaca's web UI) mid-run is adopted as an external
intent, audited and alerted, and the ledger ends equal to the broker's positions."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.alpaca_harness import CREDENTIALS, adapter_config
from tests.risk_support import audit_rows, sqlite_store
from tradecore.adapters.alpaca.broker import AlpacaBroker
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.adapters.alpaca_emulator.server import EmulatorServer
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.orders.adoption import EXTERNAL
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import Side

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def _place_out_of_band_when(
    control: EmulatorControl, at: datetime, placed: dict[str, object]
) -> threading.Thread:
    def place() -> None:
        deadline = time.monotonic() + 60
        while control.now() < at and time.monotonic() < deadline:
            time.sleep(0.01)
        placed.update(
            control.place_order(
                symbol="AAPL",
                qty="3",
                side="buy",
                type="market",
                time_in_force="day",
            )
        )

    thread = threading.Thread(target=place, daemon=True)
    thread.start()
    return thread


@pytest.mark.heavy
def test_an_order_placed_out_of_band_mid_run_is_adopted_audited_and_alerted(
    tmp_path: Path,
) -> None:
    db, bars = tmp_path / "live.db", tmp_path / "bars"
    sqlite_store(db).close()
    write_bar_files(bars, generate_bars(["AAPL", "MSFT"], 40, start=START, seed=4))
    server = EmulatorServer(EmulatorConfig(seed=7, start=START)).start()
    try:
        config = tmp_path / "live.toml"
        config.write_text(
            "[broker]\n"
            'kind = "alpaca"\n'
            f'base_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n'
            "[reconcile]\n"
            "interval_s = 0.2\n"  # real seconds: a pass every few paced cycles
        )
        placed: dict[str, object] = {}
        thread = _place_out_of_band_when(
            EmulatorControl(server.base_url), START + timedelta(minutes=12), placed
        )
        env = {
            "APCA_API_KEY_ID": CREDENTIALS.key_id,
            "APCA_API_SECRET_KEY": CREDENTIALS.secret_key,
        }
        args = ["--config", str(config), "--database-url", f"sqlite:///{db}", "run"]
        args += ["--bars", str(bars), "--param", "fast=3", "--param", "slow=8"]
        args += ["--param", "qty=5", "--emulator", "--pace", "0.05"]
        result = CliRunner().invoke(app, args, env=env)
        thread.join(timeout=5)
        assert result.exit_code == 0, result.output
        assert placed, "the out-of-band order was not placed during the run"
        theirs_cid = str(placed["client_order_id"])

        store = sqlite_store(db)
        with store.unit_of_work() as uow:
            external = [
                i
                for i in uow.intents.by_status(*IntentStatus)
                if i.execution_policy == EXTERNAL
            ]
            fills = list(uow.fills.all())
            checks = list(uow.positions.latest_checks())
        store.close()
        # Adopted under the broker's own client order id, with its fill.
        assert [i.client_order_id for i in external] == [theirs_cid]
        (adopted,) = external
        assert adopted.broker_order_id == placed["id"]
        assert adopted.decision_key.strategy_id == EXTERNAL
        assert adopted.status is IntentStatus.FILLED
        assert adopted.filled_qty == Decimal(3)
        assert "reconciled: " in result.output

        healed = [p for _, p in audit_rows(db, "reconcile_healed")]
        mine = [h for h in healed if h["client_order_id"] == theirs_cid]
        assert [h["kind"] for h in mine] == ["external_order"]
        assert mine[0]["before"] == {"intent": "none"}
        # Adopted while working (its fill then came as an event) or once filled.
        assert mine[0]["after"]["status"] in ("acked", "filled")
        alerts = [p["code"] for _, p in audit_rows(db, "alert")]
        assert "reconcile.healed" in alerts

        with AlpacaBroker(adapter_config(server), CREDENTIALS) as broker:
            positions = {p.symbol: p.qty for p in broker.positions()}
        ledger: dict[str, Decimal] = defaultdict(Decimal)
        for fill in fills:
            ledger[fill.symbol] += fill.qty if fill.side is Side.BUY else -fill.qty
        assert {s: q for s, q in ledger.items() if q} == positions
        # The last pass stored broker against ledger for every symbol held.
        assert {c.symbol for c in checks} >= set(positions)
        assert all(c.healed_qty == c.broker_qty for c in checks)
    finally:
        server.stop()
