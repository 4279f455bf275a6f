"""``tradecore-live run`` with bars streamed over Alpaca's market-data WebSocket (the
emulator's), the warm-up backfilled over REST, traded at the emulated Alpaca."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.alpaca_harness import CREDENTIALS, eventually
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.adapters.alpaca_emulator.server import EmulatorServer
from tradecore.adapters.clock import SystemClock
from tradecore.apps.live.main import app
from tradecore.apps.replay.runner import replay
from tradecore.apps.wiring import errors
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
WARM, LIVE = 60, 10
PARAMS = {"fast": 3, "slow": 8, "qty": 5}
ENV = {
    "APCA_API_KEY_ID": CREDENTIALS.key_id,
    "APCA_API_SECRET_KEY": CREDENTIALS.secret_key,
}


def _post(
    control: EmulatorControl, frames: list[BarFrame], first: int, end: int
) -> None:
    items = []
    for i in range(first, end):
        for frame in frames:
            bar = frame.bar(i)
            items.append(
                {"symbol": bar.symbol, "t": bar.timestamp.isoformat()}
                | {"o": bar.open, "h": bar.high, "l": bar.low, "c": bar.close}
                | {"v": bar.volume}
            )
    control.bars(items, through=False)
    control.advance_to(START + end * timedelta(minutes=1))


class _QuickClock(SystemClock):
    """The wall clock, but a cycle's wait (one bar interval) is cut to 0.1 s."""

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, 0.1))


@pytest.mark.heavy
def test_run_trades_bars_streamed_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tradecore.apps.live.stream_feed.SystemClock", _QuickClock)
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    frames = generate_bars(["AAPL", "MSFT"], WARM + LIVE, start=START, seed=4)
    with EmulatorServer(EmulatorConfig(seed=7, start=START)) as server:
        control = EmulatorControl(server.base_url)
        _post(control, frames, 0, WARM)
        config = tmp_path / "live.toml"
        config.write_text(
            f'[broker]\nkind = "alpaca"\nbase_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n[data]\nfeed = "sip"\n'
            'mode = "stream"\n'
            # Bars of a fixed past day on the wall clock are stale by hours: the
            # degradation monitor would rightly refuse every entry on them.
            "[risk.degradation]\nenabled = false\n"
        )

        def market() -> None:  # the last bars come while the run is under way
            eventually(
                lambda: control.data_stream_state()["subscribers"] == 1,
                what="the run's subscription",
            )
            _post(control, frames, WARM, WARM + LIVE)

        feeder = threading.Thread(target=market, daemon=True)
        feeder.start()
        args = ["--config", str(config), "--database-url", f"sqlite:///{db}", "run"]
        args += ["--feed", "alpaca", "--symbol", "AAPL", "--symbol", "MSFT"]
        args += ["--since", START.isoformat(), "--max-cycles", "25"]
        args += [f"--param={k}={v}" for k, v in PARAMS.items()]
        args += ["--record-lake", str(tmp_path / "lake")]
        result = CliRunner().invoke(app, args, env=ENV)
        feeder.join(10)
        assert result.exit_code == 0, result.output
        stream = control.data_stream_state()
    assert "streamed from ws://" in result.output
    assert "full data" in result.output  # sip
    assert f"bars: {2 * (WARM + LIVE)}" in result.output
    assert stream["connections"] == 1
    assert stream["subscribers"] == 0  # the run closed its stream
    assert stream["messages_sent"] == 2 * LIVE
    store = sqlite_store(db)
    with store.unit_of_work() as uow:
        decisions = uow.decisions.all_decisions()
    store.close()
    replayed = replay(frames, "sma_cross", PARAMS, fill_model="ideal", seed=7)
    assert len(decisions) == replayed.summary["decisions"] > 5
    # --record-lake: the warm-up came over REST, the rest over the stream
    (session,) = (tmp_path / "lake" / "recorded").iterdir()
    rows = pq.read_table(session / "kind=bars").to_pylist()
    assert len(rows) == 2 * (WARM + LIVE)
    sources = Counter((r["source"], r["feed"], r["served"]) for r in rows)
    assert sources == {
        ("rest", "sip", True): 2 * WARM,
        ("stream", "sip", True): 2 * LIVE,
    }


def test_feed_alpaca_stream_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    base = ["--database-url", f"sqlite:///{db}", "run", "--dry-run"]
    runner = CliRunner()
    no_symbols = runner.invoke(app, [*base, "--feed", "alpaca-stream"], env=ENV)
    assert no_symbols.exit_code == errors.CONFIG_OR_AUTH
    assert "--feed alpaca-stream needs the symbols" in no_symbols.output
    config = tmp_path / "delayed.toml"
    config.write_text('[data]\nfeed = "delayed_sip"\nmode = "stream"\n')
    delayed = runner.invoke(
        app,
        ["--config", str(config), *base, "--feed", "alpaca", "--symbol", "AAPL"],
        env=ENV,
    )
    assert delayed.exit_code == errors.CONFIG_OR_AUTH
    assert "iex or sip only" in delayed.output
    assert 'mode = "poll"' in delayed.output
    bad_mode = tmp_path / "bad.toml"
    bad_mode.write_text('[data]\nmode = "telepathy"\n')
    refused = runner.invoke(app, ["--config", str(bad_mode), *base], env=ENV)
    assert refused.exit_code == errors.CONFIG_OR_AUTH
    assert "data: mode='telepathy'" in refused.output
