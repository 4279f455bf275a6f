"""REST calls to Alpaca: paced, translated, retried only where that is safe.

Every call takes a token from the rate limiter first. A 429 was refused before the
server did anything, so any call is repeated after the wait the server asked for
(``Retry-After``, else ``X-RateLimit-Reset``), and the limiter is paused meanwhile so
the whole process slows down. Other transient failures (5xx, timeouts, a 408,
dropped connections) are repeated, with seeded jittered backoff, only for reads: a submit,
cancel or replace whose outcome is unknown is reported as such (the order manager
resolves it by client order id, docs/architecture.md "Exactly once").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast
from uuid import UUID

import numpy as np
import pydantic
import requests
from alpaca.common.enums import Sort
from alpaca.trading.enums import QueryOrderStatus
from alpaca.trading.models import Order
from alpaca.trading.requests import GetOrderByIdRequest, GetOrdersRequest

from tradecore.adapters.alpaca._sdk import APIError, TradingClient
from tradecore.adapters.alpaca.config import AlpacaConfig
from tradecore.adapters.alpaca.errors import Operation, translate
from tradecore.adapters.alpaca.mapping import broker_order, is_group
from tradecore.domain.errors import OrderNotFound, RateLimited, TransientBrokerError
from tradecore.ports.broker import BrokerOrder
from tradecore.ports.rate_limit import RateLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_RATE_LIMIT_WAIT_S = 60.0
REQUEST_TIMEOUT = 408
ACTIVITY_PAGE = 100
#: The most orders ``GET /v2/orders`` returns in one answer.
ORDER_PAGE = 500
_FAILURES = (APIError, requests.RequestException, pydantic.ValidationError, TypeError)


def order_uuid(broker_order_id: str) -> UUID:
    """Return the order id as a UUID (Alpaca's ids all are one).

    Raises:
        OrderNotFound: not a UUID, so no Alpaca order has it.
    """
    try:
        return UUID(broker_order_id)
    except (ValueError, TypeError, AttributeError):
        raise OrderNotFound(f"{broker_order_id!r} is not an Alpaca order id") from None


def _request_timeout(error: Exception) -> bool:
    """A 408: the server gave up waiting for the request; a read is safe to repeat."""
    return isinstance(error, APIError) and error.status_code == REQUEST_TIMEOUT


class AlpacaRest:
    """The trading REST calls the broker makes, with pacing and retries."""

    def __init__(
        self,
        client: TradingClient,
        config: AlpacaConfig,
        limiter: RateLimiter,
        *,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """Wrap ``client``; ``sleep`` and ``wall`` are injectable for tests."""
        self._client = client
        self._config = config
        self._limiter = limiter
        self._sleep = sleep
        self._wall = wall
        self._rng = np.random.default_rng(config.seed)
        #: Legs of bracket/OTO orders, by order id ([] for a leg): they never change.
        self._legs: dict[str, list[Order]] = {}
        self.activities_supported = True

    def call(self, operation: Operation, fn: Callable[[], T], *, safe: bool) -> T:
        """Run one SDK call; translate failures; repeat where safe (module doc)."""
        attempts = self._config.attempts
        for attempt in range(1, attempts + 1):
            self._limiter.acquire()
            try:
                return fn()
            except _FAILURES as e:
                error = translate(e, operation, wall=self._wall)
                if operation is Operation.READ and _request_timeout(e):
                    error = TransientBrokerError(f"read: HTTP 408: {error}")
                if attempt == attempts or not error.retryable:
                    raise error from e
                if isinstance(error, RateLimited):
                    wait = error.retry_after_s
                    wait = self._backoff(attempt) if wait is None else wait
                    self._limiter.pause(min(wait, MAX_RATE_LIMIT_WAIT_S))
                    log.warning("rate limited (%s); waiting %.2fs", error, wait)
                elif safe:
                    self._sleep(self._backoff(attempt))
                else:
                    raise error from e
        raise AssertionError("unreachable: the last attempt returns or raises")

    def order(self, broker_order_id: str) -> BrokerOrder:
        """Return one order by broker id, legs resolved."""
        return self.resolve(self._nested(broker_order_id))

    def by_client_id(self, client_order_id: str) -> BrokerOrder:
        """Return one order by client order id, legs resolved."""
        found = self.call(
            Operation.READ,
            lambda: self._client.get_order_by_client_id(client_order_id),
            safe=True,
        )
        return self.resolve(cast(Order, found))

    def orders(self, status: QueryOrderStatus) -> list[Order]:
        """Return every order in ``status``, oldest first, legs listed apart.

        Alpaca lists at most 500 per request, so the listing is walked forward by
        submission time. ``after`` is exclusive: each page starts a microsecond
        before the last one's newest order, so orders sharing that instant are
        listed again (and de-duplicated) rather than skipped. One request for up to
        500 orders, as before; 20 for the 10,000 a reconciliation may check.
        """
        found: dict[str, Order] = {}
        after: datetime | None = None
        while True:
            page = self._orders_page(status, after)
            new = [o for o in page if str(o.id) not in found]
            found.update((str(o.id), o) for o in new)
            last = page[-1].submitted_at if page else None
            if len(page) < ORDER_PAGE or not new or last is None:
                if page and not new and len(page) == ORDER_PAGE:
                    log.warning(
                        "over %d orders share the submission time %s: the listing "
                        "cannot page past them (after/until are by time)",
                        ORDER_PAGE,
                        last,
                    )
                return list(found.values())
            after = last - timedelta(microseconds=1)

    def _orders_page(
        self, status: QueryOrderStatus, after: datetime | None
    ) -> list[Order]:
        query = GetOrdersRequest(
            status=status,
            limit=ORDER_PAGE,
            direction=Sort.ASC,
            nested=False,
            after=after,
        )
        found = self.call(
            Operation.READ, lambda: self._client.get_orders(query), safe=True
        )
        return list(cast(list[Order], found))

    def fill_activities(self, after: str) -> list[dict[str, Any]] | None:
        """Return ``FILL`` activities after ``after`` (ISO), or ``None`` if unsupported."""
        if not self.activities_supported:
            return None
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {
            "after": after,
            "direction": "asc",
            "page_size": ACTIVITY_PAGE,
        }
        while True:
            try:
                page = self.call(
                    Operation.READ,
                    lambda: self._client.get("/account/activities/FILL", dict(params)),
                    safe=True,
                )
            except OrderNotFound:
                log.warning("no FILL activities endpoint: fills inferred from orders")
                self.activities_supported = False
                return None
            items.extend(page or [])
            if not page or len(page) < ACTIVITY_PAGE:
                return items
            params["page_token"] = page[-1]["id"]

    def resolve(self, order: Order) -> BrokerOrder:
        """Return ``order`` as the port's BrokerOrder, with its legs if it has any."""
        order_id = str(order.id)
        if order.legs is not None:
            self._remember_legs(order)
        elif is_group(order):
            if order_id not in self._legs:
                self._remember_legs(self._nested(order_id))
            order = order.model_copy(update={"legs": self._legs[order_id] or None})
        return broker_order(order)

    def _nested(self, broker_order_id: str) -> Order:
        uuid = order_uuid(broker_order_id)
        query = GetOrderByIdRequest(nested=True)
        found = self.call(
            Operation.READ,
            lambda: self._client.get_order_by_id(uuid, query),
            safe=True,
        )
        return cast(Order, found)

    def _remember_legs(self, order: Order) -> None:
        legs = list(order.legs or [])
        self._legs[str(order.id)] = legs
        for leg in legs:
            self._legs.setdefault(str(leg.id), [])

    def _backoff(self, attempt: int) -> float:
        ceiling = min(
            self._config.backoff_max_s,
            self._config.backoff_base_s * 2.0 ** (attempt - 1),
        )
        return ceiling / 2 + float(self._rng.uniform(0, ceiling / 2))
