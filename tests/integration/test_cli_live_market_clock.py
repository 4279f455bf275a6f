"""``tradecore-live run`` reads the broker's clock (Alpaca's ``/v2/clock``, here the
emulator's) before trading and refuses, with its own exit code, when it disagrees
with ``[market] calendar`` away from an open or close (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from tests.alpaca_harness import CREDENTIALS
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.adapters.alpaca_emulator.routes import STATE
from tradecore.adapters.alpaca_emulator.server import EmulatorServer
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.datagen import generate_bars

SATURDAY = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
MONDAY_OPEN = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
ENV = {
    "APCA_API_KEY_ID": CREDENTIALS.key_id,
    "APCA_API_SECRET_KEY": CREDENTIALS.secret_key,
}


def _run(
    tmp_path: Path, config: EmulatorConfig, start: datetime
) -> tuple[int, str, int]:
    db, bars = tmp_path / "live.db", tmp_path / "bars"
    sqlite_store(db).close()
    write_bar_files(bars, generate_bars(["AAPL"], 12, start=start, seed=4))
    with EmulatorServer(config) as server:
        toml = tmp_path / "live.toml"
        toml.write_text(
            f'[broker]\nkind = "alpaca"\nbase_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n'
        )
        args = ["--config", str(toml), "--database-url", f"sqlite:///{db}", "run"]
        args += ["--bars", str(bars), "--emulator", "--max-cycles", "3"]
        result = CliRunner().invoke(app, args, env=ENV)
        orders = len(server.app[STATE].all_orders())
    return result.exit_code, result.output, orders


def test_an_emulator_open_on_saturday_is_refused_with_its_own_exit_code(
    tmp_path: Path,
) -> None:
    config = EmulatorConfig(
        seed=7, start=SATURDAY, calendar=MarketCalendar.always_open()
    )
    code, output, orders = _run(tmp_path, config, SATURDAY)
    assert orders == 0
    assert code == errors.MARKET_CLOCK_MISMATCH == 11, output
    line = next(x for x in output.splitlines() if x.startswith("error:"))
    assert (
        "the broker's clock says the market is open at 2026-01-10T15:00:00+00:00"
        in line
    )
    assert "calendar XNYS says closed" in line
    assert "next open 2026-01-12T14:30:00+00:00" in line
    assert "cycles:" not in output  # nothing ran


def test_a_broker_clock_that_agrees_lets_the_run_start(tmp_path: Path) -> None:
    code, output, _ = _run(
        tmp_path, EmulatorConfig(seed=7, start=MONDAY_OPEN), MONDAY_OPEN
    )
    assert code == 0, output
    assert (
        "market: open at the broker (2026-01-05T14:30:00+00:00), as XNYS says" in output
    )
    assert "cycles: 3 " in output
