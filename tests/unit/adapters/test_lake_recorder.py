"""Live recording into a lake: buffered small files, arrival order, failures alerted."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tradecore.adapters.data.lake_recorder import LakeRecorder, session_folder
from tradecore.adapters.data.lake_recordings import (
    recorded_bars,
    recorded_frames,
    recorded_quotes,
    recorded_sessions,
)
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bars import Bar, Provenance, Quote
from tradecore.ports.alerts import Alert, AlertCode

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SESSION = date(2026, 1, 5)


def bar(symbol: str, minute: int, close: float = 10.0) -> Bar:
    return Bar(
        symbol=symbol,
        timestamp=START + timedelta(minutes=minute),
        open=close,
        high=close + 1,
        low=close - 1,
        close=close,
        volume=100.0,
        provenance=Provenance.IEX,
    )


class Alerts:
    def __init__(self) -> None:
        self.sent: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.sent.append(alert)


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def recorder(root: Path, **kwargs: object) -> LakeRecorder:
    return LakeRecorder(root, started_at=START, run="r1", **kwargs)  # type: ignore[arg-type]


def test_bars_are_written_in_small_files_by_rows_or_age_and_read_back_in_order(
    tmp_path: Path,
) -> None:
    ticks = Ticks()
    rec = recorder(tmp_path, monotonic=ticks)
    rec.flush_rows = 3
    rec.record_bars(
        [bar("AAA", 0), bar("BBB", 0)], START + timedelta(minutes=1), "rest"
    )
    assert rec.status().files == 0  # 2 rows < 3, not old yet: buffered
    rec.record_bars([bar("AAA", 1)], START + timedelta(minutes=2), "rest")  # 3 rows
    rec.record_bars([bar("BBB", 1)], START + timedelta(minutes=2), "rest")
    ticks.now = 10.0
    rec.tick()  # old enough: flushed
    rec.close()
    folder = session_folder(tmp_path, SESSION, "bars")
    files = sorted(folder.glob("part-*.parquet"))
    assert len(files) == 2
    assert rec.status().files == 2
    row = pq.read_table(files[0]).to_pylist()[0]
    assert (row["run"], row["seq"], row["feed"], row["source"]) == (
        "r1",
        1,
        "iex",
        "rest",
    )
    assert row["corrected"] is False
    assert recorded_sessions(tmp_path) == [SESSION]
    got = recorded_bars(tmp_path, SESSION)
    assert [(b.symbol, b.timestamp) for b in got] == [
        ("AAA", START),
        ("BBB", START),
        ("AAA", START + timedelta(minutes=1)),
        ("BBB", START + timedelta(minutes=1)),
    ]
    assert got[0] == bar("AAA", 0)
    frames = recorded_frames(tmp_path, SESSION)
    assert [(f.symbol, len(f)) for f in frames] == [("AAA", 2), ("BBB", 2)]


def test_late_corrections_are_kept_not_replayed_and_repeats_keep_the_first(
    tmp_path: Path,
) -> None:
    rec = recorder(tmp_path)
    arrived = START + timedelta(minutes=1)
    rec.record_bars([bar("AAA", 0, 10.0)], arrived, "stream")
    rec.record_bars(
        [bar("AAA", 0, 11.0)], arrived, "stream", corrected=True, served=False
    )
    rec.record_bars([bar("AAA", 0, 12.0)], arrived, "rest")  # a second run's copy
    # corrected before it was served, and a backfilled bar of a stream feed
    rec.record_bars(
        [bar("AAA", 1, 13.0), bar("AAA", 2, 14.0)],
        arrived,
        "stream",
        origins=[("stream", True), ("rest", False)],
    )
    rec.close()
    assert [b.close for b in recorded_bars(tmp_path, SESSION)] == [10.0, 13.0, 14.0]
    table = pq.read_table(session_folder(tmp_path, SESSION, "bars"))
    assert table.column("corrected").to_pylist() == [False, True, False, True, False]
    assert table.column("served").to_pylist() == [True, False, True, True, True]
    assert table.column("source").to_pylist() == [
        "stream",
        "stream",
        "rest",
        "stream",
        "rest",
    ]


def test_quotes_are_recorded_beside_the_bars(tmp_path: Path) -> None:
    rec = recorder(tmp_path)
    quote = Quote(
        symbol="AAA",
        timestamp=START,
        bid=9.9,
        ask=10.1,
        bid_size=3,
        ask_size=4,
        provenance=Provenance.SIP,
    )
    rec.record_quotes([quote], START, "stream")
    rec.close()
    assert recorded_quotes(tmp_path, SESSION) == [quote]


def test_a_failed_write_is_alerted_and_recording_goes_on(tmp_path: Path) -> None:
    alerts = Alerts()
    rec = recorder(tmp_path, alerter=alerts)
    blocker = tmp_path / "recorded"
    blocker.write_text("a file where the folder should be")
    rec.record_bars([bar("AAA", 0)], START, "rest")
    rec.flush()
    rec.close()
    status = rec.status()
    assert (status.lost, status.failures, status.files) == (1, 1, 0)
    assert [a.code for a in alerts.sent] == [AlertCode.RECORDING_FAILED]


def test_a_slow_disk_drops_batches_instead_of_blocking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts = Alerts()
    rec = recorder(tmp_path, alerter=alerts)
    gate = threading.Event()
    real = rec._write

    def slow(kind: str, rows: list[dict[str, object]]) -> None:
        gate.wait(10)
        real(kind, rows)

    monkeypatch.setattr(rec, "_write", slow)
    for minute in range(rec.max_pending + 3):
        rec.record_bars([bar("AAA", minute)], START, "rest")
        rec.flush()  # returns at once even though the disk is stuck
    gate.set()
    rec.close()
    status = rec.status()
    assert status.lost >= 1
    assert status.files + status.lost == rec.max_pending + 3
    assert alerts.sent
    assert alerts.sent[0].code == AlertCode.RECORDING_FAILED


def test_a_session_not_recorded_is_named_with_those_that_are(tmp_path: Path) -> None:
    rec = recorder(tmp_path)
    rec.record_bars([bar("AAA", 0)], START, "rest")
    rec.close()
    with pytest.raises(ConfigurationError, match="2026-01-05"):
        recorded_bars(tmp_path, date(2026, 1, 6))
