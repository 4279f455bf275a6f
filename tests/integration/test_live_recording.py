"""``tradecore-live run --record-lake``: a live day recorded into the lake, then
``tradecore-replay run --lake --recorded SESSION`` replaying it exactly.

The parity run is the live app on the emulator over a recorded stream (virtual clock,
one bar per cycle, the real alpaca-py client), as ``tradecore-replay parity`` runs
it; its recording, replayed, decides and orders exactly what it did: the same
decision ids in the same order and the same orders under the same client order ids
(:mod:`tradecore.apps.replay.parity_report`). The REST-polled run (``--feed alpaca``,
wall clock) shows the arrival stamps and provenance of bars fetched from the data API.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.alpaca_harness import CREDENTIALS
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.data.lake_recorder import session_folder
from tradecore.adapters.data.lake_recordings import recorded_bars
from tradecore.apps.live.main import app as live_app
from tradecore.apps.replay import parity_report
from tradecore.apps.replay.main import build_app
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
BARS = 60
PARAMS = ["--param=fast=3", "--param=slow=8", "--param=qty=5"]
ENV = {
    "APCA_API_KEY_ID": CREDENTIALS.key_id,
    "APCA_API_SECRET_KEY": CREDENTIALS.secret_key,
}


def _frames() -> list[BarFrame]:
    return generate_bars(["AAPL", "MSFT"], BARS, start=START, seed=4)


def _as(frames: list[BarFrame], provenance: Provenance) -> list[BarFrame]:
    names = ("symbol", "timestamps", "open", "high", "low", "close", "volume")
    return [
        BarFrame(**{n: getattr(f, n) for n in names}, provenance=provenance)
        for f in frames
    ]


def _replay(lake: Path, session: str, out: Path, *extra: str) -> str:
    args = ["run", "--lake", str(lake), "--recorded", session, "--out", str(out)]
    args += ["--fill-model", "ideal", "--seed", "7", *PARAMS, *extra]
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.heavy
def test_a_recorded_live_run_on_the_emulator_replays_to_the_same_decisions(
    tmp_path: Path,
) -> None:
    frames = _frames()
    bars = tmp_path / "bars"
    write_bar_files(bars, frames)
    lake, db = tmp_path / "lake", tmp_path / "live.db"
    sqlite_store(db).close()
    config = EmulatorConfig(
        seed=7,
        start=START,
        fill_model="ideal",
        bar_interval=timedelta(minutes=1),
    )
    with EmulatorServer(config) as server:
        toml = tmp_path / "live.toml"
        toml.write_text(
            f'[broker]\nkind = "alpaca"\nbase_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n[data]\nrecord_lake = "{lake}"\n'
        )
        args = ["--config", str(toml), "--database-url", f"sqlite:///{db}", "run"]
        args += ["--bars", str(bars), "--emulator", *PARAMS]
        live = CliRunner().invoke(live_app, args, env=ENV)
    assert live.exit_code == 0, live.output
    assert "recorded: 120 rows in " in live.output
    assert "session=2026-01-05" in live.output  # the run's (virtual) clock's day

    # the bars recorded are the bars served, in the order served
    served = recorded_bars(lake, date(2026, 1, 5))
    assert [(b.timestamp, b.symbol) for b in served] == [
        (f.bar(i).timestamp, f.symbol) for i in range(BARS) for f in frames
    ]
    files = _as(frames, Provenance.FILE)  # the bars as read from the files
    assert served == [f.bar(i) for i in range(BARS) for f in files]
    table = pq.read_table(session_folder(lake, date(2026, 1, 5), "bars"))
    assert set(table.column("source").to_pylist()) == {"file"}
    assert table.column("seq").to_pylist() == list(range(1, 2 * BARS + 1))

    out = tmp_path / "replay"
    replayed = _replay(lake, "2026-01-05", out, "--cash", "1000000")
    assert "bars: 120" in " ".join(replayed.split())
    report = parity_report.compare(
        parity_report.read_run(f"sqlite:///{db}"),
        parity_report.read_run(f"sqlite:///{out / STORE_FILE}"),
    )
    assert report["parity"], report
    live_run = parity_report.read_run(f"sqlite:///{db}")
    assert len(live_run.decisions) > 5
    assert len(live_run.orders) > 2


def test_bars_polled_from_the_data_api_are_recorded_with_arrival_and_provenance(
    tmp_path: Path,
) -> None:
    frames = _frames()
    lake, db = tmp_path / "lake", tmp_path / "live.db"
    sqlite_store(db).close()
    with EmulatorServer(EmulatorConfig(seed=7, start=START)) as server:
        control = EmulatorControl(server.base_url)
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
        toml = tmp_path / "live.toml"
        toml.write_text(
            f'[broker]\nkind = "alpaca"\nbase_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n[data]\nfeed = "iex"\n'
            "[risk.degradation]\nenabled = false\n"
        )
        args = ["--config", str(toml), "--database-url", f"sqlite:///{db}", "run"]
        args += ["--feed", "alpaca", "--symbol", "AAPL", "--symbol", "MSFT"]
        args += ["--since", START.isoformat(), "--max-cycles", "1"]
        args += ["--record-lake", str(lake), *PARAMS]
        before = datetime.now(UTC)
        live = CliRunner().invoke(live_app, args, env=ENV)
        after = datetime.now(UTC)
    assert live.exit_code == 0, live.output
    today = before.astimezone(UTC).date()
    (session,) = [p.name for p in (lake / "recorded").iterdir()]
    table = pq.read_table(lake / "recorded" / session / "kind=bars")
    rows = table.to_pylist()
    assert len(rows) == 2 * BARS
    assert {(r["feed"], r["source"], r["corrected"]) for r in rows} == {
        ("iex", "rest", False)
    }
    for row in rows:  # arrival: when the run received it, not the bar's time
        assert before <= row["wall_at"] <= after
        assert before <= row["arrived_at"] <= after
    assert abs((date.fromisoformat(session.removeprefix("session=")) - today).days) <= 1
    # the recording holds exactly the bars the data API served
    got = recorded_bars(lake, date.fromisoformat(session.removeprefix("session=")))
    by_symbol = {
        s: BarFrame.from_bars(s, [b for b in got if b.symbol == s])
        for s in ("AAPL", "MSFT")
    }
    assert data_fingerprint([by_symbol["AAPL"], by_symbol["MSFT"]]) == (
        data_fingerprint(_as(frames, Provenance.IEX))
    )
    # ...and `--recorded latest` replays it: the decisions the live run made
    replayed = _replay(lake, "latest", tmp_path / "replay")
    store = sqlite_store(db)
    with store.unit_of_work() as uow:
        live_inputs = [(d.symbol, d.inputs_hash) for d in uow.decisions.all_decisions()]
    store.close()
    store = sqlite_store(tmp_path / "replay" / STORE_FILE)
    with store.unit_of_work() as uow:
        replay_inputs = [
            (d.symbol, d.inputs_hash) for d in uow.decisions.all_decisions()
        ]
    store.close()
    assert "bars" in replayed
    assert len(live_inputs) == len(replay_inputs) > 5
    # every decision on the same inputs (all bars came in one poll here, so the
    # live cycle's order across symbols is the poll's; the parity test is exact)
    assert sorted(live_inputs) == sorted(replay_inputs)


def test_a_recording_that_cannot_be_written_is_alerted_and_trading_goes_on(
    tmp_path: Path,
) -> None:
    bars = tmp_path / "bars"
    write_bar_files(bars, _frames())
    lake, db = tmp_path / "lake", tmp_path / "live.db"
    lake.mkdir()
    (lake / "recorded").write_text("a file where the recording's folder goes")
    sqlite_store(db).close()
    toml = tmp_path / "live.toml"
    toml.write_text('[broker]\nkind = "simulated"\n')
    args = ["--config", str(toml), "--database-url", f"sqlite:///{db}", "run"]
    args += ["--bars", str(bars), "--record-lake", str(lake), *PARAMS]
    live = CliRunner().invoke(live_app, args, env=ENV)
    assert live.exit_code == 0, live.output
    assert "bars: 120" in live.output  # every bar traded
    assert "LOST 120 rows" in live.output
    assert "data.recording_failed" in live.output + live.stderr
