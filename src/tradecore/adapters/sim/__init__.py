"""The simulated broker adapter and its virtual clock."""

from tradecore.adapters.sim.broker import SimulatedBroker
from tradecore.adapters.sim.clock import SimClock

__all__ = ["SimClock", "SimulatedBroker"]
