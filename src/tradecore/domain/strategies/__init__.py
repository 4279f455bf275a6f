"""Bundled strategies and the registry the apps resolve names with."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tradecore.domain.strategies.api import AnyStrategy
from tradecore.domain.strategies.donchian_breakout import DonchianBreakout
from tradecore.domain.strategies.momentum import Momentum
from tradecore.domain.strategies.rsi_reversion import RsiReversion
from tradecore.domain.strategies.sma_cross import SmaCross
from tradecore.domain.strategies.sma_edge import SmaEdge
from tradecore.domain.strategies.xs_momentum import XsMomentum

BUNDLED: Mapping[str, Callable[..., AnyStrategy]] = {
    "donchian_breakout": DonchianBreakout,
    "momentum": Momentum,
    "rsi_reversion": RsiReversion,
    "sma_cross": SmaCross,
    "sma_edge": SmaEdge,
    "xs_momentum": XsMomentum,
}

__all__ = [
    "BUNDLED",
    "DonchianBreakout",
    "Momentum",
    "RsiReversion",
    "SmaCross",
    "SmaEdge",
    "XsMomentum",
]
