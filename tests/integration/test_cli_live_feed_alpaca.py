"""``tradecore-live run --feed alpaca``: bars from Alpaca's data API (the emulator
serving what was posted to it), polled through alpaca-py, traded at Alpaca."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from tests.alpaca_harness import CREDENTIALS
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.adapters.alpaca_emulator.server import EmulatorServer
from tradecore.apps.live.main import app
from tradecore.apps.replay.runner import replay
from tradecore.apps.wiring import errors
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
BARS = 60
PARAMS = {"fast": 3, "slow": 8, "qty": 5}


def _post(control: EmulatorControl, frames: list) -> None:  # type: ignore[type-arg]
    items = []
    for i in range(BARS):
        for frame in frames:
            bar = frame.bar(i)
            items.append(
                {"symbol": bar.symbol, "t": bar.timestamp.isoformat()}
                | {"o": bar.open, "h": bar.high, "l": bar.low, "c": bar.close}
                | {"v": bar.volume}
            )
    control.bars(items, through=False)
    control.advance_to(START + BARS * timedelta(minutes=1))


def test_run_trades_from_the_alpaca_data_feed(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    frames = generate_bars(["AAPL", "MSFT"], BARS, start=START, seed=4)
    with EmulatorServer(EmulatorConfig(seed=7, start=START)) as server:
        _post(EmulatorControl(server.base_url), frames)
        config = tmp_path / "live.toml"
        config.write_text(
            f'[broker]\nkind = "alpaca"\nbase_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n[data]\nfeed = "iex"\n'
            # Bars of a fixed past day on the wall clock are stale by hours: the
            # degradation monitor would rightly refuse every entry on them.
            "[risk.degradation]\nenabled = false\n"
        )
        env = {
            "APCA_API_KEY_ID": CREDENTIALS.key_id,
            "APCA_API_SECRET_KEY": CREDENTIALS.secret_key,
        }
        args = ["--config", str(config), "--database-url", f"sqlite:///{db}", "run"]
        args += ["--feed", "alpaca", "--symbols", "AAPL,MSFT"]
        args += ["--since", START.isoformat(), "--max-cycles", "1"]
        args += [f"--param={k}={v}" for k, v in PARAMS.items()]
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        at_alpaca = EmulatorControl(server.base_url).state()["orders"]
    assert "data: alpaca feed iex" in result.output
    assert "degraded-data regime" in result.output
    assert f"bars: {2 * BARS}" in result.output
    store = sqlite_store(db)
    with store.unit_of_work() as uow:
        intents = uow.intents.by_status(*IntentStatus)
        decisions = uow.decisions.all_decisions()
    store.close()
    # The same bars replayed decide the same trades (ids differ: the live clock's
    # session date is today's).
    replayed = replay(frames, "sma_cross", PARAMS, fill_model="ideal", seed=7)
    assert len(decisions) == replayed.summary["decisions"] > 5
    assert len(intents) == at_alpaca == replayed.summary["orders"]


def test_feed_alpaca_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    base = ["--database-url", f"sqlite:///{db}", "run", "--dry-run"]
    runner = CliRunner()
    no_symbols = runner.invoke(app, [*base, "--feed", "alpaca"], env={})
    assert no_symbols.exit_code == errors.CONFIG_OR_AUTH
    assert "--symbol" in no_symbols.output
    both = runner.invoke(
        app, [*base, "--feed", "alpaca", "--bars", str(tmp_path)], env={}
    )
    assert both.exit_code == errors.CONFIG_OR_AUTH
    assert "drop --data" in both.output
    naive = runner.invoke(
        app,
        [*base, "--feed", "alpaca", "--symbol", "AAPL", "--since", "2026-01-05T14:30"],
        env={"APCA_API_KEY_ID": "k", "APCA_API_SECRET_KEY": "s"},
    )
    assert naive.exit_code == errors.CONFIG_OR_AUTH
    assert "time zone" in naive.output
    unknown = runner.invoke(app, [*base, "--feed", "carrier-pigeon"], env={})
    # A closed set: click refuses it before the command runs, listing the choices.
    assert unknown.exit_code == errors.USAGE
    assert "'files', 'alpaca', 'alpaca-stream'" in unknown.output
