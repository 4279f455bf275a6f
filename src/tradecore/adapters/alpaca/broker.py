"""AlpacaBroker: the Broker port over alpaca-py's TradingClient and TradingStream.

Requests go over REST (:mod:`.rest`: paced, translated, retried only where safe).
Order events come from the trade-updates stream (:mod:`.stream`), which runs in its
own thread and queues raw frames; :meth:`AlpacaBroker.poll_events` turns them into
domain events on the caller's thread. Because the stream loses whatever happens while
it is disconnected, every (re)connection — and any gap in an order's cumulative
fills, or an event that says the order changed out of band — makes the next poll
re-read the tracked orders and their ``FILL`` activities over REST and report what
was missed (:mod:`.recovery`), each event once (:mod:`.tracking`).
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, cast

import pydantic
from alpaca.trading.enums import QueryOrderStatus
from alpaca.trading.models import Clock as SdkClock
from alpaca.trading.models import Order, TradeAccount, TradeUpdate
from alpaca.trading.models import Position as SdkPosition
from alpaca.trading.requests import ReplaceOrderRequest

from tradecore.adapters.alpaca._sdk import make_trading_client
from tradecore.adapters.alpaca.config import AlpacaConfig
from tradecore.adapters.alpaca.credentials import AlpacaCredentials
from tradecore.adapters.alpaca.errors import VALIDATION, Operation
from tradecore.adapters.alpaca.mapping import (
    Action,
    account,
    decimal,
    event_rule,
    order_request,
    position,
    utc,
)
from tradecore.adapters.alpaca.ratelimit import TokenBucket
from tradecore.adapters.alpaca.recovery import (
    catch_up,
    fill_execution_id,
    statement_fill,
)
from tradecore.adapters.alpaca.rest import AlpacaRest, order_uuid
from tradecore.adapters.alpaca.rule_facts import RuleFacts, capabilities_for
from tradecore.adapters.alpaca.stream import (
    AuthFailed,
    Connected,
    Item,
    StreamStatus,
    StreamSupervisor,
)
from tradecore.adapters.alpaca.tracking import OrderTracker
from tradecore.adapters.clock import SystemClock
from tradecore.domain.books.statement import StatementFill
from tradecore.domain.broker_rules import context_breach, shape_breach
from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.errors import (
    AuthenticationFailed,
    BrokerRejected,
    DuplicateClientOrderId,
    InvalidInput,
    OrderNotFound,
    TradecoreError,
    TransientBrokerError,
)
from tradecore.domain.market.broker_clock import BrokerClock
from tradecore.domain.orders.account import AccountSnapshot, Position
from tradecore.domain.orders.events import FILL_KINDS, OrderEvent
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.broker import Broker, BrokerOrder, Capability
from tradecore.ports.clock import Clock
from tradecore.ports.rate_limit import RateLimiter

_MICROSECOND = timedelta(microseconds=1)
log = logging.getLogger(__name__)
#: How far before the oldest tracked order the FILL activities are read.
ACTIVITY_MARGIN = timedelta(seconds=1)


class AlpacaBroker(Broker):
    """Alpaca (paper by default) behind the Broker port; see the module docstring."""

    #: Everything Alpaca offers; :meth:`connect` drops what the account cannot do
    #: (:func:`~tradecore.adapters.alpaca.rule_facts.capabilities_for`).
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
        config: AlpacaConfig,
        credentials: AlpacaCredentials,
        *,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Build the clients; :meth:`connect` starts the stream."""
        self._clock = clock or SystemClock()
        client = make_trading_client(config, credentials)
        limiter = limiter or TokenBucket.per_minute(
            config.requests_per_minute, burst=config.burst
        )
        self._limiter = limiter
        self._rest = AlpacaRest(client, config, limiter, sleep=sleep)
        self._client = client
        self._stream = StreamSupervisor(config, credentials)
        self._tracker = OrderTracker()
        self._facts = RuleFacts(self._rest, client, self._clock.now)
        self._pending: collections.deque[Item] = collections.deque()
        self.anomalies: list[str] = []
        self._alerter: Alerter | None = None

    def set_alerter(self, alerter: Alerter) -> None:
        """Send alerts for busted/corrected executions and unusual events here."""
        self._alerter = alerter

    # --- lifecycle -------------------------------------------------------------------

    def connect(self, timeout_s: float = 10.0) -> None:
        """Start the trade-updates stream and wait until it is subscribed.

        Raises:
            AuthenticationFailed: the stream refused the credentials.
            TransientBrokerError: not connected within ``timeout_s``.
        """
        self._stream.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = self._stream.status()
            if status.auth_failed:
                raise AuthenticationFailed("trade-updates stream refused the keys")
            if status.connected:
                self._learn_account()
                return
            time.sleep(0.005)
        raise TransientBrokerError(f"trade-updates stream not up after {timeout_s}s")

    def _learn_account(self) -> None:
        """Read the account and positions the pre-send check starts from.

        The capabilities follow the account: no ``SHORT_SELL`` for a cash account
        or one with shorting disabled. If the account cannot be read now, the
        class's capabilities stay and the first check reads it.
        """
        try:
            flags = self._facts.refresh_account()
            self._facts.load_positions()
        except TransientBrokerError as e:
            log.warning("account not read at connect: %s", e)
            return
        self.capabilities = capabilities_for(flags, type(self).capabilities)

    def close(self) -> None:
        """Stop the stream and release the rate limiter's resources (its DB engine)."""
        self._stream.stop()
        close_limiter = getattr(self._limiter, "close", None)
        if callable(close_limiter):
            close_limiter()

    def rate_budget_left(self) -> float:
        """Trading-API requests the rate limiter allows right now."""
        return self._limiter.remaining()

    def __enter__(self) -> AlpacaBroker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def stream_status(self) -> StreamStatus:
        """Return the stream's counters (connected, connections, frames received)."""
        return self._stream.status()

    # --- the Broker port -------------------------------------------------------------

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        """Place ``spec`` under ``client_order_id``; return the acknowledgement.

        A 429 is waited out and repeated (it was refused before being processed).
        Only an answer that proves the order was not taken raises BrokerRejected;
        a timeout, 5xx or any other unproven answer raises TransientBrokerError:
        resubmit under the same id (:mod:`.errors`).

        Raises:
            DuplicateClientOrderId: the broker has an order under this id (Alpaca's
                422 code 40010001, confirmed by looking the id up: the same code is
                a validation refusal when no order has the id).
            BrokerRejected: the order was refused.
            TransientBrokerError: the outcome is unknown.
        """
        request = order_request(client_order_id, spec)
        try:
            order = self._rest.call(
                Operation.SUBMIT, lambda: self._client.submit_order(request), safe=False
            )
        except DuplicateClientOrderId as e:
            try:
                self._rest.by_client_id(client_order_id)
            except OrderNotFound:
                raise BrokerRejected(str(e), code=str(VALIDATION)) from e
            raise
        ack = self._rest.resolve(cast(Order, order))
        self._track(ack)
        self._facts.placed(ack)
        return ack

    def cancel(self, broker_order_id: str) -> None:
        """Request cancellation; the outcome arrives as an event."""
        uuid = order_uuid(broker_order_id)
        self._rest.call(
            Operation.CANCEL, lambda: self._client.cancel_order_by_id(uuid), safe=False
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
        """Replace a working order; return the new order (the old turns REPLACED).

        Raises:
            InvalidInput: a fractional ``qty`` (Alpaca's replace takes whole shares).
        """
        uuid = order_uuid(broker_order_id)
        if qty is not None and qty != qty.to_integral_value():
            raise InvalidInput(
                "qty", qty, "Alpaca replaces whole-share quantities only"
            )
        request = ReplaceOrderRequest(
            qty=None if qty is None else int(qty),
            limit_price=None if limit_price is None else float(limit_price),
            stop_price=None if stop_price is None else float(stop_price),
            client_order_id=client_order_id,
        )
        order = self._rest.call(
            Operation.REPLACE,
            lambda: self._client.replace_order_by_id(uuid, request),
            safe=False,
        )
        new = self._rest.resolve(cast(Order, order))
        self._track(new)
        self._facts.placed(new)
        return new

    def get_order(self, broker_order_id: str) -> BrokerOrder:
        """Return the order with Alpaca's id (a non-UUID id is not found)."""
        return self._rest.order(broker_order_id)

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder:
        """Return the order placed under ``client_order_id``."""
        return self._rest.by_client_id(client_order_id)

    def open_orders(self) -> Sequence[BrokerOrder]:
        """Return working orders, oldest first (held bracket legs are not working).

        Orders tradecore cannot represent (e.g. trailing stops placed elsewhere) are
        left out, with a warning.
        """
        result = []
        for order in self._rest.orders(QueryOrderStatus.OPEN):
            try:
                result.append(self._rest.resolve(order))
            except InvalidInput as e:
                log.warning("open order %s left out: %s", order.id, e)
        return result

    def statement_fills(
        self, start: datetime, end: datetime
    ) -> Sequence[StatementFill] | None:
        """The ``FILL`` account activities from ``start`` to ``end`` (``None``: the
        server has no activities endpoint); each named as the stream names it."""
        items = self._rest.fill_activities((start - _MICROSECOND).isoformat())
        if items is None:
            return None
        found = [statement_fill(item) for item in items]
        return [f for f in found if start <= f.at < end]

    def positions(self) -> Sequence[Position]:
        """Return non-flat positions, sorted by symbol."""
        items = self._rest.call(
            Operation.READ, self._client.get_all_positions, safe=True
        )
        held = [position(p) for p in cast(list[SdkPosition], items)]
        return sorted((p for p in held if not p.is_flat), key=lambda p: p.symbol)

    def rule_breach(self, spec: OrderSpec) -> RuleBreach | None:
        """Return the Alpaca rule ``spec`` breaks, checked locally before sending.

        The order's own shape first; then the asset, account and book rules against
        the facts cached this session (:mod:`.rule_facts`): no broker call but the
        first asset lookup of a symbol and an account re-read once a minute.
        """
        breach = shape_breach(spec)
        if breach is not None:
            return breach
        context = self._facts.context(spec)
        return None if context is None else context_breach(spec, context)

    def account(self) -> AccountSnapshot:
        """Return cash, buying power and equity (as of the local clock)."""
        item = self._rest.call(Operation.READ, self._client.get_account, safe=True)
        return account(cast(TradeAccount, item), self._clock.now())

    def market_clock(self) -> BrokerClock:
        """Return Alpaca's market clock (``GET /v2/clock``), times in UTC.

        Not part of the Broker port: a live run compares it with its calendar
        before trading (:func:`tradecore.domain.market.broker_clock.clock_disagreement`).
        """
        item = cast(
            SdkClock, self._rest.call(Operation.READ, self._client.get_clock, safe=True)
        )
        return BrokerClock(
            timestamp=utc(item.timestamp),
            is_open=bool(item.is_open),
            next_open=utc(item.next_open),
            next_close=utc(item.next_close),
        )

    def poll_events(self) -> Sequence[OrderEvent]:
        """Return the order events received (or recovered) since the last poll.

        Never waits for events. After a reconnect it first re-reads the tracked orders
        over REST (bounded by the HTTP timeouts); if that fails it stops there and the
        next poll tries again, so nothing is skipped.

        Raises:
            AuthenticationFailed: the stream's credentials were refused.
        """
        while not self._stream.items.empty():
            self._pending.append(self._stream.items.get_nowait())
        events: list[OrderEvent] = []
        while self._pending:
            item = self._pending[0]
            if isinstance(item, AuthFailed):
                raise AuthenticationFailed("trade-updates stream refused the keys")
            try:
                if isinstance(item, Connected):
                    events += self.recover()
                else:
                    events += self._on_update(item)
            except TransientBrokerError as e:
                log.warning("catch-up over REST failed, retrying next poll: %s", e)
                break
            self._pending.popleft()
        for event in events:
            self._facts.on_event(event)
        return events

    def recover(self) -> list[OrderEvent]:
        """Re-read tracked and open orders over REST; return the unreported events."""
        snapshots: dict[str, BrokerOrder] = {}
        for order in self._rest.orders(QueryOrderStatus.OPEN):
            try:
                snapshots[str(order.id)] = self._rest.resolve(order)
            except InvalidInput as e:
                log.warning("open order %s not tracked: %s", order.id, e)
        for track in self._tracker.working():
            if track.broker_order_id not in snapshots:
                try:
                    snapshots[track.broker_order_id] = self._rest.order(
                        track.broker_order_id
                    )
                except OrderNotFound:
                    log.warning("tracked order %s not found", track.broker_order_id)
        activities = self._activities(list(snapshots.values()))
        events: list[OrderEvent] = []
        for order_id, snapshot in snapshots.items():
            mine = None if activities is None else activities.get(order_id, [])
            events += catch_up(self._tracker, snapshot, mine)
        return sorted(events, key=lambda e: e.occurred_at)

    # --- helpers -------------------------------------------------------------------------

    def _track(self, order: BrokerOrder) -> None:
        self._tracker.track(order.broker_order_id, order.client_order_id)
        for leg_id in order.leg_ids:
            self._tracker.track(leg_id, "")

    def _activities(
        self, orders: list[BrokerOrder]
    ) -> dict[str, list[dict[str, Any]]] | None:
        if not orders:
            return {}
        since = min(o.submitted_at for o in orders) - ACTIVITY_MARGIN
        items = self._rest.fill_activities(since.isoformat())
        if items is None:
            return None
        grouped: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            grouped.setdefault(str(item.get("order_id")), []).append(item)
        return grouped

    def _on_update(self, data: dict[str, Any]) -> list[OrderEvent]:
        try:
            update = TradeUpdate(**data)
        except (pydantic.ValidationError, TypeError) as e:
            log.error("malformed trade update, resyncing over REST: %s", e)
            return self.recover()
        rule = event_rule(update.event)
        if rule.action is not Action.EMIT:
            if rule.action is Action.ALERT:
                self._alert_event(update, data)
            return [] if rule.action is Action.IGNORE else self.recover()
        assert rule.kind is not None
        order = update.order
        if rule.reason is not None:
            # A refused cancel/replace: re-read first (a fill may have raced it).
            recovered = self.recover()
            event = OrderEvent(
                kind=rule.kind,
                client_order_id=order.client_order_id,
                broker_order_id=str(order.id),
                occurred_at=utc(update.timestamp),
                reason=rule.reason,
            )
            return recovered + ([event] if self._tracker.admit(event) else [])
        event = OrderEvent(
            kind=rule.kind,
            client_order_id=order.client_order_id,
            broker_order_id=str(order.id),
            occurred_at=utc(update.timestamp),
            fill=_fill(update, data) if rule.kind in FILL_KINDS else None,
            replaced_by=None if order.replaced_by is None else str(order.replaced_by),
        )
        cum_qty = decimal(order.filled_qty)
        if event.fill is not None and cum_qty is not None:
            recovered = []
            if self._tracker.gap_before(event, cum_qty):
                recovered = self.recover()
            admitted = self._tracker.admit(event, cum_qty)
            return recovered + ([event] if admitted else [])
        return [event] if self._tracker.admit(event) else []

    def _alert_event(self, update: TradeUpdate, data: dict[str, Any]) -> None:
        """Record, log and (with an alerter) alert an event that needs a person."""
        name = str(getattr(update.event, "value", update.event))
        order_id = str(update.order.id)
        self.anomalies.append(f"{name}: order {order_id}")
        log.error("trade update %s for order %s", name, order_id)
        if self._alerter is None:
            return
        amended = name in ("trade_bust", "trade_correct")
        context = {
            "event": name,
            "broker_order_id": order_id,
            "client_order_id": update.order.client_order_id,
            "symbol": str(update.order.symbol),
            "dedup_key": f"{name}:{order_id}:{data.get('execution_id')}",
        }
        for key in ("execution_id", "qty", "price"):
            if data.get(key) is not None:
                context[key] = str(data[key])
        what = "an execution was " + ("busted" if name == "trade_bust" else "corrected")
        self._alerter.send(
            Alert(
                severity=Severity.CRITICAL if amended else Severity.WARNING,
                code=(
                    AlertCode.EXECUTION_AMENDED
                    if amended
                    else AlertCode.UNUSUAL_ORDER_EVENT
                ).value,
                message=(
                    f"Alpaca {name} for order {order_id}: "
                    + (what + "; positions are reconciled" if amended else "re-read")
                ),
                raised_at=self._clock.now(),
                context=context,
            )
        )


def _fill(update: TradeUpdate, data: dict[str, Any]) -> Fill:
    # Price and qty from the raw frame: the SDK model made them floats. The fill is
    # named by order and cumulative qty, as a recovered one is (recovery docstring).
    order = update.order
    qty, price = decimal(data.get("qty")), decimal(data.get("price"))
    if qty is None or price is None:
        raise TradecoreError(f"fill update for order {order.id} without qty/price")
    cum_qty = decimal(order.filled_qty)
    execution_id = (
        str(update.execution_id)
        if cum_qty is None
        else fill_execution_id(str(order.id), cum_qty)
    )
    return Fill(
        execution_id=execution_id,
        client_order_id=order.client_order_id,
        symbol=str(order.symbol),
        side=Side(order.side.value if order.side is not None else ""),
        qty=qty,
        price=price,
        filled_at=utc(update.timestamp),
    )
