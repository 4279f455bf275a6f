"""The emulated account: a simulated venue on a virtual clock, answering in Alpaca JSON.

Synchronous and single-threaded: the HTTP app calls it from its event loop only. Every
call that lets time pass, or changes an order, turns the venue's events into
``trade_updates`` frames in :attr:`EmulatorState.outbox`, each carrying the order *as
of that event* (cumulative fills, status), as Alpaca's stream does; the app publishes
them. Fills are also kept as ``FILL`` account activities, so a client that missed
stream frames can recover executions over REST.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator import requests_in, wire
from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.adapters.alpaca_emulator.market_tape import MarketTape
from tradecore.domain.broker_rules.context import AssetFlags
from tradecore.domain.errors import OrderNotCancelable, TradecoreError
from tradecore.domain.market.bars import Bar, Quote
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.money import quantize_qty, to_price
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.validation import SYMBOL_RE
from tradecore.domain.venue.sim_order import FINAL, FRACTION_STEP, SimOrder, derive_id
from tradecore.domain.venue.simulated import SimVenue

B = BrokerOrderStatus
K = OrderEventKind
Json = dict[str, Any]

#: The trade-update event and order status that report each venue event.
_EVENT_NAME = {
    K.ACCEPTED: ("new", "new"),
    K.CANCELED: ("canceled", "canceled"),
    K.EXPIRED: ("expired", "expired"),
    K.REJECTED: ("rejected", "rejected"),
    K.REPLACED: ("replaced", "replaced"),
    K.PENDING_CANCEL: ("pending_cancel", "pending_cancel"),
    K.PENDING_REPLACE: ("pending_replace", "pending_replace"),
    K.DONE_FOR_DAY: ("done_for_day", "done_for_day"),
}
_TIME_FIELD = {
    K.FILL: "filled_at",
    K.CANCELED: "canceled_at",
    K.EXPIRED: "expired_at",
    K.REJECTED: "failed_at",
    K.REPLACED: "replaced_at",
}


class EmulatorState:
    """One account at one simulated venue; see the module docstring."""

    def __init__(self, config: EmulatorConfig) -> None:
        """Open the account with the config's cash at its start time."""
        self.config = config
        self.venue = SimVenue(config.venue_config())
        self.now = config.start
        self.venue.advance_to(self.now)
        self.outbox: list[Json] = []
        self.tape = MarketTape(config.bar_interval)
        self.tape.actions.extend(config.corporate_actions)
        self.activities: list[Json] = []
        self.events_emitted = 0
        self._order_ids: list[str] = []
        self._times: dict[str, dict[str, datetime]] = {}
        self._replaces: dict[str, str] = {}
        self._published: dict[str, tuple[Decimal, Decimal]] = {}
        self._positions: dict[str, Decimal] = {}
        self._generated_ids = 0

    # --- time and market data ----------------------------------------------------

    def run_until(self, until: datetime) -> None:
        """Let time pass to ``until``, stepping from one venue event to the next."""
        venue = self.venue
        while (due := venue.next_event_at()) is not None and due <= until:
            self.now = max(due, self.now)
            venue.advance_to(self.now)
            self._collect()
        self.now = max(until, self.now)
        venue.advance_to(self.now)
        self._collect()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass."""
        if seconds < 0:
            raise err.validation("seconds must be >= 0")
        self.run_until(self.now + timedelta(seconds=seconds))

    def feed_bar(self, bar: Bar, *, through: bool) -> None:
        """Make ``bar`` the market from its start; with ``through``, let it pass."""
        if bar.timestamp < self.now:
            raise err.validation(f"bar at {bar.timestamp} is before now ({self.now})")
        self.run_until(bar.timestamp)
        self.venue.on_bar(self.now, bar)
        self.tape.add_bar(bar)
        self._collect()
        if through:
            self.run_until(bar.timestamp + self.config.bar_interval)

    def feed_quote(self, quote: Quote) -> None:
        """Record the latest quote of its symbol (spread and queue estimates)."""
        self.run_until(max(quote.timestamp, self.now))
        self.venue.on_quote(self.now, quote)
        self.tape.set_quote(quote)

    # --- orders --------------------------------------------------------------------

    def submit(self, body: Json) -> Json:
        """Place an order (``POST /v2/orders``) and return it as Alpaca does."""
        try:
            spec = requests_in.order_spec(body)
            client_id = requests_in.client_order_id(body) or self._new_client_id()
        except requests_in.RequestError as e:
            raise err.validation(str(e)) from None
        return self._place(client_id, spec)

    def replace(self, order_id: str, body: Json) -> Json:
        """Replace a working order (``PATCH``); return the *new* order."""
        try:
            request = requests_in.replace_request(body)
        except requests_in.RequestError as e:
            raise err.validation(str(e)) from None
        old = self._order(order_id)
        self._refuse_if_final(old, "replaced")
        client_id = request.client_order_id or self._new_client_id()
        try:
            new = self.venue.replace(
                self.now,
                order_id,
                client_order_id=client_id,
                qty=request.qty,
                limit_price=request.limit_price,
                stop_price=request.stop_price,
                trail=request.trail,
            )
        except TradecoreError as e:
            raise self._refusal(e, old.spec.symbol) from None
        self._order_ids.append(new.broker_order_id)
        self._replaces[new.broker_order_id] = order_id
        self._collect()
        return self.order_json(new.broker_order_id, nested=True)

    def cancel(self, order_id: str) -> None:
        """Request a cancel (``DELETE /v2/orders/{id}``)."""
        order = self._order(order_id)
        self._refuse_if_final(order, "canceled")
        try:
            self.venue.cancel(self.now, order_id)
        except TradecoreError as e:
            raise self._refusal(e, order.spec.symbol) from None
        self._collect()

    def cancel_all(self) -> list[Json]:
        """Cancel every open order; one multi-status entry per order."""
        answers = []
        for order in self.venue.open_orders():
            try:
                self.cancel(order.broker_order_id)
                answers.append({"id": order.broker_order_id, "status": 200})
            except err.ApiError as e:
                entry = {"id": order.broker_order_id, "status": 500, "body": e.body}
                answers.append(entry)
        return answers

    def order_json(self, order_id: str, *, nested: bool) -> Json:
        """Return one order (``GET /v2/orders/{id}``)."""
        order = self._order(order_id)
        return self._render(order, nested=nested)

    def order_by_client_id(self, client_order_id: str) -> Json:
        """Return the order placed under ``client_order_id``."""
        try:
            order = self.venue.order_by_client_id(client_order_id)
        except TradecoreError:
            raise err.order_not_found() from None
        return self._render(order, nested=False)

    def all_orders(self) -> list[SimOrder]:
        """Return every order ever placed, oldest first."""
        return [self.venue.order(i) for i in self._order_ids]

    def render(self, order: SimOrder, *, nested: bool) -> Json:
        """Return ``order`` as Alpaca JSON (legs rolled up when ``nested``)."""
        return self._render(order, nested=nested)

    # --- positions and account -------------------------------------------------------

    def positions_json(self) -> list[Json]:
        """Return every open position, sorted by symbol."""
        return [
            wire.position_json(p, self._mark(p.symbol)) for p in self.venue.positions()
        ]

    def position_json(self, symbol: str) -> Json:
        """Return one position, or Alpaca's 404."""
        for position in self.venue.positions():
            if position.symbol == symbol:
                return wire.position_json(position, self._mark(symbol))
        raise err.ApiError(404, wire.error(err.NOT_FOUND, "position does not exist"))

    def close_position(
        self, symbol: str, *, qty: Decimal | None, percentage: Decimal | None
    ) -> Json:
        """Send the market order that closes (part of) a position; return it."""
        self.position_json(symbol)
        held = self.venue.ledger.position(symbol)
        amount = abs(held) if qty is None else qty
        if percentage is not None:
            if not 0 < percentage <= 100:
                raise err.validation("percentage must be within (0, 100]")
            amount = quantize_qty(abs(held) * percentage / 100, FRACTION_STEP)
        if not 0 < amount <= abs(held):
            raise err.validation(f"qty must be within (0, {wire.num(abs(held))}]")
        side = Side.SELL if held > 0 else Side.BUY
        spec = OrderSpec(symbol=symbol, side=side, qty=amount)
        return self._place(self._new_client_id(), spec)

    def close_all(self, *, cancel_orders: bool) -> list[Json]:
        """Close every position (after canceling open orders, if asked)."""
        if cancel_orders:
            self.cancel_all()
        answers: list[Json] = []
        for position in self.venue.positions():
            symbol = position.symbol
            try:
                order = self.close_position(symbol, qty=None, percentage=None)
            except err.ApiError as e:
                # One refused close (e.g. shares held by open orders: 403, code
                # 40310000) is that symbol's entry, not a failure of the whole call.
                answers.append({"symbol": symbol, "status": e.status, "body": e.body})
                continue
            entry = {"symbol": symbol, "status": 200, "order_id": order["id"]}
            answers.append({**entry, "body": order})
        return answers

    def account_json(self) -> Json:
        """Return the account, marked at the last closes."""
        snapshot = self.venue.account(self.now)
        values = [p.qty * (self._mark(p.symbol) or p.avg_entry_price)
                  for p in self.venue.positions()]  # fmt: skip
        return wire.account_json(
            self.config.seed,
            cash=snapshot.cash,
            buying_power=max(snapshot.buying_power, Decimal(0)),
            equity=snapshot.equity,
            long_value=sum((x for x in values if x > 0), Decimal(0)),
            short_value=sum((x for x in values if x < 0), Decimal(0)),
            created_at=self.config.start,
            flags=self.venue.account_flags(self.now),
            now=self.now,
        )

    def asset_flags(self, symbol_or_id: str) -> AssetFlags:
        """Return the asset a symbol (or its asset id) names, or Alpaca's 404."""
        for flags in self.assets():
            if symbol_or_id in (flags.symbol, wire.asset_id(flags.symbol)):
                return flags
        tradable = self.config.tradable
        if tradable is None and SYMBOL_RE.match(symbol_or_id):
            return AssetFlags(symbol=symbol_or_id)
        raise err.ApiError(404, wire.error(err.NOT_FOUND, "asset not found"))

    def assets(self) -> list[AssetFlags]:
        """Return the assets the emulator knows: configured, then tradable, by symbol."""
        known = dict(self.config.assets)
        for symbol in self.config.tradable or ():
            known.setdefault(symbol, AssetFlags(symbol=symbol))
        return [known[s] for s in sorted(known)]

    def clock_json(self) -> Json:
        """Return the market clock at the virtual now."""
        return wire.clock_json(self.config.calendar, self.now)

    # --- helpers -----------------------------------------------------------------------

    def _place(self, client_id: str, spec: OrderSpec) -> Json:
        try:
            order = self.venue.submit(self.now, client_id, spec)
        except TradecoreError as e:
            raise self._refusal(e, spec.symbol) from None
        self._order_ids.append(order.broker_order_id)
        self._order_ids.extend(order.leg_ids)
        self._collect()
        return self._render(order, nested=True)

    def _order(self, order_id: str) -> SimOrder:
        try:
            return self.venue.order(order_id)
        except TradecoreError:
            raise err.order_not_found() from None

    def _refuse_if_final(self, order: SimOrder, verb: str) -> None:
        if order.status in FINAL:
            message = f'order is already in "{order.status.value}" state'
            raise err.ApiError(422, wire.error(err.UNPROCESSABLE, message))

    def _refusal(self, error: TradecoreError, symbol: str) -> err.ApiError:
        if isinstance(error, OrderNotCancelable):
            return err.ApiError(422, wire.error(err.UNPROCESSABLE, str(error)))
        power = self.venue.account(self.now).buying_power
        return err.translate(error, symbol=symbol, buying_power=wire.num(power) or "0")

    def _new_client_id(self) -> str:
        self._generated_ids += 1
        return derive_id(self.config.seed, "client-order-id", str(self._generated_ids))

    def _mark(self, symbol: str) -> Decimal | None:
        bar = self.venue.last_bar(symbol)
        return None if bar is None else to_price(bar.close)

    def _render(
        self, order: SimOrder, *, nested: bool, overrides: Json | None = None
    ) -> Json:
        parent = None
        if order.parent_id is not None:
            parent = self.venue.order(order.parent_id)
        legs = None
        if nested and order.leg_ids:
            legs = [
                self._render(self.venue.order(i), nested=False) for i in order.leg_ids
            ]
        extra = {"replaces": self._replaces.get(order.broker_order_id)}
        extra.update(overrides or {})
        times = self._times.get(order.broker_order_id, {})
        return wire.order_json(order, times, parent=parent, legs=legs, overrides=extra)

    def _collect(self) -> None:
        for event in self.venue.take_events():
            self.outbox.append(self._trade_update(event))
            self.events_emitted += 1

    def _trade_update(self, event: OrderEvent) -> Json:
        assert event.broker_order_id is not None
        order = self.venue.order(event.broker_order_id)
        field = _TIME_FIELD.get(event.kind)
        if field is not None:
            self._times.setdefault(order.broker_order_id, {})[field] = event.occurred_at
        zero = (Decimal(0), Decimal(0))
        cum_qty, cum_notional = self._published.get(order.broker_order_id, zero)
        data: Json = {"timestamp": wire.iso(event.occurred_at)}
        if event.fill is not None:
            cum_qty, cum_notional, name, status = self._fill_data(order, event, data)
        elif event.kind is K.ACCEPTED and order.status is B.ACCEPTED:
            # Taken outside the session and queued for the open: Alpaca reports it
            # ``accepted`` (received, not yet routed), as GET /v2/orders does.
            name, status = "accepted", "accepted"
        elif event.kind is K.ACCEPTED and order.status is B.HELD:
            name, status = "new", "held"  # a replaced stop-loss leg works held
        else:
            name, status = _EVENT_NAME[event.kind]
        overrides = {
            "status": status,
            "filled_qty": wire.num(cum_qty),
            "filled_avg_price": wire.num(cum_notional / cum_qty) if cum_qty else None,
            "updated_at": wire.iso(event.occurred_at),
        }
        data["event"] = name
        data["order"] = self._render(order, nested=True, overrides=overrides)
        return {"stream": "trade_updates", "data": data}

    def _fill_data(
        self, order: SimOrder, event: OrderEvent, data: Json
    ) -> tuple[Decimal, Decimal, str, str]:
        fill = event.fill
        assert fill is not None
        oid = order.broker_order_id
        cum_qty, cum_notional = self._published.get(oid, (Decimal(0), Decimal(0)))
        cum_qty += fill.qty
        cum_notional += fill.qty * fill.price
        self._published[oid] = (cum_qty, cum_notional)
        position = self._positions.get(fill.symbol, Decimal(0)) + fill.signed_qty
        self._positions[fill.symbol] = position
        done = cum_qty == order.qty
        pending = order.status in (B.PENDING_CANCEL, B.PENDING_REPLACE)
        status = (
            "filled" if done else order.status.value if pending else "partially_filled"
        )
        data.update(
            execution_id=fill.execution_id,
            price=wire.num(fill.price),
            qty=wire.num(fill.qty),
            position_qty=wire.num(position),
        )
        activity = wire.fill_activity(
            self.config.seed,
            order,
            execution_id=fill.execution_id,
            at=fill.filled_at,
            qty=fill.qty,
            price=fill.price,
            cum_qty=cum_qty,
            status=status,
            unrelated_id=self.config.unrelated_activity_ids,
        )
        self.activities.append(activity)
        return cum_qty, cum_notional, "fill" if done else "partial_fill", status
