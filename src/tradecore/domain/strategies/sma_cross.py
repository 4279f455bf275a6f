"""``sma_cross``: long ``qty`` shares while the fast SMA of close is above the slow one.

Per symbol, independently. The position follows the signal: when the fast average
crosses above the slow one the target becomes ``qty`` shares, when it crosses below
the target becomes flat. Targets are only emitted on a change of signal.

Ties: prices in cents make exact ties of the two averages common, and two correct
float summations may land a tie one ulp apart. A gap within ``TIE_TOLERANCE``
(relative) therefore counts as a tie and keeps the current state, so every correct
implementation of this rule trades the same bars.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.indicators import SMAPair
from tradecore.domain.strategies.protocol import NO_TARGETS, PortfolioView, Target

#: Relative gap between the averages below which they count as tied.
TIE_TOLERANCE = 1e-9


def check_windows(fast: int, slow: int, **sizes: int) -> None:
    """Refuse windows and sizes that are not positive ints, or ``fast >= slow``.

    Raises:
        InvalidInput: naming the first bad parameter.
    """
    for name, value in (("fast", fast), ("slow", slow), *sizes.items()):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidInput(name, value, "must be an int >= 1")
    if fast >= slow:
        raise InvalidInput("fast", fast, f"must be below slow ({slow})")


def crossed(fast: float, slow: float, long: bool) -> bool | None:
    """The new side (``True``: long) when the averages crossed decisively, else ``None``.

    ``None`` too while the slow average is still warming up (NaN) or on a tie.
    """
    if math.isnan(slow):
        return None
    gap = fast - slow
    if abs(gap) <= TIE_TOLERANCE * slow or (gap > 0) == long:
        return None
    return gap > 0


class _SymbolState:
    """A symbol's averages (their ``update``, bound once) and its side."""

    __slots__ = ("long", "update")

    def __init__(self, fast: int, slow: int) -> None:
        self.update = SMAPair(fast, slow).update
        self.long = False


class SmaCross:
    """Moving-average crossover, one position per symbol."""

    def __init__(self, fast: int = 10, slow: int = 30, qty: int = 100) -> None:
        """Configure the windows and the position size (shares).

        Raises:
            InvalidInput: a window or the size is not a positive int, or fast >= slow.
        """
        check_windows(fast, slow, qty=qty)
        self.strategy_id = f"sma_cross_{fast}_{slow}"
        self._fast, self._slow = fast, slow
        self._qty = Decimal(qty)
        self._states: dict[str, _SymbolState] = {}

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        """Update the averages; return a target when the signal flips."""
        try:
            state = self._states[symbol]
        except KeyError:
            state = self._states[symbol] = _SymbolState(self._fast, self._slow)
        # Unpacked, not ``crossed(*update(close), ...)``: a starred call to a
        # Python function takes the interpreter's slow path (~1k instructions).
        fast, slow = state.update(close)
        want_long = crossed(fast, slow, state.long)
        if want_long is None:
            return NO_TARGETS
        state.long = want_long
        qty = self._qty if want_long else Decimal(0)
        return (Target(symbol, qty, f"{'up' if want_long else 'down'}@{timestamp_ns}"),)
