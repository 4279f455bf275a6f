"""The exact NumPy reference every engine in the comparison is checked against.

tradecore's ``sma_cross`` rule with ideal fills (``_common.py`` states it), computed
with integers only: prices are micro-units (``round(price x 10^6)``), the averages
are integer window sums, cash and equity are micro-units until the final conversion to
a cent ``Decimal``. Nothing here imports tradecore or a framework, so tradecore's own
output is checked against this, never the other way round.

The rule in integers. With window sums ``F`` (fast, ``f`` closes) and ``S`` (slow,
``s`` closes), the averages' gap is ``D / (f x s)`` with ``D = s x F - f x S``, and the
documented tie ``|gap| <= TIE_TOLERANCE x S / s`` (``TIE_TOLERANCE = 1 / 10^9``)
becomes ``|D| x 10^9 <= f x S``, i.e. ``|D| <= floor(f x S / 10^9)``: exact, no float
anywhere. tradecore evaluates the same inequality in floats; the two can only differ
when the exact gap lies within float rounding of the tolerance boundary. On cent
prices that cannot happen: ``D`` is then a multiple of ``10^4`` (a cent), so a
non-zero gap is at least ``10^4 / (f x s)`` micro-units, five orders of magnitude above
the tolerance (``10^-9`` of a price around 100 is 0.1 micro-units), and an exact tie
(``D = 0``) is a tie in floats too (the float gap is a few ulps, far inside it).
:func:`simulate` counts the bars whose non-zero exact gap lies within twice the
tolerance (``near_tie``); the harness prints that count, and 0 means float and exact
arithmetic decide every bar alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal

import attrs
import numpy as np
from numpy.typing import NDArray

#: ``tradecore.domain.strategies.sma_cross.TIE_TOLERANCE`` is ``1 / TIE_DENOMINATOR``.
TIE_DENOMINATOR = 10**9
MICRO = 1_000_000
CENT = Decimal("0.01")
Ints = NDArray[np.int64]


@attrs.frozen
class Result:
    """What the rule does over a set of symbols."""

    bars: int
    #: Orders decided (one per change of state), including any on a last bar.
    orders: int
    #: Orders filled (each whole, at the next bar's open).
    fills: int
    #: Cash plus positions at each symbol's last close, to the cent (half-even).
    final_equity: Decimal
    cash: Decimal
    #: Bars with a non-zero exact gap within twice the tie tolerance (see module).
    near_tie: int
    #: Fills at the first bar after a gap in bar times (a session's end): the order
    #: was decided on the last bar of a session (0 when no times were given).
    overnight_fills: int = 0


@attrs.frozen
class _Symbol:
    """One symbol's orders: fill indices, sides (+1 buy / -1 sell), and the count."""

    orders: int
    fill_rows: Ints
    sides: Ints
    near_tie: int


def to_micro(prices: NDArray[np.float64]) -> Ints:
    """Return ``prices`` in integer micro-units.

    Raises:
        ValueError: a price is not a whole number of micro-units (finer than 10^-6).
    """
    scaled = np.asarray(prices, dtype=np.float64) * MICRO
    micro = np.rint(scaled)
    if len(micro) and float(np.max(np.abs(scaled - micro))) > 1e-3:
        raise ValueError("prices finer than a micro-unit cannot be replayed exactly")
    return micro.astype(np.int64)


def window_sums(values: Ints, window: int) -> Ints:
    """Return the sum of each ``window`` consecutive values (``len - window + 1``)."""
    total = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
    return total[window:] - total[:-window]


def states(close: Ints, fast: int, slow: int) -> tuple[Ints, int]:
    """Return the state after each bar (+1 long, -1 flat) and the near-tie count.

    Flat until the slow window is full; then long once ``D > tol``, flat once
    ``D < -tol``, and a tie (``|D| <= tol``) keeps the previous state.
    """
    n = len(close)
    flat = np.full(n, -1, dtype=np.int64)
    if n < slow:
        return flat, 0
    big_f = window_sums(close, fast)[slow - fast :]
    big_s = window_sums(close, slow)
    gap = slow * big_f - fast * big_s
    tol = (fast * big_s) // TIE_DENOMINATOR
    signs = np.where(gap > tol, 1, np.where(gap < -tol, -1, 0))
    near_tie = int(np.count_nonzero((gap != 0) & (np.abs(gap) <= 2 * tol)))
    # Forward-fill the decisive signs; before the first one the state is flat.
    signs = np.concatenate(([-1], signs))
    last = np.maximum.accumulate(np.where(signs != 0, np.arange(len(signs)), 0))
    flat[slow - 1 :] = signs[last][1:]
    return flat, near_tie


def _orders(open_: Ints, close: Ints, fast: int, slow: int) -> _Symbol:
    state, near_tie = states(close, fast, slow)
    change = np.flatnonzero(np.diff(np.concatenate(([-1], state))) != 0)
    filled = change[change + 1 < len(close)]  # nothing fills after the last bar
    return _Symbol(len(change), filled + 1, state[filled], near_tie)


def simulate(
    series: Mapping[str, tuple[NDArray[np.float64], NDArray[np.float64]]],
    *,
    fast: int,
    slow: int,
    qty: int,
    cash: Decimal,
    stamps: Mapping[str, Ints] | None = None,
) -> Result:
    """Run the rule over ``series`` (symbol -> (opens, closes) in bar order).

    Buys ``qty`` on a change to long and sells the position on a change to flat;
    the position alternates 0, ``qty``, 0, ... because every order fills before the
    next can be decided (at the next bar's open, before that bar's close).
    ``stamps`` (symbol -> bar times) only feed the ``overnight_fills`` count.
    """
    cash_micro = int(cash * MICRO)
    bars = orders = fills = near_tie = overnight = 0
    held = 0
    for name, (open_f, close_f) in series.items():
        open_, close = to_micro(open_f), to_micro(close_f)
        symbol = _orders(open_, close, fast, slow)
        if stamps is not None and len(close) > 1:
            overnight += _after_gaps(np.asarray(stamps[name]), symbol.fill_rows)
        prices = open_[symbol.fill_rows]
        # A buy (+1) pays qty x open, a sell (-1) receives it.
        cash_micro -= qty * int(np.sum(symbol.sides * prices, dtype=np.int64))
        position = qty if len(symbol.sides) and symbol.sides[-1] == 1 else 0
        held += position * int(close[-1]) if len(close) else 0
        bars += len(close)
        orders += symbol.orders
        fills += len(symbol.fill_rows)
        near_tie += symbol.near_tie
    return Result(
        bars=bars,
        orders=orders,
        fills=fills,
        final_equity=_cents(cash_micro + held),
        cash=_cents(cash_micro),
        near_tie=near_tie,
        overnight_fills=overnight,
    )


def _after_gaps(stamps: Ints, rows: Ints) -> int:
    """Count ``rows`` whose bar starts later than the usual step after the previous."""
    steps = np.diff(stamps)
    return int(np.count_nonzero(steps[rows - 1] > np.median(steps)))


def simulate_frames(
    frames: Iterable[object], *, fast: int, slow: int, qty: int, cash: Decimal
) -> Result:
    """:func:`simulate` over objects with ``symbol``, ``open``, ``close`` and
    ``timestamps`` arrays (tradecore's ``BarFrame``).
    """
    frames = list(frames)
    series = {f.symbol: (np.asarray(f.open), np.asarray(f.close)) for f in frames}  # type: ignore[attr-defined]
    stamps = {f.symbol: np.asarray(f.timestamps) for f in frames}  # type: ignore[attr-defined]
    return simulate(series, fast=fast, slow=slow, qty=qty, cash=cash, stamps=stamps)


def _cents(micro: int) -> Decimal:
    return (Decimal(micro) / MICRO).quantize(CENT, ROUND_HALF_EVEN)
