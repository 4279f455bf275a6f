"""``DryRunBroker``: the Broker port with every write intercepted.

``tradecore-live run --dry-run`` trades through this adapter: the engine, the risk
gate and the store work exactly as live (intents, decisions, outcomes are stored),
but an order is only *recorded* — answered with an ``accepted`` acknowledgement
that never fills. Reads (positions, account) come from the real broker when one is
given, so sizing and risk see the real book; without one the book is empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain.broker_rules import first_breach
from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.errors import DuplicateClientOrderId, OrderNotFound
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.orders.account import AccountSnapshot, Position
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.spec import OrderSpec
from tradecore.ports.broker import Broker, BrokerOrder, Capability
from tradecore.ports.clock import Clock


class DryRunBroker:
    """Records orders instead of sending them; reads from ``inner`` if given."""

    capabilities: frozenset[Capability] = frozenset()

    def __init__(
        self, clock: Clock, inner: Broker | None = None, cash: Decimal = Decimal(0)
    ) -> None:
        """Wrap ``inner`` (reads only); ``cash`` is the account without one."""
        self._clock = clock
        self._inner = inner
        self._cash = cash
        self.recorded: dict[str, BrokerOrder] = {}  # client order id -> order
        self._events: list[OrderEvent] = []

    def close(self) -> None:
        """Close the wrapped broker (its stream, its rate limiter's engine), if any."""
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()

    def rate_budget_left(self) -> float | None:
        """The wrapped broker's rate-limit budget (its reads still spend it)."""
        budget = getattr(self._inner, "rate_budget_left", None)
        return budget() if callable(budget) else None

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        """Record the order and acknowledge it (it never reaches a market)."""
        if client_order_id in self.recorded:
            raise DuplicateClientOrderId(client_order_id)
        now = self._clock.now()
        order = BrokerOrder(
            broker_order_id="dry-" + sha256_hex(client_order_id)[:24],
            client_order_id=client_order_id,
            spec=spec,
            status=BrokerOrderStatus.ACCEPTED,
            submitted_at=now,
            updated_at=now,
        )
        self.recorded[client_order_id] = order
        self._events.append(
            OrderEvent(
                kind=OrderEventKind.ACCEPTED,
                client_order_id=client_order_id,
                occurred_at=now,
                broker_order_id=order.broker_order_id,
            )
        )
        return order

    def cancel(self, broker_order_id: str) -> None:
        """Record the cancel: the recorded order is canceled at once."""
        order = self.get_order(broker_order_id)
        now = self._clock.now()
        self.recorded[order.client_order_id] = attrs.evolve(
            order, status=BrokerOrderStatus.CANCELED, updated_at=now
        )
        self._events.append(
            OrderEvent(
                kind=OrderEventKind.CANCELED,
                client_order_id=order.client_order_id,
                occurred_at=now,
                broker_order_id=broker_order_id,
            )
        )

    def replace(
        self,
        broker_order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> BrokerOrder:
        """Record a replacement: the old order is canceled, the new one recorded."""
        old = self.get_order(broker_order_id)
        spec = attrs.evolve(
            old.spec,
            qty=qty if qty is not None else old.spec.qty,
            limit_price=limit_price
            if limit_price is not None
            else old.spec.limit_price,
            stop_price=stop_price if stop_price is not None else old.spec.stop_price,
        )
        self.cancel(broker_order_id)
        return self.submit(client_order_id, spec)

    def get_order(self, broker_order_id: str) -> BrokerOrder:
        """Return a recorded order by its (dry-run) broker id."""
        for order in self.recorded.values():
            if order.broker_order_id == broker_order_id:
                return order
        raise OrderNotFound(broker_order_id)

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder:
        """Return a recorded order by client order id."""
        order = self.recorded.get(client_order_id)
        if order is None:
            raise OrderNotFound(client_order_id)
        return order

    def open_orders(self) -> Sequence[BrokerOrder]:
        """Recorded orders not canceled, oldest first."""
        return [
            o for o in self.recorded.values() if o.status is BrokerOrderStatus.ACCEPTED
        ]

    def positions(self) -> Sequence[Position]:
        """The real broker's positions (none without one)."""
        return self._inner.positions() if self._inner is not None else []

    def rule_breach(self, spec: OrderSpec) -> RuleBreach | None:
        """The real broker's pre-send check, or the order's own shape without one."""
        if self._inner is not None:
            return self._inner.rule_breach(spec)
        return first_breach(spec, None)

    def account(self) -> AccountSnapshot:
        """The real broker's account, or the configured cash."""
        if self._inner is not None:
            return self._inner.account()
        now: datetime = self._clock.now()
        return AccountSnapshot(
            cash=self._cash, buying_power=self._cash, equity=self._cash, as_of=now
        )

    def poll_events(self) -> Sequence[OrderEvent]:
        """Acknowledgements and cancels of recorded orders, in order."""
        events, self._events = self._events, []
        return events
