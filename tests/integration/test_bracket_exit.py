"""An exit from a bracket-protected position cancels the bracket's legs first.

While a bracket's take-profit and stop-loss rest they hold the position's shares, and
Alpaca (so the emulator and the simulated venue) refuses a sell of shares held by open
orders ("insufficient qty available"). Regression: every strategy exit of a bracketed
position was recorded as ``skipped(broker_rules:insufficient_qty_available)`` and the
position stayed open until a leg fired.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np

import tradecore as tc
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.strategies.protocol import NO_TARGETS, Protection, Target

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
MINUTE = 60_000_000_000


class EnterProtectedThenExit:
    """Buys 10 AAA with a 5% bracket on bar 2, sells them on bar 6."""

    strategy_id = "bracket-exit"

    def on_bar(self, symbol, timestamp_ns, close, volume, portfolio):
        index = (timestamp_ns - to_ns(START)) // MINUTE
        protection = Protection(stop_loss_bps=500, take_profit_bps=500)
        if index == 2:
            return [Target(symbol, Decimal(10), signal="in", protection=protection)]
        if index == 6:
            return [Target(symbol, Decimal(0), signal="out")]
        return NO_TARGETS


def test_the_exit_cancels_the_legs_and_sells(tmp_path):
    n = 12
    prices = np.full(n, 100.0)
    frame = BarFrame(
        symbol="AAA",
        timestamps=np.array([to_ns(START) + i * MINUTE for i in range(n)]),
        open=prices,
        high=prices + 0.1,
        low=prices - 0.1,
        close=prices,
        volume=np.full(n, 1e6),
    )
    result = tc.replay([frame], EnterProtectedThenExit, out=tmp_path / "out",
                       fill_model="ideal")  # fmt: skip
    assert [o["kind"] for o in result.outcome_rows] == ["submitted", "submitted"]
    sides = [(f["side"], f["qty"]) for f in result.fill_rows]
    assert sides == [("buy", Decimal(10)), ("sell", Decimal(10))]
