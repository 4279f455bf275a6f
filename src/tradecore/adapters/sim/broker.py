"""SimulatedBroker: the Broker port over the pure simulated venue and a Clock.

The venue (:mod:`tradecore.domain.venue.simulated`) does the matching, fills, fees and
accounting; this adapter supplies "now" from the clock, converts venue orders into the
port's :class:`BrokerOrder`, and lets the replay driver feed market data. Every call
first applies what the venue scheduled up to now, so state and events always reflect
the clock. Nothing happens inside ``submit`` but the acknowledgement: fills are
scheduled events that :meth:`poll_events` returns once the clock reaches them.

Refusals follow the venue: ``DuplicateClientOrderId``, ``InsufficientBuyingPower``
and ``BrokerRejected`` (unknown symbol) are raised by ``submit``; a closed market or a
random reject arrives as a REJECTED event.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal

from tradecore.domain.broker_rules.accounts import can_short
from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.market.bars import Bar, Quote
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.orders.account import AccountSnapshot, Position
from tradecore.domain.orders.entitlements import ActionBooking
from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import OrderSpec
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.sim_order import SimOrder
from tradecore.domain.venue.simulated import SimVenue
from tradecore.ports.broker import BrokerOrder, Capability, ScheduledBroker
from tradecore.ports.clock import Clock


class SimulatedBroker(ScheduledBroker):
    """A deterministic broker on a (usually virtual) clock; the reference adapter."""

    capabilities: frozenset[Capability] = frozenset(
        {
            Capability.FRACTIONAL,
            Capability.SHORT_SELL,
            Capability.STOP_ORDERS,
            Capability.EXTENDED_HOURS,
            Capability.BRACKET_ORDERS,
            Capability.REPLACE,
        }
    )

    def __init__(
        self,
        clock: Clock,
        config: VenueConfig,
        opening: Ledger | None = None,
        *,
        whole_share_splits: bool = False,
    ) -> None:
        """Open an account with ``config.starting_cash`` on a venue seeded by it, or
        with the ``opening`` books of an account that already traded.

        ``whole_share_splits``: pay a split's fractional share as cash in lieu (the
        default keeps fractions, as Alpaca does since 2021-08-02).
        """
        self._clock = clock
        self._whole_share_splits = whole_share_splits
        self._venue = SimVenue(config, opening)
        account = config.account
        if not can_short(account.multiplier, account.shorting_enabled):
            # A cash account, or shorting disabled: as Alpaca, no short sales.
            self.capabilities = type(self).capabilities - {Capability.SHORT_SELL}

    @property
    def venue(self) -> SimVenue:
        """The underlying venue (its exact ledger is useful in research)."""
        return self._venue

    # --- market data, fed by the replay driver -----------------------------------

    def on_bar(self, bar: Bar) -> None:
        """Make ``bar`` the market for its interval (feed it at the bar's start)."""
        self._venue.on_bar(self._clock.now(), bar)

    def needs_bar(self, symbol: str) -> bool:
        """Return whether a bar of ``symbol`` could fill a working order now."""
        return self._venue.has_working(symbol)

    def working_symbols(self) -> Collection[str]:
        """Return the symbols with a working order (a live view: see the port)."""
        return self._venue.working_symbols()

    def on_corporate_action(self, action: CorporateAction) -> ActionBooking:
        """Apply ``action`` to the account now (see the venue's rules)."""
        return self._venue.apply_corporate_action(
            self._clock.now(), action, whole_shares=self._whole_share_splits
        )

    def on_quote(self, quote: Quote) -> None:
        """Record the latest quote for the spread and queue estimates."""
        self._venue.on_quote(self._clock.now(), quote)

    # --- the Broker port -----------------------------------------------------------

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        """Place an order; return its acknowledgement (status ``pending_new``)."""
        return self._venue.submit_as(
            self._clock.now(), client_order_id, spec, _to_broker_order
        )

    def cancel(self, broker_order_id: str) -> None:
        """Request a cancel; CANCELED arrives after the cancel latency."""
        self._venue.cancel(self._clock.now(), broker_order_id)

    def replace(
        self,
        broker_order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> BrokerOrder:
        """Replace a working order; return the new order (REPLACED comes later)."""
        new = self._venue.replace(
            self._clock.now(),
            broker_order_id,
            client_order_id=client_order_id,
            qty=qty,
            limit_price=limit_price,
            stop_price=stop_price,
        )
        return _to_broker_order(new)

    def get_order(self, broker_order_id: str) -> BrokerOrder:
        """Return the order with the broker's id."""
        self._catch_up()
        return _to_broker_order(self._venue.order(broker_order_id))

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder:
        """Return the order placed under ``client_order_id``."""
        self._catch_up()
        return _to_broker_order(self._venue.order_by_client_id(client_order_id))

    def open_orders(self) -> Sequence[BrokerOrder]:
        """Return working orders, oldest first (held bracket legs excluded)."""
        self._catch_up()
        return [_to_broker_order(o) for o in self._venue.open_orders()]

    def positions(self) -> Sequence[Position]:
        """Return non-flat positions, sorted by symbol."""
        self._catch_up()
        return self._venue.positions()

    def account(self) -> AccountSnapshot:
        """Return cash, buying power and equity marked at the last closes."""
        return self._venue.account(self._clock.now())

    def rule_breach(self, spec: OrderSpec) -> RuleBreach | None:
        """Return the Alpaca rule the venue would refuse ``spec`` for, if any."""
        return self._venue.rule_breach(self._clock.now(), spec)

    def poll_events(self) -> Sequence[OrderEvent]:
        """Return the events that happened up to the clock's now, in order."""
        # Caught up and taken in one venue call: the replay asks twice per bar.
        return self._venue.events_until(self._clock.now())

    def has_pending(self) -> bool:
        """Return whether an event is scheduled or waiting to be polled."""
        return self._venue.has_pending()

    def next_event_at(self) -> datetime | None:
        """Return when the next scheduled event is due, or ``None``."""
        # Caught up and read in one venue call: the replay asks twice per bar.
        return self._venue.next_event_after(self._clock.now())

    def poll_until_next(self) -> tuple[Sequence[OrderEvent], datetime | None]:
        """Return :meth:`poll_events`, then :meth:`next_event_at`, in one call."""
        return self._venue.events_and_next_after(self._clock.now())

    def _catch_up(self) -> None:
        self._venue.advance_to(self._clock.now())


#: The venue's orders carry validated values: copied without re-validating them.
_broker_order = trusted_builder(BrokerOrder)


def _to_broker_order(order: SimOrder) -> BrokerOrder:
    return _broker_order(
        broker_order_id=order.broker_order_id,
        client_order_id=order.client_order_id,
        spec=order.spec,
        status=order.status,
        filled_qty=order.filled_qty,
        filled_avg_price=order.avg_price,
        submitted_at=order.submitted_at,
        updated_at=order.updated_at,
        leg_ids=order.leg_ids,
        replaced_by=order.replaced_by,
    )
