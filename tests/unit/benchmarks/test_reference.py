"""The benchmark's exact NumPy reference: by hand, and against tradecore's replay.

Every engine in ``python -m benchmarks replay`` (tradecore included) is checked
against :mod:`benchmarks.compare.reference`; these tests pin the reference itself: a
series small enough to follow bar by bar, the tie tolerance in integers, and
agreement with an in-process ideal-fill replay on real XNYS sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest
from benchmarks.compare.reference import (
    TIE_DENOMINATOR,
    simulate,
    simulate_frames,
    states,
    to_micro,
)

import tradecore as tc
from tests.calendars import xnys
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.strategies.sma_cross import TIE_TOLERANCE, crossed

#: fast 2, slow 4. Bar 3 (first full window) is an exact tie: flat stays flat.
#: Up at 4, down at 6, up at 9, a tie at 10 keeps long, down at 11 (the last bar).
CLOSES = [10, 10, 10, 10, 12, 12, 8, 8, 10, 10, 8, 8]
#: Opens distinct from every close, so a fill at the wrong bar shows.
OPENS = [100 + i for i in range(len(CLOSES))]


def test_the_tolerance_is_tradecores():
    assert 1 / TIE_DENOMINATOR == TIE_TOLERANCE


def test_a_series_checked_by_hand():
    state, near_tie = states(to_micro(np.array(CLOSES, dtype=float)), 2, 4)
    assert state.tolist() == [-1, -1, -1, -1, 1, 1, -1, -1, -1, 1, 1, -1]
    assert near_tie == 0
    series = {"X": (np.array(OPENS, dtype=float), np.array(CLOSES, dtype=float))}
    result = simulate(series, fast=2, slow=4, qty=10, cash=Decimal(10_000))
    # Buy at open 5 (105), sell at open 7 (107), buy at open 10 (110); the sell
    # decided on the last bar never fills. Cash 10,000 - 1,050 + 1,070 - 1,100.
    assert (result.bars, result.orders, result.fills) == (12, 4, 3)
    assert result.cash == Decimal("8920.00")
    assert result.final_equity == Decimal("9000.00")  # + 10 shares at the last 8


@pytest.mark.parametrize(("step", "long"), [(3, False), (5, True)])
def test_the_tie_band_in_integers_matches_tradecores_float_rule(step, long):
    # At 1,000 the band is 10^-9 x 1,000 = 1 micro-unit of gap: D <= 8 here.
    close = np.array([10**9] * 4 + [10**9 + step], dtype=np.int64)
    state, near_tie = states(close, 2, 4)
    assert state[-1] == (1 if long else -1)
    assert near_tie == 1  # a non-zero gap within twice the band
    fast, slow = float(close[-2:].sum()) / 2 / 1e6, float(close[-4:].sum()) / 4 / 1e6
    assert crossed(fast, slow, False) is (True if long else None)


def test_prices_finer_than_a_micro_unit_are_refused():
    with pytest.raises(ValueError, match="micro-unit"):
        to_micro(np.array([100.0000001]))


def test_the_reference_matches_tradecores_replay_on_xnys_sessions():
    # Two symbols from 25 November 2025: a holiday (the 27th), an early close (the
    # 28th, 13:00 New York) and weekends. With this seed an order decided on the
    # early close's last bar fills at the next session's first open.
    calendar = xnys()  # tradecore.apps.wiring.calendars.exchange_calendar, cached
    start = datetime(2025, 11, 25, 14, 30, tzinfo=UTC)
    frames = generate_bars(
        ["AAA", "BBB"], 2_000, start=start, seed=4, calendar=calendar
    )
    params = {"fast": 10, "slow": 30, "qty": 100}
    cash = Decimal(10_000_000)
    reference = simulate_frames(frames, cash=cash, **params)
    ours = tc.replay(frames, "sma_cross", params, fill_model="ideal", cash=cash)
    assert reference.near_tie == 0
    assert reference.fills > 100
    assert ours.summary["bars"] == reference.bars == 4_000
    assert ours.summary["orders"] == reference.orders
    assert ours.summary["fills"] == reference.fills
    assert ours.summary["final_equity"] == reference.final_equity
    assert reference.overnight_fills > 0  # fills across a session's end are checked
