"""The TradingStatusView port: which symbols the market has halted right now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from tradecore.domain.market.trading_status import TradingHalt


class TradingStatusView(Protocol):
    """Halts as a market-data source reports them (halt until its resumption)."""

    def halted(self) -> Mapping[str, TradingHalt]:
        """Return the symbols halted now, by symbol (a copy; empty when none)."""
        ...
