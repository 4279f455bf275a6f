"""The round trips' excursions taken a batch at a time against one trip at a time.

``batch_excursions`` folds each trip's bars with a few array operations per symbol
(``reduceat`` over the bars the batch covers); each result must be what
``_excursions`` gives for that trip alone, for any trips and bars: spans outside
the bars or ending at the last bar, empty spans, symbols without bars, NaN lows
and highs, long and short trips.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.analysis import _excursions
from tradecore.adapters.report.excursions import batch_excursions
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.research.trades import RoundTrip

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
_PRICE = st.one_of(
    st.floats(1, 500, allow_nan=False), st.just(float("nan")), st.just(100.0)
)


class _Bars:
    """What the excursions read of a frame (a ``BarFrame`` refuses NaN prices,
    which the two paths must still treat alike)."""

    def __init__(self, lows: list[float], highs: list[float]) -> None:
        self.low = np.array(lows, dtype=float)
        self.high = np.array(highs, dtype=float)
        self.timestamps = np.array(
            [to_ns(T0 + i * MINUTE) for i in range(len(lows))], dtype=np.int64
        )

    def __len__(self) -> int:
        return len(self.low)


def _frame(lows: list[float], highs: list[float]) -> BarFrame:
    return _Bars(lows, highs)  # type: ignore[return-value]


_FRAMES = st.integers(0, 12).flatmap(
    lambda n: st.tuples(
        st.lists(_PRICE, min_size=n, max_size=n),
        st.lists(_PRICE, min_size=n, max_size=n),
    )
)
_TRIPS = st.lists(
    st.builds(
        lambda symbol, direction, start, length, entry, exit_: RoundTrip(
            symbol=symbol,
            direction=direction,
            qty=Decimal(1),
            entry_price=entry,
            exit_price=exit_,
            opened_at=T0 + start * MINUTE,
            closed_at=T0 + (start + length) * MINUTE,
            fees=Decimal(0),
            pnl=Decimal(0),
        ),
        st.sampled_from(["A", "B", "C"]),
        st.sampled_from([1, -1]),
        st.integers(-3, 14),
        st.integers(0, 6),
        st.decimals("0.5", "600", places=2),
        st.decimals("0.5", "600", places=2),
    ),
    max_size=25,
)


@settings(max_examples=400, deadline=None)
@given(trips=_TRIPS, a=_FRAMES, b=_FRAMES)
def test_batched_excursions_are_each_trips_own(
    trips: list[RoundTrip],
    a: tuple[list[float], list[float]],
    b: tuple[list[float], list[float]],
) -> None:
    by_symbol = {"A": _frame(*a), "B": _frame(*b)}  # C has no bars
    got = batch_excursions(trips, by_symbol)
    want = [
        _excursions(t, by_symbol.get(t.symbol), float(t.entry_price)) for t in trips
    ]
    assert [(repr(float(x)), repr(float(y))) for x, y in got] == [
        (repr(float(x)), repr(float(y))) for x, y in want
    ]
