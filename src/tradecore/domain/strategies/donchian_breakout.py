"""``donchian_breakout``: a Donchian channel breakout with ATR-sized stops.

Per symbol: when a bar closes above the highest high of the ``entry`` bars before it
(while flat), go long; on the bar that first closes below the lowest low of the
``exit`` bars before it, go flat. The entry is sized so that a stop ``stop_atr`` ATRs away loses
``risk`` of equity (at most ``max_weight`` of equity), and it carries that stop as
broker-side protection (:class:`Protection`: a bracket), so the stop outlives the
process. ATR is Wilder's (:class:`~tradecore.domain.market.technical.ATR`).
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, Decimal

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.technical import ATR, RollingHighLow
from tradecore.domain.strategies.api import BarStrategy, Returned
from tradecore.domain.strategies.market_view import MarketView
from tradecore.domain.strategies.protocol import Protection, Target

#: The closest a stop may sit to the entry price, in dollars.
MIN_STOP = 0.02


class _Channels:
    __slots__ = ("atr", "below", "entry", "exit", "high", "low")

    def __init__(self, entry: int, exit: int, atr: int) -> None:
        self.entry, self.exit, self.atr = (
            RollingHighLow(entry),
            RollingHighLow(exit),
            ATR(atr),
        )
        self.high = self.low = math.nan  # the channels as of the previous bar
        self.below = False  # the previous bar closed below the exit channel


class DonchianBreakout(BarStrategy):
    """Donchian breakout, ATR-risk sizing and an ATR stop-loss bracket."""

    def __init__(
        self,
        entry: int = 20,
        exit: int = 10,
        atr: int = 14,
        stop_atr: float = 2.0,
        risk: float = 0.01,
        max_weight: float = 0.2,
    ) -> None:
        """Configure the channels, the ATR, the stop distance and the sizing.

        Raises:
            InvalidInput: a period is not an int >= 1, or a size is out of range.
        """
        for name, value in (("entry", entry), ("exit", exit), ("atr", atr)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInput(name, value, "must be an int >= 1")
        if not stop_atr > 0:
            raise InvalidInput("stop_atr", stop_atr, "must be > 0")
        if not 0 < risk <= max_weight <= 1:
            raise InvalidInput("risk", risk, "need 0 < risk <= max_weight <= 1")
        self.strategy_id = f"donchian_breakout_{entry}_{exit}_{atr}_{stop_atr:g}"
        self._periods = (entry, exit, atr)
        self._stop_atr, self._risk, self._max_weight = stop_atr, risk, max_weight
        self._state: dict[str, _Channels] = {}

    def on_bar(self, bar: Bar, view: MarketView) -> Returned:
        """Break out above the entry channel; leave below the exit channel."""
        state = self._state.get(bar.symbol)
        if state is None:
            state = self._state[bar.symbol] = _Channels(*self._periods)
        # Compare with the channels *before* this bar, then fold it in.
        above, below = bar.close > state.high, bar.close < state.low
        atr = state.atr.update(bar.high, bar.low, bar.close)
        state.high = state.entry.update(bar.high, bar.low)[0]
        state.low = state.exit.update(bar.high, bar.low)[1]
        held = view.position(bar.symbol)
        at = view.now_ns
        if above and not held and atr > 0:
            return self._entry(bar, view, atr, at)
        # The exit fires on the bar that breaks down, not on every bar below.
        crossed, state.below = below and not state.below, below
        if crossed and held > 0:
            return Target(bar.symbol, Decimal(0), f"channel_low@{at}")
        return None

    def _entry(self, bar: Bar, view: MarketView, atr: float, at: int) -> Returned:
        # Alpaca refuses a stop within a cent of the base price: keep it two away.
        stop = max(self._stop_atr * atr, MIN_STOP)
        equity = view.equity()
        budget = min(self._risk * equity / stop * bar.close, self._max_weight * equity)
        shares = Decimal(repr(budget / bar.close)).quantize(Decimal(1), ROUND_DOWN)
        stop_bps = stop / bar.close * 1e4
        if shares <= 0 or not 0 < stop_bps < 1e4:
            return None
        return Target(
            bar.symbol,
            shares,
            f"breakout@{at}",
            protection=Protection(stop_loss_bps=stop_bps),
        )
