"""Bundled strategies and the registry the apps resolve names with."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tradecore.domain.strategies.momentum import Momentum
from tradecore.domain.strategies.protocol import Strategy
from tradecore.domain.strategies.sma_cross import SmaCross
from tradecore.domain.strategies.sma_edge import SmaEdge

BUNDLED: Mapping[str, Callable[..., Strategy]] = {
    "momentum": Momentum,
    "sma_cross": SmaCross,
    "sma_edge": SmaEdge,
}

__all__ = ["BUNDLED", "Momentum", "SmaCross", "SmaEdge"]
