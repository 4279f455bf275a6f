"""``tradecore-replay run --demo``: generated bars on real NYSE sessions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from typer.testing import CliRunner

from tests.calendars import xnys
from tradecore.apps.replay.demo_data import DEMO_BARS, DEMO_SYMBOLS, demo_frames
from tradecore.apps.replay.main import app
from tradecore.domain.market.bar_frame import data_fingerprint, from_ns

#: The demo data's fingerprint since it moved onto XNYS sessions (deliberate pin: a
#: change here changes every demo figure and its manifest hash).
DEMO_FINGERPRINT = "b9bfcb4f4bdcb31ef2e46db506d8b4d262076a21d2f8b43bedde6ddec9f7fdbb"


def test_demo_bars_fall_on_xnys_sessions_only() -> None:
    frames = demo_frames()
    assert [f.symbol for f in frames] == list(DEMO_SYMBOLS)
    stamps = frames[0].timestamps
    assert len(stamps) == DEMO_BARS
    moments = [from_ns(int(t)) for t in stamps]
    assert moments[0] == datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
    assert all(xnys().is_open(m) for m in moments)
    days = {xnys().trading_day(m) for m in moments}
    assert date(2026, 1, 19) not in days  # Martin Luther King Jr. Day
    assert date(2026, 2, 16) not in days  # Washington's Birthday
    assert all(d.weekday() < 5 for d in days)
    assert len(days) == 52  # 51 full sessions and 110 bars of the 52nd
    assert data_fingerprint(frames) == DEMO_FINGERPRINT


def test_demo_summary_names_its_calendar_annualization(tmp_path: Path) -> None:
    env = {"TRADECORE_DEV_KEY_DIR": str(tmp_path / "dev-key")}
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", "--demo", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["annualization"] == "252 sessions x 390 bars (XNYS)"
    assert summary["periods_per_year"] == 252 * 390
    assert isinstance(summary["sharpe_daily"], float)
    assert "sharpe_daily" in result.output
