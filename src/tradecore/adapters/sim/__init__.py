"""The simulated broker adapter and its virtual clock.

In a notebook::

    from datetime import UTC, datetime
    from decimal import Decimal

    import tradecore as tc
    from tradecore.adapters.sim import SimClock, SimulatedBroker

    clock = SimClock(datetime(2026, 1, 5, 13, 30, tzinfo=UTC))
    broker = SimulatedBroker(
        clock,
        tc.VenueConfig(
            seed=7,
            fill_model=tc.FillModel.realistic(),  # or tc.FillModel.ideal()
            fee_model=tc.FeeModel.us_regulatory(per_share=Decimal("0.005")),
        ),
    )
    for bar in bars:  # feed each bar at its start, then let its minute pass
        clock.advance_to(bar.timestamp)
        broker.on_bar(bar)
        ...  # broker.submit("my-id-1", tc.OrderSpec(...)) returns the ack
        while (due := broker.next_event_at()) and due < bar.timestamp + interval:
            clock.advance_to(due)
            events = broker.poll_events()  # accepted, partial fills, fills, ...
"""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.adapters.sim.broker import SimulatedBroker
    from tradecore.adapters.sim.clock import SimClock

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.adapters.sim.broker": ("SimulatedBroker",),
    "tradecore.adapters.sim.clock": ("SimClock",),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = ["SimClock", "SimulatedBroker"]
