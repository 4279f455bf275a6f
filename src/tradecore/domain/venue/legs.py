"""Bracket legs: the take-profit and stop-loss orders a venue holds for an entry.

Legs are created with the entry, ``held`` until the entry fills completely; then the
take-profit is ``new`` and the stop-loss stays ``held`` while it works (it triggers as
any stop does), as Alpaca shows them (ALPACA.md §3 "Observed leg statuses":
alpaca-py#198, alpaca-trade-api-python#322). The first fill of one cancels the other
(one-cancels-other). An OCO exit is its own take-profit: its one leg, the stop-loss,
works ``held`` from the start. Leg client order ids are derived from the entry's, so a
replay reproduces them.
"""

from __future__ import annotations

from datetime import datetime

from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.spec import OrderSpec, OrderType, TimeInForce
from tradecore.domain.venue.book import VenueBook
from tradecore.domain.venue.sim_order import SimOrder, derive_id

_RESTING = (TimeInForce.DAY, TimeInForce.GTC)


def leg_specs(entry: OrderSpec) -> list[tuple[str, OrderSpec]]:
    """Return the (name, spec) of each leg an entry's bracket asks for."""
    bracket = entry.bracket
    assert bracket is not None
    assert entry.qty is not None  # OrderSpec requires qty for brackets
    tif = entry.time_in_force if entry.time_in_force in _RESTING else TimeInForce.GTC
    # An OCO is the take-profit itself, on the exit's side: only its stop is a leg.
    side, legs = (entry.side if entry.oco else entry.side.opposite), []
    if bracket.take_profit_limit is not None and not entry.oco:
        spec = OrderSpec(
            symbol=entry.symbol,
            side=side,
            order_type=OrderType.LIMIT,
            time_in_force=tif,
            qty=entry.qty,
            limit_price=bracket.take_profit_limit,
        )
        legs.append(("tp", spec))
    if bracket.stop_loss_stop is not None:
        stop_limit = bracket.stop_loss_limit
        spec = OrderSpec(
            symbol=entry.symbol,
            side=side,
            order_type=OrderType.STOP if stop_limit is None else OrderType.STOP_LIMIT,
            time_in_force=tif,
            qty=entry.qty,
            stop_price=bracket.stop_loss_stop,
            limit_price=stop_limit,
        )
        legs.append(("sl", spec))
    return legs


def create_legs(
    book: VenueBook, seed: int, entry: SimOrder, now: datetime
) -> tuple[str, ...]:
    """Create the entry's held legs in ``book`` and return their broker ids."""
    ids = []
    for name, spec in leg_specs(entry.spec):
        assert spec.qty is not None
        leg_digest = derive_id(seed, "leg", entry.client_order_id, name)
        leg = SimOrder(
            broker_order_id=derive_id(seed, "order", str(book.created)),
            client_order_id=f"{name}-{leg_digest}",
            spec=spec,
            qty=spec.qty,
            status=BrokerOrderStatus.HELD,
            submitted_at=now,
            updated_at=now,
            ready_at=now,
            parent_id=entry.broker_order_id,
        )
        book.add(leg)
        ids.append(leg.broker_order_id)
    return tuple(ids)
