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

from tradecore.adapters.sim.broker import SimulatedBroker
from tradecore.adapters.sim.clock import SimClock

__all__ = ["SimClock", "SimulatedBroker"]
