"""The round trips' excursions (MAE / MFE), a batch of trips at a time.

Why: the report's trade list took each trip's bars with a handful of numpy calls
(two searches, two slices and their extremes, four scalar ``minimum``/``maximum``),
most of its cost per trip. Here a batch's trips of one symbol take two searches
and one ``reduceat`` per column; the arithmetic is the per-trip one
(``analysis._excursions``), which a test holds them to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.research.trades import RoundTrip

FloatArray = NDArray[np.float64]


def batch_excursions(
    trips: Sequence[RoundTrip], by_symbol: Mapping[str, BarFrame]
) -> list[tuple[float, float]]:
    """``analysis._excursions`` of each trip (its symbol's frame from ``by_symbol``), as
    floats, taken with a few array operations per symbol.

    The same float64 operations in the same order: each trip's fill prices'
    extremes, then those and its bars' extreme low and high (``reduceat`` over
    its bars, the ``min``/``max`` of the slice), then the ratios; ``min(0.0, x)``
    and ``max(0.0, x)`` as the builtins choose (``x`` only if below, or above,
    zero: NaN and -0.0 give 0.0). A test holds the two equal.
    """
    if not trips:
        return []
    entry = np.array([float(t.entry_price) for t in trips])
    exit_price = np.array([float(t.exit_price) for t in trips])
    low, high = np.minimum(entry, exit_price), np.maximum(entry, exit_price)
    symbols = [t.symbol for t in trips]
    for symbol in dict.fromkeys(symbols):
        frame = by_symbol.get(symbol)
        if frame is None or not len(frame):
            continue
        at = np.array([i for i, s in enumerate(symbols) if s == symbol])
        _bar_extremes(frame, [trips[i] for i in at], at, low, high)
    with np.errstate(all="ignore"):
        longs = np.array([t.direction > 0 for t in trips])
        mae = np.where(longs, low / entry - 1.0, 1.0 - high / entry)
        mfe = np.where(longs, high / entry - 1.0, 1.0 - low / entry)
    mae = np.where(mae < 0.0, mae, 0.0)
    mfe = np.where(mfe > 0.0, mfe, 0.0)
    return list(zip(mae.tolist(), mfe.tolist(), strict=True))


def _bar_extremes(
    frame: BarFrame,
    trips: list[RoundTrip],
    at: NDArray[np.intp],
    low: FloatArray,
    high: FloatArray,
) -> None:
    """Fold into ``low[at]`` and ``high[at]`` the lowest low and highest high of
    ``frame``'s bars open while each of ``trips`` was (none: left as they are)."""
    stamps = frame.timestamps
    first = stamps.searchsorted(np.array([to_ns(t.opened_at) for t in trips]), "left")
    last = stamps.searchsorted(np.array([to_ns(t.closed_at) for t in trips]), "right")
    spans = first < last
    if not spans.any():
        return
    first, last, at = first[spans], last[spans], at[spans]
    start, stop = int(first.min()), int(last.max())
    # [first, last) of each trip, as reduceat's pairs over the covered bars and
    # one more (a pair may end at the frame's end: an index reduceat must accept).
    edges = np.column_stack([first, last]).ravel() - start
    for column, fold, out in (
        (frame.low, np.minimum, low),
        (frame.high, np.maximum, high),
    ):
        covered = np.append(column[start:stop], np.nan)
        extremes = fold.reduceat(covered, edges)[::2]
        out[at] = fold(out[at], extremes)
