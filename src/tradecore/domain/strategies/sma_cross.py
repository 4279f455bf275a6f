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
from tradecore.domain.frozen import trusted_builder
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


#: A target of validated parts (see :meth:`SmaCross.on_bar`), built without the
#: validators ``Target`` runs.
_trusted_target = trusted_builder(Target)
_FLAT = Decimal(0)


class _SymbolState:
    """A symbol's averages (their ``update``, bound once), its side, and whether a
    target of its symbol passed ``Target``'s validators once."""

    __slots__ = ("checked", "long", "update")

    def __init__(self, fast: int, slow: int) -> None:
        self.update = SMAPair(fast, slow).update
        self.long = False
        self.checked = False


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
        # ``crossed(fast, slow, state.long)`` inline: every bar of every symbol
        # asks, and the inline spelling saves its call and those of ``math.isnan``
        # and ``abs``. NaN is the one float unequal to itself; ``abs(gap) <=
        # bound`` is ``-bound <= gap <= bound`` (negation is exact; a NaN gap or
        # bound fails both). A property test holds the two equal.
        if slow != slow:
            return NO_TARGETS
        gap = fast - slow
        bound = TIE_TOLERANCE * slow
        if -bound <= gap <= bound or (gap > 0) == state.long:
            return NO_TARGETS
        want_long = state.long = gap > 0
        qty = self._qty if want_long else _FLAT
        signal = f"{'up' if want_long else 'down'}@{timestamp_ns}"
        if state.checked:
            # The symbol passed ``Target``'s validator on this state's first
            # target; the quantity is an exact finite Decimal (``Decimal(int)`` or
            # zero) and the signal an f-string: the validators would pass.
            return (_trusted_target(symbol=symbol, qty=qty, signal=signal),)
        target = Target(symbol, qty, signal)
        state.checked = True
        return (target,)
