"""Property: each technical indicator's incremental form equals its vectorised twin.

Bar by bar, to 1e-9 relative (with an absolute floor of 1e-9 of the input scale for
values near zero, e.g. a MACD crossing zero), NaN exactly where the twin has NaN.
Prices are on the cent grid, like real bars, so flat windows really are flat.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.market.technical import (
    ATR,
    EMA,
    MACD,
    RSI,
    VWAP,
    BollingerBands,
    RollingHighLow,
    ZScore,
    atr_array,
    bollinger_array,
    ema_array,
    macd_array,
    rolling_high_low_array,
    rsi_array,
    vwap_array,
    zscore_array,
)

cents = st.integers(1, 10_000_000).map(lambda c: c / 100)
closes = st.lists(cents, min_size=0, max_size=300)


@st.composite
def bars(draw: st.DrawFn) -> list[tuple[float, float, float, float, float, int]]:
    """(open, high, low, close, volume, session) rows with a valid envelope."""
    n = draw(st.integers(0, 200))
    rows = []
    session = 0
    for _ in range(n):
        o, c = draw(cents), draw(cents)
        up, down = draw(st.integers(0, 500)), draw(st.integers(0, 500))
        high = max(o, c) + up / 100
        low = max(min(o, c) - down / 100, 0.01)
        volume = float(draw(st.integers(0, 10_000)))
        session += draw(st.sampled_from([0, 0, 0, 1]))
        rows.append((o, high, low, min(c, high), volume, session))
    return rows


def agree(incremental: list[float], vectorised: np.ndarray, scale: float) -> None:
    inc = np.asarray(incremental, dtype=np.float64)
    assert np.array_equal(np.isnan(inc), np.isnan(vectorised))
    assert np.allclose(inc, vectorised, rtol=1e-9, atol=1e-9 * scale, equal_nan=True)


def scale_of(xs: list[float]) -> float:
    return max([1.0, *map(abs, xs)])


@given(closes, st.integers(1, 40))
def test_ema(xs: list[float], period: int) -> None:
    ema = EMA(period)
    agree([ema.update(x) for x in xs], ema_array(xs, period), scale_of(xs))


@given(closes, st.integers(1, 40))
def test_rsi_wilder(xs: list[float], period: int) -> None:
    rsi = RSI(period)
    agree([rsi.update(x) for x in xs], rsi_array(xs, period), 100.0)


@given(bars(), st.integers(1, 40))
def test_atr_wilder(rows: list[tuple[float, ...]], period: int) -> None:
    atr = ATR(period)
    h, lo, c = ([r[i] for r in rows] for i in (1, 2, 3))
    agree(
        [atr.update(r[1], r[2], r[3]) for r in rows],
        atr_array(h, lo, c, period),
        scale_of(h),
    )


@given(closes, st.integers(1, 40), st.floats(0.5, 3.0))
def test_bollinger(xs: list[float], period: int, k: float) -> None:
    bands = BollingerBands(period, k)
    got = [bands.update(x) for x in xs]
    for i, twin in enumerate(bollinger_array(xs, period, k)):
        agree([g[i] for g in got], twin, scale_of(xs))


@given(closes, st.integers(2, 40))
def test_zscore(xs: list[float], period: int) -> None:
    z = ZScore(period)
    # A z-score is a ratio of small differences: its floor is the window size.
    agree([z.update(x) for x in xs], zscore_array(xs, period), float(period))


@settings(max_examples=60)
@given(closes, st.integers(1, 10), st.integers(11, 30), st.integers(1, 12))
def test_macd_appel(xs: list[float], fast: int, slow: int, signal: int) -> None:
    macd = MACD(fast, slow, signal)
    got = [macd.update(x) for x in xs]
    for i, twin in enumerate(macd_array(xs, fast, slow, signal)):
        agree([g[i] for g in got], twin, scale_of(xs))


@given(bars(), st.integers(1, 40))
def test_rolling_high_low(rows: list[tuple[float, ...]], period: int) -> None:
    channel = RollingHighLow(period)
    got = [channel.update(r[1], r[2]) for r in rows]
    top, bottom = rolling_high_low_array(
        [r[1] for r in rows], [r[2] for r in rows], period
    )
    agree([g[0] for g in got], top, 1.0)
    agree([g[1] for g in got], bottom, 1.0)


@given(bars())
def test_vwap_session_anchored(rows: list[tuple[float, ...]]) -> None:
    vwap = VWAP()
    got = [vwap.update(r[1], r[2], r[3], r[4], r[5]) for r in rows]
    cols = [[r[i] for r in rows] for i in range(6)]
    agree(got, vwap_array(*cols[1:5], cols[5]), scale_of(cols[1]))
