"""Independent references the replay is checked against: plain NumPy, no engine code.

``next_open_sma_cross``: act on each SMA cross at a bar's close, fill at the next
bar's open (ideal fills, long-only ``qty`` shares). On regular-hours data the bar after
a session's last is the next session's first, so this is also Alpaca's behaviour for a
day order decided at a close: queued, filled at the next open.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

from tradecore.domain.market.bar_frame import BarFrame

CENT = Decimal("0.01")


def sma(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` values (NaN before the window fills)."""
    out = np.full(len(values), np.nan)
    kernel = np.ones(window) / window
    out[window - 1 :] = np.convolve(values, kernel, mode="valid")
    return out


def price(value: float) -> Decimal:
    """A float price as the venue fills it: to the cent, half-even."""
    return Decimal(repr(float(value))).quantize(CENT, ROUND_HALF_EVEN)


def next_open_sma_cross(
    frames: list[BarFrame], fast: int, slow: int, qty: int, cash: Decimal
) -> tuple[int, Decimal, list[tuple[str, int]]]:
    """Fills, final equity, and (symbol, bar index) of each fill."""
    fills, equity, filled_at = 0, Decimal(0), []
    for frame in frames:
        closes, opens = np.asarray(frame.close), np.asarray(frame.open)
        f, s = sma(closes, fast), sma(closes, slow)
        long, position = False, Decimal(0)
        for t in range(len(closes)):
            gap = f[t] - s[t]
            if np.isnan(s[t]) or abs(gap) <= 1e-9 * s[t] or (gap > 0) == long:
                continue
            long = bool(gap > 0)
            if t + 1 < len(closes):
                delta = Decimal(qty) if long else -position
                cash -= delta * price(opens[t + 1])
                position += delta
                fills += 1
                filled_at.append((frame.symbol, t + 1))
        equity += position * price(closes[-1])
    return fills, cash + equity, filled_at
