"""``tradecore-replay parity`` across real session edges: live on the emulator and the
replay decide and order the same, in winter and in summer, across a holiday and an
early close, on minute bars and on daily bars.

Each data set puts a buy signal on the last bar of a session (a slow decline, then a
jump on the bar that ends at the close), so both sides must decide at the close and
queue the order for the next session's open, as Alpaca does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import tests.alpaca_harness  # noqa: F401 - skips (fails in CI) without the extras
from tests.calendars import xnys
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.replay.main import app
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import generate_bars

PARAMS = ["--param", "fast=3", "--param", "slow=8", "--param", "qty=5"]
MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)


def _signal_at_the_close(
    symbol: str, start: datetime, count: int, interval: timedelta, jump_at: int
) -> BarFrame:
    """Session bars that decline, jump on bar ``jump_at``, then decline again."""
    stamps = generate_bars(
        [symbol], count, start=start, interval=interval, seed=1, calendar=xnys()
    )[0].timestamps
    close = 100.0 - 0.02 * np.arange(count, dtype=float)
    close[jump_at:] += 3.0
    close[jump_at + 12 :] -= 6.0  # and a sell signal in the next session
    open_ = np.r_[close[0], close[:-1]]
    return BarFrame(
        symbol=symbol,
        timestamps=stamps,
        open=open_,
        high=np.maximum(open_, close) + 0.01,
        low=np.minimum(open_, close) - 0.01,
        close=close,
        volume=np.full(count, 1e6),
    )


def _decided_at_closes(out: Path) -> set[datetime]:
    store = open_store(f"sqlite:///{out / 'replay' / STORE_FILE}")
    try:
        with store.unit_of_work() as uow:
            decided = {d.decided_at for d in uow.decisions.all_decisions()}
    finally:
        store.close()
    return {t for t in decided if xnys().previous_close(t) == t}


CASES = [
    # Friday 16 January 2026, 15:30-16:00 New York (EST), then Tuesday 20 January
    # (Monday is Martin Luther King Jr. Day).
    ("january", datetime(2026, 1, 16, 20, 30, tzinfo=UTC), 60, MINUTE, 29),
    # Thursday 2 July 2026 (EDT), then Monday 6 July (3 July is the observed July 4th).
    ("july", datetime(2026, 7, 2, 19, 30, tzinfo=UTC), 60, MINUTE, 29),
    # Friday 28 November 2025 closes at 13:00 New York; then Monday 1 December.
    ("early_close", datetime(2025, 11, 28, 17, 30, tzinfo=UTC), 60, MINUTE, 29),
    # Daily bars over the Juneteenth and July 4th holidays of 2025.
    ("daily", datetime(2025, 6, 2, 4, 0, tzinfo=UTC), 40, DAY, 12),
]


@pytest.mark.heavy
@pytest.mark.parametrize(
    ("label", "start", "count", "interval", "jump_at"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_parity_holds_across_closes_holidays_and_early_closes(
    tmp_path: Path,
    label: str,
    start: datetime,
    count: int,
    interval: timedelta,
    jump_at: int,
) -> None:
    bars = tmp_path / "bars"
    frames = [
        _signal_at_the_close(s, start, count, interval, jump_at)
        for s in ("AAPL", "MSFT")
    ]
    write_bar_files(bars, frames)
    out = tmp_path / "parity"
    args = ["parity", "--bars", str(bars), "--out", str(out), "--seed", "7", *PARAMS]
    result = CliRunner().invoke(app, args, env={})
    assert result.exit_code == 0, result.output + (out / "parity.txt").read_text()
    report = json.loads((out / "parity.json").read_text())
    assert report["parity"] is True, label
    assert report["orders"]["live"] == report["orders"]["replay"] >= 4, label
    assert report["decisions"]["matched"] == report["decisions"]["replay"], label
    assert _decided_at_closes(out), f"{label}: no decision at a session close"
