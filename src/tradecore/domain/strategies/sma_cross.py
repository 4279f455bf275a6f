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
    """A symbol's closes while the slow window fills, then its averages and side.

    No target can come before the slow average exists, so until then the closes
    are only kept; the averages are built from them, to the bit as bar-by-bar
    updates would have left them (:meth:`SMAPair.after`), when the window fills.
    """

    __slots__ = ("averages", "closes", "long")

    def __init__(self) -> None:
        self.averages: SMAPair | None = None
        self.closes: list[float] = []
        self.long = False

    def start(self, fast: int, slow: int) -> SMAPair:
        """Build the averages from the closes kept so far (and stop keeping them)."""
        self.averages = averages = SMAPair.after(fast, slow, self.closes)
        self.closes = []
        return averages


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
        """Update the averages; return a target when the signal flips.

        :func:`crossed`, written out: this runs for every bar, and most bars
        return with no target. Until the slow window is full (no target can
        come) the close is only kept (:class:`_SymbolState`).
        """
        state = self._states.get(symbol)
        if state is None:
            state = self._states[symbol] = _SymbolState()
        averages = state.averages
        if averages is not None:
            fast, slow = averages.update(close)
        else:
            closes = state.closes
            closes.append(close)
            if len(closes) < self._slow:
                return NO_TARGETS
            fast, slow = state.start(self._fast, self._slow).value
        if slow != slow:  # NaN (a NaN close): no decision, as crossed() says
            return NO_TARGETS
        gap = fast - slow
        want_long = gap > 0
        if abs(gap) <= TIE_TOLERANCE * slow or want_long == state.long:
            return NO_TARGETS
        state.long = want_long
        qty = self._qty if want_long else Decimal(0)
        return (Target(symbol, qty, f"{'up' if want_long else 'down'}@{timestamp_ns}"),)
