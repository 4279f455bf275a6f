"""The Broker port and the value types that cross it."""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import attrs

from tradecore.domain import validation as v
from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.orders.account import AccountSnapshot, Position
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.entitlements import ActionBooking
from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.orders.spec import OrderSpec


class Capability(enum.StrEnum):
    """Optional broker features; contract cases needing one skip without it."""

    FRACTIONAL = "fractional"
    SHORT_SELL = "short_sell"
    STOP_ORDERS = "stop_orders"
    EXTENDED_HOURS = "extended_hours"
    BRACKET_ORDERS = "bracket_orders"
    REPLACE = "replace"


@attrs.frozen(kw_only=True, slots=True)
class BrokerOrder:
    """An order as the broker knows it."""

    broker_order_id: str = attrs.field(validator=v.non_empty_str)
    client_order_id: str = attrs.field(validator=v.non_empty_str)
    spec: OrderSpec
    status: BrokerOrderStatus = attrs.field(validator=v.instance_of(BrokerOrderStatus))
    filled_qty: Decimal = attrs.field(
        default=Decimal(0), validator=v.non_negative_decimal
    )
    filled_avg_price: Decimal | None = None
    submitted_at: datetime = attrs.field(validator=v.utc_datetime)
    updated_at: datetime = attrs.field(validator=v.utc_datetime)
    #: Broker ids of bracket legs (take-profit, stop-loss), if any.
    leg_ids: tuple[str, ...] = ()
    replaced_by: str | None = None


class Broker(Protocol):
    """Where orders go. Implementations: simulated, Alpaca.

    Order events are asynchronous: ``submit`` returns the broker's acknowledgement and
    never a fill; fills and every later change arrive through :meth:`poll_events`.
    """

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this broker offers now (contract cases needing more skip).

        Per instance, not per class: an adapter may learn it from the account (the
        Alpaca adapter drops ``SHORT_SELL`` for a cash account or one with shorting
        disabled); a class-level attribute is the default until then.
        """
        ...

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        """Place an order under ``client_order_id`` and return the acknowledged order.

        Safe to repeat with the same id: a broker that already has the id raises
        :class:`DuplicateClientOrderId` and keeps the original order unchanged.

        Raises:
            DuplicateClientOrderId: the id was used before (look the order up, adopt it).
            BrokerRejected: refused synchronously (e.g. InsufficientBuyingPower;
                BrokerRuleBreached names the broker rule the order breaks).
            TransientBrokerError: outcome unknown (timeout, 5xx); resolve by client id.
            AuthenticationFailed: credentials refused.
        """
        ...

    def cancel(self, broker_order_id: str) -> None:
        """Request cancellation; the outcome arrives as an event.

        Raises:
            OrderNotFound: no such order.
            OrderNotCancelable: already filled, canceled or otherwise final.
            TransientBrokerError: outcome unknown.
        """
        ...

    def replace(
        self,
        broker_order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> BrokerOrder:
        """Replace a working order; return the *new* order (new broker id, new client id).

        The old order becomes ``replaced`` (an event says so); fills that raced the
        replace still count on the old order.

        Raises:
            OrderNotFound: no such order.
            OrderNotCancelable: the order is final or not replaceable in its status.
            DuplicateClientOrderId: ``client_order_id`` was used before.
        """
        ...

    def get_order(self, broker_order_id: str) -> BrokerOrder:
        """Return the order with the broker's id.

        Raises:
            OrderNotFound: no such order.
        """
        ...

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder:
        """Return the order placed under ``client_order_id``.

        Raises:
            OrderNotFound: no order with that id (possibly not *yet*, see docs/architecture.md).
        """
        ...

    def open_orders(self) -> Sequence[BrokerOrder]:
        """Return orders the broker is still working, oldest first."""
        ...

    def positions(self) -> Sequence[Position]:
        """Return non-flat positions, sorted by symbol."""
        ...

    def rule_breach(self, spec: OrderSpec) -> RuleBreach | None:
        """Return the broker rule ``spec`` breaks, as far as known before sending.

        ``None`` when no rule is known to be broken. Never sends the order; reads
        asset and account facts the adapter cached this session (the Alpaca adapter
        asks the broker only for a symbol's asset the first time, and for the
        account once it is stale). The engine records a breach as
        ``skipped(broker_rules:<rule>)`` instead of placing the order, and
        ``submit`` of such an order raises :class:`BrokerRuleBreached`.

        Raises:
            TransientBrokerError: a fact the check needed could not be read now (the
                order manager then lets the broker's own answer decide).
        """
        ...

    def account(self) -> AccountSnapshot:
        """Return cash, buying power and equity now."""
        ...

    def poll_events(self) -> Sequence[OrderEvent]:
        """Return order events that happened since the last poll, in order; never block."""
        ...


class ScheduledBroker(Broker, Protocol):
    """A broker whose events happen on a virtual clock (the simulated broker).

    The replay driver merges its events with bars by time, so it must know when the
    next one is due.
    """

    def next_event_at(self) -> datetime | None:
        """Return when the earliest pending event is due, or ``None`` if none is."""
        ...

    def poll_until_next(self) -> tuple[Sequence[OrderEvent], datetime | None]:
        """Return :meth:`poll_events` and then :meth:`next_event_at`, in one call.

        What the replay driver asks whenever the broker has something pending:
        the events so far, and whether another comes before the clock's next
        stop (most often none does, and the events are all there is to apply).
        """
        ...

    def has_pending(self) -> bool:
        """Return whether an event is scheduled or waiting to be polled.

        While neither is, moving the clock changes nothing at the broker: the
        replay driver then moves only the clock (most bar timestamps of a replay
        with no working order), instead of asking :meth:`next_event_at` and
        :meth:`poll_events` twice per timestamp.
        """
        ...

    def on_bar(self, bar: Bar) -> None:
        """Make ``bar`` the market for its interval (fed at the bar's start)."""
        ...

    def needs_bar(self, symbol: str) -> bool:
        """Return whether a bar of ``symbol`` could change anything (a working order).

        Lets the replay driver skip building bar objects nobody would look at.
        """
        ...

    def working_symbols(self) -> Collection[str]:
        """Return the symbols :meth:`needs_bar` is true for, as a live view.

        The view follows the broker as orders start and stop working, so the replay
        driver asks for it once and then tests a bar's symbol with ``in`` (and
        skips a timestamp's bars at once while the view is empty) instead of
        calling :meth:`needs_bar` per bar.
        """
        ...

    def on_corporate_action(self, action: CorporateAction) -> ActionBooking:
        """Apply ``action`` to the account now (fed at its ex-date's start).

        Like a bar, a corporate action is a fact of the simulated market: the replay
        driver feeds it when time reaches it. The broker changes positions and cash
        as the real one would, cancels the open orders it cancels (their CANCELED
        events come through :meth:`poll_events`) and returns what it did, for the
        engine to book on its own ledger.
        """
        ...
