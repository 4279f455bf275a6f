"""A broker wrapper that reports every call's health to the risk gate.

The broker error-rate breaker needs to know how many calls failed (timeouts, 5xx,
dropped connections), and the reject-rate breaker needs synchronous refusals, which
raise instead of arriving as events. Wrapping the port (the same Broker protocol,
delegating everything) keeps the order manager unaware of either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import ClassVar, TypeVar

from tradecore.domain.account import AccountSnapshot, Position
from tradecore.domain.errors import (
    AuthenticationFailed,
    BrokerError,
    BrokerRejected,
    TransientBrokerError,
)
from tradecore.domain.events import OrderEvent
from tradecore.domain.orders import OrderSpec
from tradecore.ports.broker import Broker, BrokerOrder, Capability
from tradecore.ports.clock import Clock
from tradecore.services.degradation import DegradationMonitor
from tradecore.services.risk_gate import RiskGate

_T = TypeVar("_T")


class MonitoredBroker(Broker):
    """Delegates to ``inner``; tells ``gate`` which calls failed and which were refused."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    def __init__(
        self,
        inner: Broker,
        gate: RiskGate,
        clock: Clock,
        *,
        health: DegradationMonitor | None = None,
    ) -> None:
        """Wrap ``inner``; times come from ``clock``; ``health`` also hears of calls."""
        self._inner = inner
        self._gate = gate
        self._clock = clock
        self._health = health
        # A wrapper can do what the broker it wraps can do.
        self.capabilities = inner.capabilities  # type: ignore[misc]

    def _call(self, call: Callable[[], _T]) -> _T:
        """Run ``call``; an answer (even a refusal) is a healthy call, silence is not."""
        try:
            result = call()
        except (TransientBrokerError, AuthenticationFailed):
            self._report(failed=True)
            raise
        except BrokerError:
            self._report(failed=False)
            raise
        self._report(failed=False)
        return result

    def _report(self, *, failed: bool) -> None:
        now = self._clock.now()
        self._gate.on_broker_call(now, failed=failed)
        if self._health is not None:
            self._health.on_broker_call(now, failed=failed)

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        """Submit through the inner broker; a refusal counts as a reject."""
        try:
            return self._call(lambda: self._inner.submit(client_order_id, spec))
        except BrokerRejected:
            self._gate.on_submit_rejected(self._clock.now())
            raise

    def cancel(self, broker_order_id: str) -> None:
        """Cancel through the inner broker."""
        self._call(lambda: self._inner.cancel(broker_order_id))

    def replace(
        self,
        broker_order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> BrokerOrder:
        """Replace through the inner broker."""
        return self._call(
            lambda: self._inner.replace(
                broker_order_id,
                client_order_id=client_order_id,
                qty=qty,
                limit_price=limit_price,
                stop_price=stop_price,
            )
        )

    def get_order(self, broker_order_id: str) -> BrokerOrder:
        """Look an order up through the inner broker."""
        return self._call(lambda: self._inner.get_order(broker_order_id))

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder:
        """Look an order up by client id through the inner broker."""
        return self._call(lambda: self._inner.get_order_by_client_id(client_order_id))

    def open_orders(self) -> Sequence[BrokerOrder]:
        """List open orders through the inner broker."""
        return self._call(self._inner.open_orders)

    def positions(self) -> Sequence[Position]:
        """List positions through the inner broker."""
        return self._call(self._inner.positions)

    def account(self) -> AccountSnapshot:
        """Read the account through the inner broker."""
        return self._call(self._inner.account)

    def poll_events(self) -> Sequence[OrderEvent]:
        """Poll events through the inner broker."""
        return self._call(self._inner.poll_events)
