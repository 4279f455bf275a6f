"""Invariants of the report's round-trip analysis, for any prices and trades.

A trip's excursions bound its own move (MAE <= return <= MFE, MAE <= 0 <= MFE);
the trade list's P&L adds up to the FIFO P&L the research domain books; gross
exposure is zero when flat.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.analysis import (
    fill_views,
    gross_exposure,
    symbol_pnl,
    trip_rows,
)
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.research.trades import round_trips

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)

prices = st.lists(st.integers(50, 150), min_size=4, max_size=60)
# (minute offset step, side, quantity) for each fill
orders = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["buy", "sell"]), st.integers(1, 5)),
    min_size=1,
    max_size=30,
)


def _frame(closes: list[int]) -> BarFrame:
    n = len(closes)
    close = np.array(closes, dtype=float)
    stamps = np.array([to_ns(T0 + i * MINUTE) for i in range(n)], dtype=np.int64)
    return BarFrame(symbol="AAA", timestamps=stamps, open=close, high=close * 1.01,
                    low=close * 0.99, close=close, volume=np.ones(n))  # fmt: skip


def _fills(closes: list[int], steps: list[tuple[int, str, int]]) -> list[dict]:  # type: ignore[type-arg]
    rows, minute = [], 0
    for step, side, qty in steps:
        minute = min(minute + step, len(closes) - 1)
        rows.append({"filled_at": T0 + minute * MINUTE, "symbol": "AAA", "side": side,
                     "qty": Decimal(qty), "price": Decimal(closes[minute]),
                     "fee": Decimal("0.01")})  # fmt: skip
    return rows


@settings(max_examples=150, deadline=None)
@given(prices, orders)
def test_excursions_bound_each_trips_move(
    closes: list[int], steps: list[tuple[int, str, int]]
) -> None:
    frame = _frame(closes)
    views = fill_views(_fills(closes, steps))
    trips = trip_rows(views, [frame])
    for trip in trips:
        assert trip.mae <= 0.0 <= trip.mfe
        assert trip.mae - 1e-12 <= trip.ret <= trip.mfe + 1e-12
        assert trip.duration >= timedelta(0)
    booked = sum((t.pnl for t in round_trips(views)), Decimal(0))
    listed = sum((pnl for pnl, _ in symbol_pnl(trips).values()), Decimal(0))
    assert listed == booked


@settings(max_examples=100, deadline=None)
@given(prices, orders)
def test_exposure_is_zero_before_the_first_fill_and_never_negative(
    closes: list[int], steps: list[tuple[int, str, int]]
) -> None:
    frame = _frame(closes)
    views = fill_views(_fills(closes, steps))
    equity = np.full(len(closes), 1e6)
    exposure = gross_exposure(views, [frame], frame.timestamps, equity)
    assert (exposure >= 0).all()
    first = int(np.searchsorted(frame.timestamps, to_ns(views[0].filled_at)))
    assert (exposure[:first] == 0).all()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=30),
    st.lists(st.floats(1, 500), min_size=30, max_size=30),
    st.booleans(),
)
def test_closes_at_its_own_stamps_are_the_searched_closes(
    steps: list[int], closes: list[float], own: bool
) -> None:
    """The shortcut for stamps that are the frame's own (``closes_at``) gives what
    the search gives, for rising, repeated and foreign stamps alike."""
    from tradecore.adapters.report.analysis import closes_at

    stamps = np.cumsum(np.array(steps, dtype=np.int64)) * 60_000_000_000
    frame = _Stamped(stamps, np.array(closes[: len(stamps)]))
    asked = stamps.copy() if own else stamps + 30_000_000_000
    where = np.searchsorted(frame.timestamps, asked, "right") - 1
    searched = frame.close[np.clip(where, 0, len(frame) - 1)]
    assert closes_at(frame, asked).tolist() == searched.tolist()  # type: ignore[arg-type]


class _Stamped:
    """A frame's stamps and closes (any stamps: a ``BarFrame`` refuses repeats)."""

    def __init__(self, timestamps: np.ndarray, close: np.ndarray) -> None:
        self.timestamps, self.close = timestamps, close

    def __len__(self) -> int:
        return len(self.timestamps)
