"""Technical indicators, incremental and point in time, each with a vectorised twin.

Each class's ``update`` takes the newest bar's values and costs O(1) (amortised for
the rolling extremes), so a value can only depend on the past; each ``*_array``
function computes the same series over whole arrays for research. A property test
holds every pair to 1e-9 relative (``tests/property/test_technical_indicators.py``).
Until an indicator has seen enough bars its value is NaN, in both forms.

Formulas and sources:

- **EMA**: ``e_t = (1 - a) e_{t-1} + a x_t`` with ``a = 2 / (n + 1)``, seeded with
  the simple average of the first ``n`` values (the usual charting convention,
  as in TA-Lib), so the first value is at index ``n - 1``.
- **RSI** (J. Welles Wilder, *New Concepts in Technical Trading Systems*, 1978):
  changes ``d_t = x_t - x_{t-1}``; average gain and loss seeded with the simple
  average of the first ``n`` gains/losses, then Wilder's smoothing
  ``A_t = (A_{t-1} (n - 1) + g_t) / n``; ``RSI = 100 - 100 / (1 + G / L)``
  (100 when ``L = 0``; 50 when both are 0). First value at index ``n``.
- **ATR** (Wilder 1978): true range ``TR_t = max(H - L, |H - C_{t-1}|, |L - C_{t-1}|)``
  (``H_0 - L_0`` on the first bar); ATR seeded with the simple average of the first
  ``n`` true ranges, then Wilder's smoothing. First value at index ``n - 1``.
- **Bollinger bands** (John Bollinger, *Bollinger on Bollinger Bands*, 2001): the
  ``n``-bar simple average ± ``k`` population standard deviations of the same bars.
- **MACD** (Gerald Appel, 1979): ``EMA_fast(x) - EMA_slow(x)``; signal line
  ``EMA_signal(MACD)``; histogram ``MACD - signal`` (12/26/9 by default).
- **Rolling z-score**: ``(x_t - mean) / sd`` over the last ``n`` values (population
  sd); NaN when the window is flat.
- **Rolling high/low** (Donchian channel): the highest high and lowest low of the
  last ``n`` bars (a monotonic deque: amortised O(1)).
- **VWAP**: session-anchored ``sum(p v) / sum(v)`` with ``p`` the typical price
  ``(H + L + C) / 3``, restarted when the session key changes.

Rolling sums are kept around a reference value and rebuilt exactly every
``max(n, 128)`` updates (as :class:`~tradecore.domain.market.indicators.SMA` does),
so rounding error cannot accumulate.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.indicators import (
    MIN_RECOMPUTE_INTERVAL,
    FloatArray,
    linear_recursion,
)

_NAN = math.nan
#: A window whose variance is below (this × its mean)² counts as flat.
FLAT = 1e-12
#: Rolling moments are rebuilt exactly when the variance is below this share of the
#: mean square about the reference (six or more digits lost to cancellation).
CANCELLATION = 1e-6


def _check_period(name: str, value: int, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(name, value, f"must be an int >= {minimum}")


def _floats(values: ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InvalidInput("values", array.shape, "must be 1-dimensional")
    return array


# --- EMA ------------------------------------------------------------------------------


class EMA:
    """Exponential moving average of period ``n``, seeded with an SMA (module doc)."""

    __slots__ = ("_alpha", "_count", "_decay", "_seed", "period", "value")

    def __init__(self, period: int) -> None:
        _check_period("period", period)
        self.period = period
        self._alpha = 2.0 / (period + 1.0)
        self._decay = 1.0 - self._alpha
        self._count = 0
        self._seed: list[float] = []
        self.value = _NAN

    def update(self, x: float) -> float:
        """Fold in ``x``; return the EMA (NaN for the first ``n - 1`` values)."""
        if self._count >= self.period:
            self.value = self._decay * self.value + self._alpha * x
            return self.value
        self._count += 1
        self._seed.append(x)
        if self._count == self.period:
            self.value = math.fsum(self._seed) / self.period
            self._seed = []
        return self.value


def ema_array(values: ArrayLike, period: int) -> FloatArray:
    """The :class:`EMA` series of ``values`` (a C-level recursive filter)."""
    _check_period("period", period)
    x = _floats(values)
    out = np.full(len(x), _NAN)
    if len(x) < period:
        return out
    alpha = 2.0 / (period + 1.0)
    seed = math.fsum(x[:period].tolist()) / period
    out[period - 1] = seed
    if len(x) > period:
        out[period:] = linear_recursion(x[period:], 1.0 - alpha, alpha, [seed])
    return out


# --- Wilder smoothing: RSI and ATR -------------------------------------------------------


class _Wilder:
    """Simple average of the first ``n`` inputs, then ``(A (n - 1) + x) / n``."""

    __slots__ = ("_count", "_sum", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self._count = 0
        self._sum: list[float] = []
        self.value = _NAN

    def update(self, x: float) -> float:
        n = self.period
        if self._count >= n:
            self.value = (self.value * (n - 1) + x) / n
            return self.value
        self._count += 1
        self._sum.append(x)
        if self._count == n:
            self.value = math.fsum(self._sum) / n
            self._sum = []
        return self.value


def _wilder_array(x: FloatArray, period: int) -> FloatArray:
    """The :class:`_Wilder` series of ``x`` (NaN before ``period`` inputs)."""
    out = np.full(len(x), _NAN)
    if len(x) < period:
        return out
    seed = math.fsum(x[:period].tolist()) / period
    out[period - 1] = seed
    if len(x) > period:
        decay = (period - 1) / period
        out[period:] = linear_recursion(x[period:], decay, 1.0 / period, [seed])
    return out


def _rsi_value(gain: float, loss: float) -> float:
    if gain != gain:
        return _NAN
    if loss == 0.0:
        return 50.0 if gain == 0.0 else 100.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


class RSI:
    """Wilder's relative strength index of period ``n`` (module docstring)."""

    __slots__ = ("_gain", "_last", "_loss", "period", "value")

    def __init__(self, period: int = 14) -> None:
        _check_period("period", period)
        self.period = period
        self._gain = _Wilder(period)
        self._loss = _Wilder(period)
        self._last = _NAN
        self.value = _NAN

    def update(self, close: float) -> float:
        """Fold in a close; return the RSI in [0, 100] (NaN for the first ``n``)."""
        last, self._last = self._last, close
        if last != last:
            return _NAN
        change = close - last
        gain = self._gain.update(change if change > 0 else 0.0)
        loss = self._loss.update(-change if change < 0 else 0.0)
        self.value = _rsi_value(gain, loss)
        return self.value


def rsi_array(closes: ArrayLike, period: int = 14) -> FloatArray:
    """The :class:`RSI` series of ``closes``."""
    _check_period("period", period)
    x = _floats(closes)
    out = np.full(len(x), _NAN)
    if len(x) < 2:
        return out
    change = np.diff(x)
    gain = _wilder_array(np.where(change > 0, change, 0.0), period)
    loss = _wilder_array(np.where(change < 0, -change, 0.0), period)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + gain / loss)
    rsi = np.where(loss == 0.0, np.where(gain == 0.0, 50.0, 100.0), rsi)
    out[1:] = np.where(np.isnan(gain), _NAN, rsi)
    return out


class ATR:
    """Wilder's average true range of period ``n`` (module docstring)."""

    __slots__ = ("_prev_close", "_smooth", "period", "value")

    def __init__(self, period: int = 14) -> None:
        _check_period("period", period)
        self.period = period
        self._smooth = _Wilder(period)
        self._prev_close = _NAN
        self.value = _NAN

    def update(self, high: float, low: float, close: float) -> float:
        """Fold in a bar; return the ATR (NaN for the first ``n - 1`` bars)."""
        prev, self._prev_close = self._prev_close, close
        if prev != prev:
            true_range = high - low
        else:
            true_range = max(high - low, abs(high - prev), abs(low - prev))
        self.value = self._smooth.update(true_range)
        return self.value


def true_range_array(high: ArrayLike, low: ArrayLike, close: ArrayLike) -> FloatArray:
    """Each bar's true range (the first bar's is ``high - low``)."""
    h, lo, c = _floats(high), _floats(low), _floats(close)
    tr = h - lo
    if len(tr) > 1:
        prev = c[:-1]
        tr[1:] = np.maximum(
            tr[1:], np.maximum(np.abs(h[1:] - prev), np.abs(lo[1:] - prev))
        )
    return tr


def atr_array(
    high: ArrayLike, low: ArrayLike, close: ArrayLike, period: int = 14
) -> FloatArray:
    """The :class:`ATR` series."""
    _check_period("period", period)
    return _wilder_array(true_range_array(high, low, close), period)


# --- rolling mean and deviation: Bollinger, z-score ------------------------------------


class _RollingMoments:
    """Mean and population variance of the last ``n`` values, O(1) per update.

    Sums are kept of ``x - ref`` (``ref``: a recent mean) to keep cancellation
    small, and rebuilt exactly (``math.fsum``) every ``max(n, 128)`` updates and
    whenever the variance would lose six digits to cancellation. The digits lost
    are counted against the largest sum of squares since the last rebuild, not the
    current one: a large value that left the window leaves its rounding behind
    (0.01, 0.01, 90.52, 0.01, 0.02 over 2 gave a z-score off by 7e-9).
    """

    __slots__ = ("_buf", "_count", "_i", "_in", "_peak", "_ref", "_s1", "_s2", "n")

    def __init__(self, n: int) -> None:
        self.n = n
        self._buf = [0.0] * n
        self._i = self._count = 0
        self._ref = self._s1 = self._s2 = self._peak = 0.0
        self._in = n

    def update(self, x: float) -> tuple[float, float]:
        """Add ``x``; return (mean, variance) of the last ``n`` (NaN until full)."""
        buf, i, ref = self._buf, self._i, self._ref
        if self._count == 0:
            self._ref = ref = x
        old = buf[i] - ref if self._count >= self.n else 0.0
        new = x - ref
        self._s1 += new - old
        self._s2 += new * new - old * old
        if self._s2 > self._peak:
            self._peak = self._s2
        buf[i] = x
        self._i = 0 if i + 1 == self.n else i + 1
        if self._count < self.n:
            self._count += 1
        self._in -= 1
        if self._in == 0:
            self._rebuild()
        if self._count < self.n:
            return _NAN, _NAN
        mean_dev = self._s1 / self.n
        square = self._s2 / self.n
        variance = square - mean_dev * mean_dev
        if variance <= CANCELLATION * max(square, self._peak / self.n):
            # Most digits cancelled (a flat window, or one far from ``ref``): the
            # exact rebuild re-centres ``ref`` on the window's mean. O(n), rare.
            self._rebuild()
            mean_dev = self._s1 / self.n
            variance = self._s2 / self.n - mean_dev * mean_dev
        return self._ref + mean_dev, max(variance, 0.0)

    def _rebuild(self) -> None:
        values = self._buf[: self._count]
        self._ref = ref = math.fsum(values) / len(values)
        self._s1 = math.fsum(v - ref for v in values)
        self._s2 = self._peak = math.fsum((v - ref) ** 2 for v in values)
        self._in = max(self.n, MIN_RECOMPUTE_INTERVAL)


def _sd(mean: float, variance: float) -> float:
    """The standard deviation, 0 for a window flat to rounding (module doc)."""
    if variance <= (FLAT * mean) ** 2:
        return 0.0
    return math.sqrt(variance)


def _window_moments(x: FloatArray, n: int) -> tuple[FloatArray, FloatArray]:
    """Per index: mean and population sd of the last ``n`` values (NaN before)."""
    mean = np.full(len(x), _NAN)
    sd = np.full(len(x), _NAN)
    if len(x) >= n:
        windows = np.lib.stride_tricks.sliding_window_view(x, n)
        m = windows.mean(axis=1)
        var = ((windows - m[:, None]) ** 2).mean(axis=1)
        mean[n - 1 :] = m
        sd[n - 1 :] = np.where(var <= (FLAT * m) ** 2, 0.0, np.sqrt(var))
    return mean, sd


class BollingerBands:
    """Bollinger bands: ``n``-bar SMA ± ``k`` population sd (module docstring)."""

    __slots__ = ("_moments", "k", "period")

    def __init__(self, period: int = 20, k: float = 2.0) -> None:
        _check_period("period", period)
        if not k > 0:
            raise InvalidInput("k", k, "must be > 0")
        self.period, self.k = period, k
        self._moments = _RollingMoments(period)

    def update(self, close: float) -> tuple[float, float, float]:
        """Fold in a close; return (lower, middle, upper), NaN until ``n`` closes."""
        mean, variance = self._moments.update(close)
        if mean != mean:
            return _NAN, _NAN, _NAN
        width = self.k * _sd(mean, variance)
        return mean - width, mean, mean + width


def bollinger_array(
    closes: ArrayLike, period: int = 20, k: float = 2.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The :class:`BollingerBands` series: (lower, middle, upper)."""
    _check_period("period", period)
    mean, sd = _window_moments(_floats(closes), period)
    return mean - k * sd, mean, mean + k * sd


class ZScore:
    """``(x - mean) / sd`` over the last ``n`` values (NaN on a flat window)."""

    __slots__ = ("_moments", "period")

    def __init__(self, period: int) -> None:
        _check_period("period", period, 2)
        self.period = period
        self._moments = _RollingMoments(period)

    def update(self, x: float) -> float:
        """Fold in ``x``; return its z-score in the window that includes it."""
        mean, variance = self._moments.update(x)
        if mean != mean:
            return _NAN
        sd = _sd(mean, variance)
        return _NAN if sd == 0.0 else (x - mean) / sd


def zscore_array(values: ArrayLike, period: int) -> FloatArray:
    """The :class:`ZScore` series."""
    _check_period("period", period, 2)
    x = _floats(values)
    mean, sd = _window_moments(x, period)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd == 0.0, _NAN, (x - mean) / sd)


# --- MACD -----------------------------------------------------------------------------


class MACD:
    """Appel's MACD: (macd, signal, histogram), NaN until each is defined."""

    __slots__ = ("_fast", "_signal", "_slow")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        for name, value in (("fast", fast), ("slow", slow), ("signal", signal)):
            _check_period(name, value)
        if fast >= slow:
            raise InvalidInput("fast", fast, f"must be below slow ({slow})")
        self._fast, self._slow, self._signal = EMA(fast), EMA(slow), EMA(signal)

    def update(self, close: float) -> tuple[float, float, float]:
        """Fold in a close; return (macd, signal, histogram)."""
        fast, slow = self._fast.update(close), self._slow.update(close)
        if slow != slow:
            return _NAN, _NAN, _NAN
        macd = fast - slow
        signal = self._signal.update(macd)
        return macd, signal, macd - signal


def macd_array(
    closes: ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The :class:`MACD` series: (macd, signal, histogram)."""
    MACD(fast, slow, signal)  # the same parameter checks
    x = _floats(closes)
    macd = ema_array(x, fast) - ema_array(x, slow)
    line = np.full(len(x), _NAN)
    start = slow - 1
    if len(x) > start:
        line[start:] = ema_array(macd[start:], signal)
    return macd, line, macd - line


# --- rolling extremes ---------------------------------------------------------------------


class RollingHighLow:
    """Highest high and lowest low of the last ``n`` bars (Donchian channel)."""

    __slots__ = ("_count", "_highs", "_lows", "period")

    def __init__(self, period: int) -> None:
        _check_period("period", period)
        self.period = period
        self._count = 0
        self._highs: deque[tuple[int, float]] = deque()
        self._lows: deque[tuple[int, float]] = deque()

    def update(self, high: float, low: float) -> tuple[float, float]:
        """Fold in a bar; return (highest high, lowest low), NaN until ``n`` bars."""
        i = self._count
        self._count += 1
        highs, lows, oldest = self._highs, self._lows, i - self.period
        while highs and highs[-1][1] <= high:
            highs.pop()
        highs.append((i, high))
        while lows and lows[-1][1] >= low:
            lows.pop()
        lows.append((i, low))
        if highs[0][0] <= oldest:
            highs.popleft()
        if lows[0][0] <= oldest:
            lows.popleft()
        if self._count < self.period:
            return _NAN, _NAN
        return highs[0][1], lows[0][1]


def rolling_high_low_array(
    high: ArrayLike, low: ArrayLike, period: int
) -> tuple[FloatArray, FloatArray]:
    """The :class:`RollingHighLow` series: (highest high, lowest low)."""
    _check_period("period", period)
    h, lo = _floats(high), _floats(low)
    top, bottom = np.full(len(h), _NAN), np.full(len(lo), _NAN)
    if len(h) >= period:
        top[period - 1 :] = np.lib.stride_tricks.sliding_window_view(h, period).max(1)
        bottom[period - 1 :] = np.lib.stride_tricks.sliding_window_view(lo, period).min(
            1
        )
    return top, bottom


# --- VWAP -----------------------------------------------------------------------------------


class VWAP:
    """Session-anchored volume-weighted average of the typical price."""

    __slots__ = ("_pv", "_session", "_v", "value")

    def __init__(self) -> None:
        self._session: Hashable = object()
        self._pv = self._v = 0.0
        self.value = _NAN

    def update(
        self, high: float, low: float, close: float, volume: float, session: Hashable
    ) -> float:
        """Fold in a bar of ``session``; a new session restarts the sums. NaN while
        the session has traded no volume."""
        if session != self._session:
            self._session = session
            self._pv = self._v = 0.0
        self._pv += (high + low + close) / 3.0 * volume
        self._v += volume
        self.value = self._pv / self._v if self._v > 0 else _NAN
        return self.value


def vwap_array(
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    volume: ArrayLike,
    sessions: Sequence[Hashable] | ArrayLike,
) -> FloatArray:
    """The :class:`VWAP` series; ``sessions`` gives each bar's session key."""
    h, lo, c, v = _floats(high), _floats(low), _floats(close), _floats(volume)
    keys = np.asarray(sessions)
    out = np.full(len(c), _NAN)
    if len(c) == 0:
        return out
    pv = (h + lo + c) / 3.0 * v
    cuts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    bounds = [0, *cuts.tolist(), len(c)]
    for lo_i, hi_i in pairwise(bounds):
        cum_pv = np.cumsum(pv[lo_i:hi_i])
        cum_v = np.cumsum(v[lo_i:hi_i])
        with np.errstate(divide="ignore", invalid="ignore"):
            out[lo_i:hi_i] = np.where(cum_v > 0, cum_pv / cum_v, _NAN)
    return out
