"""The trading engine with its risk gate fed: bars and order events reach the breakers.

:class:`TradingEngine` asks the gate before every order (``EngineConfig.risk_gate``);
this subclass also shows the gate every bar (staleness, volatility, correlation,
daily loss, drawdown) before the strategy sees it, and every order event after the
engine applied it (reject rate, losing trades). Two calls; they can move into the
engine itself once its event loop settles.
"""

from __future__ import annotations

from collections.abc import Iterable

from tradecore.domain.errors import ConfigurationError
from tradecore.domain.events import OrderEvent
from tradecore.domain.strategy import Strategy
from tradecore.ports.clock import Clock
from tradecore.services.engine import EngineConfig, TradingEngine
from tradecore.services.order_manager import OrderManager
from tradecore.services.risk_gate import RiskGate
from tradecore.services.transactions import CommitPolicy


class GuardedEngine(TradingEngine):
    """A :class:`TradingEngine` whose risk gate also watches bars and events."""

    def __init__(
        self,
        strategy: Strategy,
        orders: OrderManager,
        commits: CommitPolicy,
        clock: Clock,
        config: EngineConfig,
    ) -> None:
        """Wire the engine; ``config.risk_gate`` is required.

        Raises:
            ConfigurationError: the config has no risk gate.
        """
        if config.risk_gate is None:
            raise ConfigurationError("GuardedEngine needs EngineConfig.risk_gate")
        super().__init__(strategy, orders, commits, clock, config)
        self.gate: RiskGate = config.risk_gate
        self._now = clock.now

    def on_bar(
        self, symbol: str, timestamp_ns: int, close: float, volume: float
    ) -> None:
        """Show the gate the bar (the state may change), then run the strategy."""
        self.gate.on_bar(symbol, self._now(), close, self.ledger)
        super().on_bar(symbol, timestamp_ns, close, volume)

    def on_events(self, events: Iterable[OrderEvent]) -> None:
        """Apply the events, then show them to the gate."""
        batch = list(events)
        super().on_events(batch)
        if batch:
            self.gate.on_events(batch, self._now())
