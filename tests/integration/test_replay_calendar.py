"""Replays on the XNYS calendar: every order a next-open reference fills, fills.

The reference is plain NumPy, independent of the engine: act on each SMA cross at a
bar's close and fill at the next bar's open. On regular-hours data "the next bar" after
a session's last bar is the next session's first, and after a daily bar it is the next
session's, across weekends, holidays and early closes: exactly what Alpaca does with a
day order placed after the close (queued, filled at the open). Before the calendar, a
day order decided on the last bar before a weekend expired at midnight UTC while the
strategy believed it held the position.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.calendars import xnys
from tests.references import next_open_sma_cross
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.apps.replay.runner import replay
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import Shape, generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus

CASH = Decimal(10_000_000)
PARAMS = {"fast": 3, "slow": 8, "qty": 100}


def _replay(frames: list[BarFrame]) -> dict[str, object]:
    result = replay(frames, "sma_cross", PARAMS, fill_model="ideal", cash=CASH)
    return dict(result.summary)


def test_an_order_decided_at_a_close_belongs_to_the_next_session(
    tmp_path: Path,
) -> None:
    """Its decision key (and so its client order id) carries the trading day."""
    frames = [_jump_at_the_last_bar_of_friday("AAA")]
    replay(frames, "sma_cross", PARAMS, fill_model="ideal", cash=CASH, out=tmp_path)
    store = open_store(f"sqlite:///{tmp_path / STORE_FILE}")
    try:
        with store.unit_of_work() as uow:
            intents = uow.intents.by_status(*IntentStatus)
    finally:
        store.close()
    by_day = {
        (i.decided_at, i.decision_key.session_date) for i in intents if i.decided_at
    }
    assert all(day == xnys().trading_day(at) for at, day in by_day)
    friday_close = datetime(2026, 1, 16, 21, 0, tzinfo=UTC)
    assert {day for at, day in by_day if at == friday_close} == {date(2026, 1, 20)}


def _jump_at_the_last_bar_of_friday(symbol: str) -> BarFrame:
    """A slow decline through Friday's session, a jump on its last bar (a buy signal
    at the close), then Tuesday's session (Monday 19 January is MLK day)."""
    stamps = generate_bars(
        [symbol],
        120,
        start=datetime(2026, 1, 16, 20, 0, tzinfo=UTC),
        seed=1,
        calendar=xnys(),
    )[0].timestamps
    close = 100.0 - 0.01 * np.arange(len(stamps), dtype=float)
    last_friday = 59  # 20:59 UTC, 15:59 New York
    close[last_friday:] += 5.0
    open_ = np.r_[close[0], close[:-1]]
    return BarFrame(
        symbol=symbol,
        timestamps=stamps,
        open=open_,
        high=np.maximum(open_, close),
        low=np.minimum(open_, close),
        close=close,
        volume=np.full(len(stamps), 1e6),
    )


def test_daily_bars_over_weekends_and_holidays_fill_at_the_next_open() -> None:
    # 2025: New Year, MLK, Presidents' Day, Good Friday, Memorial Day, Juneteenth,
    # July 4th, Labor Day, Thanksgiving and Christmas; early closes on 3 July,
    # 28 November and 24 December.
    frames = generate_bars(
        ["AAA", "BBB"],
        250,
        start=datetime(2025, 1, 2, 5, 0, tzinfo=UTC),
        interval=timedelta(days=1),
        seed=3,
        shape=Shape.MEAN_REVERTING,
        calendar=xnys(),
    )
    days = {datetime.fromtimestamp(t / 1e9, UTC).date() for t in frames[0].timestamps}
    assert date(2025, 7, 4) not in days
    assert date(2025, 7, 3) in days
    assert date(2025, 4, 18) not in days  # Good Friday
    summary = _replay(frames)
    fills, equity, _ = next_open_sma_cross(frames, 3, 8, 100, CASH)
    assert fills > 20
    assert summary["fills"] == fills
    assert summary["final_equity"] == equity
    assert summary["orders_expired"] == 0
    assert summary["calendar"] == "XNYS"
    assert summary["periods_per_year"] == 252


@pytest.mark.parametrize(
    ("start", "label"),
    [
        # Winter: Friday 16 January 2026 to Tuesday 20 January (MLK day between).
        (datetime(2026, 1, 16, 20, 0, tzinfo=UTC), "january"),
        # Summer: Thursday 2 July 2026 to Monday 6 July (3 July observed holiday).
        (datetime(2026, 7, 2, 19, 0, tzinfo=UTC), "july"),
        # The day after Thanksgiving (13:00 close) to Monday 1 December 2025.
        (datetime(2025, 11, 28, 17, 0, tzinfo=UTC), "early close"),
    ],
)
def test_minute_bars_across_closes_fill_every_reference_order(
    start: datetime, label: str
) -> None:
    frames = generate_bars(
        ["AAA", "BBB", "CCC"], 900, start=start, seed=9, calendar=xnys()
    )
    summary = _replay(frames)
    fills, equity, at = next_open_sma_cross(frames, 3, 8, 100, CASH)
    assert summary["fills"] == fills, label
    assert summary["final_equity"] == equity, label
    assert summary["orders_expired"] == 0, label
    # Some fills land on a session's first bar: orders decided at a close that
    # waited for the open, and still filled exactly as the reference says.
    stamps = frames[0].timestamps
    first_bars = {
        i
        for i in range(1, len(stamps))
        if _utc(stamps[i]).date() != _utc(stamps[i - 1]).date()
    }
    assert len(first_bars) >= 2, label  # the data crosses closes
    assert any(i in first_bars for _, i in at), label


def _utc(ns: object) -> datetime:
    return datetime.fromtimestamp(int(ns) / 1e9, UTC)
