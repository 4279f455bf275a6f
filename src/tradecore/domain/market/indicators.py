"""Point-in-time indicators: O(1) incremental updates, and vectorized twins.

The incremental classes are what the replay loop calls once per bar: each ``update``
sees only the newest value and costs a handful of float operations, so a value can
never depend on the future. The ``*_array`` functions compute the same series over a
whole array (research, tests); element ``i`` uses inputs ``0..i`` only, and the two
agree to float tolerance (a property test holds them to it).

Until an indicator has seen enough data its value is NaN, in both forms. Inputs are
assumed finite (bars are validated on load); a NaN input poisons EWMA-type state.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradecore.domain.errors import InvalidInput

FloatArray = NDArray[np.float64]
#: A running sum is rebuilt exactly (``math.fsum``) at least this often.
MIN_RECOMPUTE_INTERVAL = 128


def alpha_from_span(span: float) -> float:
    """Return the EWM weight of a ``span`` (pandas' convention: 2 / (span + 1))."""
    if span < 1:
        raise InvalidInput("span", span, "must be >= 1")
    return 2.0 / (span + 1.0)


def alpha_from_halflife(halflife: float) -> float:
    """Return the EWM weight under which a value's weight halves in ``halflife``."""
    if halflife <= 0:
        raise InvalidInput("halflife", halflife, "must be > 0")
    return 1.0 - math.exp(-math.log(2.0) / halflife)


def _check_window(name: str, window: int, minimum: int = 1) -> None:
    if isinstance(window, bool) or not isinstance(window, int) or window < minimum:
        raise InvalidInput(name, window, f"must be an int >= {minimum}")


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha <= 1.0:
        raise InvalidInput("alpha", alpha, "must be in (0, 1]")


class SMA:
    """Simple moving average over the last ``window`` values, O(1) per update.

    A ring buffer and a running sum make each update one add and one subtract. A
    running sum accumulates rounding error (and can lose a small value entirely next
    to a huge one), so every ``max(window, MIN_RECOMPUTE_INTERVAL)`` updates the sum
    is rebuilt exactly with ``math.fsum``: amortized O(1), and the error never
    grows past a bounded number of roundings.
    """

    __slots__ = ("_buffer", "_count", "_index", "_recompute_in", "_total", "window")

    def __init__(self, window: int) -> None:
        _check_window("window", window)
        self.window = window
        self._buffer = [0.0] * window
        self._index = 0
        self._count = 0
        self._total = 0.0
        self._recompute_in = max(window, MIN_RECOMPUTE_INTERVAL)

    def update(self, value: float) -> float:
        """Add the newest value; return the average of the last ``window`` (or NaN).

        Every field is read and written once (a strategy calls this for every bar).
        """
        buffer, index, window = self._buffer, self._index, self.window
        total = self._total + (value - buffer[index])
        buffer[index] = value
        index += 1
        self._index = 0 if index == window else index
        recompute_in = self._recompute_in - 1
        if recompute_in == 0:
            total = math.fsum(buffer)
            recompute_in = max(window, MIN_RECOMPUTE_INTERVAL)
        self._recompute_in = recompute_in
        self._total = total
        count = self._count
        if count < window:
            self._count = count = count + 1
            if count < window:
                return math.nan
        return total / window

    @property
    def ready(self) -> bool:
        """Whether a full window has been seen."""
        return self._count == self.window

    @property
    def value(self) -> float:
        """The current average, or NaN before a full window."""
        return self._total / self.window if self.ready else math.nan


class SMAPair:
    """A fast and a slow :class:`SMA` of one series, kept in one ring buffer.

    ``update`` returns ``(fast, slow)``: bit for bit what ``SMA(fast).update`` and
    ``SMA(slow).update`` return for the same values (the same running sums, the
    same ``math.fsum`` rebuilds at each window's own interval, NaN until each
    window is full). The fast window's oldest value is read ``fast`` slots back in
    the slow window's buffer. A crossover strategy updates both averages every bar;
    one call instead of two is most of what such a bar costs.

    One count of values seen serves the warm-up (NaN until ``seen`` reaches a
    window) and both rebuild schedules (each window's sum is rebuilt when ``seen``
    reaches a multiple of its interval): a bar compares it with the next rebuild
    of either window, instead of counting two countdowns and a warm-up apart.
    """

    __slots__ = (
        "_buffer",
        "_fast_every",
        "_fast_total",
        "_index",
        "_next_rebuild",
        "_seen",
        "_slow_every",
        "_slow_total",
        "fast",
        "slow",
    )

    def __init__(self, fast: int, slow: int) -> None:
        _check_window("fast", fast)
        _check_window("slow", slow, fast)
        self.fast = fast
        self.slow = slow
        self._buffer = [0.0] * slow
        self._index = 0
        self._seen = 0
        self._fast_total = 0.0
        self._slow_total = 0.0
        self._fast_every = max(fast, MIN_RECOMPUTE_INTERVAL)
        self._slow_every = max(slow, MIN_RECOMPUTE_INTERVAL)
        self._next_rebuild = min(self._fast_every, self._slow_every)

    def update(self, value: float) -> tuple[float, float]:
        """Add the newest value; return the fast and the slow average (or NaN)."""
        buffer, index = self._buffer, self._index
        # A negative index wraps: the slot ``fast`` values back (0.0 before then,
        # as in a fresh SMA's buffer).
        fast_total = self._fast_total + (value - buffer[index - self.fast])
        slow_total = self._slow_total + (value - buffer[index])
        buffer[index] = value
        seen = self._seen + 1
        self._seen = seen
        if seen == self._next_rebuild:
            fast_total, slow_total = self._rebuild(seen, index, fast_total, slow_total)
        index += 1
        slow = self.slow
        self._index = 0 if index == slow else index
        self._fast_total, self._slow_total = fast_total, slow_total
        if seen < slow:
            return (fast_total / self.fast if seen >= self.fast else math.nan), math.nan
        return fast_total / self.fast, slow_total / slow

    def _rebuild(
        self, seen: int, index: int, fast_total: float, slow_total: float
    ) -> tuple[float, float]:
        """The sums, each rebuilt exactly if ``seen`` is on its window's schedule;
        the next rebuild of either window is remembered."""
        fast_every, slow_every = self._fast_every, self._slow_every
        if not seen % fast_every:
            fast_total = math.fsum(_last(self._buffer, index, self.fast))
        if not seen % slow_every:
            slow_total = math.fsum(self._buffer)
        self._next_rebuild = min(
            seen - seen % fast_every + fast_every,
            seen - seen % slow_every + slow_every,
        )
        return fast_total, slow_total


def _last(buffer: list[float], index: int, n: int) -> list[float]:
    """The ``n`` slots of a ring ``buffer`` up to and including ``index``."""
    start = index + 1 - n
    if start >= 0:
        return buffer[start : index + 1]
    return buffer[start:] + buffer[: index + 1]


class EWMA:
    """Exponentially weighted moving average: ``m = (1 - alpha) m + alpha x``.

    Seeded with the first value (pandas' ``ewm(adjust=False)``), so it is defined
    from the first update on.
    """

    __slots__ = ("_decay", "_mean", "alpha")

    def __init__(self, alpha: float) -> None:
        _check_alpha(alpha)
        self.alpha = alpha
        # The decay form (not m + alpha (x - m)) avoids cancellation as alpha -> 1
        # and is the recursion ewma_array runs, so the two agree closely.
        self._decay = 1.0 - alpha
        self._mean = math.nan

    def update(self, value: float) -> float:
        """Fold in the newest value and return the average."""
        mean = self._mean
        self._mean = value if mean != mean else self._decay * mean + self.alpha * value
        return self._mean

    @property
    def value(self) -> float:
        """The current average, or NaN before the first value."""
        return self._mean


class EWMVolatility:
    """Exponentially weighted volatility of log returns, fed with prices.

    RiskMetrics-style zero-mean variance: ``v = (1 - alpha) v + alpha r**2``, seeded
    with the first squared return. The value is a per-bar standard deviation
    (scale by ``sqrt(bars per year)`` to annualize); NaN until two prices are seen.
    """

    __slots__ = ("_decay", "_previous", "_variance", "alpha")

    def __init__(self, alpha: float) -> None:
        _check_alpha(alpha)
        self.alpha = alpha
        self._decay = 1.0 - alpha
        self._previous = math.nan
        self._variance = math.nan

    def update(self, price: float) -> float:
        """Take the newest price (> 0) and return the volatility estimate."""
        previous, self._previous = self._previous, price
        if previous != previous:
            return math.nan
        squared = math.log(price / previous) ** 2
        variance = self._variance
        if variance != variance:
            self._variance = squared
        else:
            self._variance = self._decay * variance + self.alpha * squared
        return math.sqrt(self._variance)

    @property
    def value(self) -> float:
        """The current volatility, or NaN before two prices."""
        return math.sqrt(self._variance)


class RollingReturn:
    """Simple return over the last ``lookback`` bars: ``p_t / p_(t-lookback) - 1``."""

    __slots__ = ("_buffer", "_count", "_index", "lookback")

    def __init__(self, lookback: int) -> None:
        _check_window("lookback", lookback)
        self.lookback = lookback
        self._buffer = [math.nan] * (lookback + 1)
        self._index = 0
        self._count = 0

    def update(self, price: float) -> float:
        """Take the newest price; return the return over ``lookback`` bars (or NaN)."""
        buffer, index = self._buffer, self._index
        buffer[index] = price
        index += 1
        self._index = 0 if index == len(buffer) else index
        if self._count <= self.lookback:
            self._count += 1
            if self._count <= self.lookback:
                return math.nan
        # The slot written next holds the oldest price in the window.
        return price / buffer[self._index] - 1.0


def _as_floats(values: ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InvalidInput("values", array.shape, "must be 1-dimensional")
    return array


def linear_recursion(
    inputs: FloatArray, decay: float, gain: float, initial: ArrayLike, axis: int = -1
) -> FloatArray:
    """Return ``y[t] = decay * y[t-1] + gain * x[t]`` along ``axis``, with ``y[-1]``
    given by ``initial`` (a C-level loop, scipy's ``lfilter``).

    scipy.signal is imported here, not at module level: importing it costs about a
    second, which ``import tradecore`` and every CLI start would otherwise pay.
    """
    from scipy.signal import lfilter

    state = np.asarray(initial, dtype=np.float64) * decay
    output, _ = lfilter([gain], [1.0, -decay], inputs, axis=axis, zi=state)
    return np.asarray(output, dtype=np.float64)


def sma_array(values: ArrayLike, window: int) -> FloatArray:
    """Return the trailing ``window`` average at each index (NaN before it is full).

    Uses pairwise summation over each window (O(n * window)), trading speed for an
    accuracy the incremental :class:`SMA` is checked against.
    """
    _check_window("window", window)
    array = _as_floats(values)
    result = np.full(len(array), np.nan)
    if len(array) >= window:
        windows = np.lib.stride_tricks.sliding_window_view(array, window)
        result[window - 1 :] = windows.sum(axis=1) / window
    return result


def ewma_array(values: ArrayLike, alpha: float) -> FloatArray:
    """Return the :class:`EWMA` series of ``values`` (a C-level recursive filter)."""
    _check_alpha(alpha)
    array = _as_floats(values)
    if len(array) == 0:
        return array.copy()
    # Starting from y[-1] = x[0] makes the first output x[0] (the seeded EWMA).
    return linear_recursion(array, 1.0 - alpha, alpha, [array[0]])


def ewm_volatility_array(prices: ArrayLike, alpha: float) -> FloatArray:
    """Return the :class:`EWMVolatility` series of ``prices`` (NaN at index 0)."""
    _check_alpha(alpha)
    array = _as_floats(prices)
    result = np.full(len(array), np.nan)
    if len(array) >= 2:
        squared = np.diff(np.log(array)) ** 2
        variance = linear_recursion(squared, 1.0 - alpha, alpha, [squared[0]])
        result[1:] = np.sqrt(variance)
    return result


def rolling_return_array(prices: ArrayLike, lookback: int) -> FloatArray:
    """Return ``p[i] / p[i - lookback] - 1`` at each index (NaN for the first ones)."""
    _check_window("lookback", lookback)
    array = _as_floats(prices)
    result = np.full(len(array), np.nan)
    result[lookback:] = array[lookback:] / array[:-lookback] - 1.0
    return result
