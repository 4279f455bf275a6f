"""The Broker contract: what every broker adapter must do, numbered BRK-01 ....

An adapter's test module subclasses :class:`BrokerContract` and provides the
``make_broker`` fixture: a factory returning a fresh :class:`BrokerHarness`. The
harness is the broker plus the few hooks a case needs to drive a market and time —
``feed_bar``, ``advance``, ``drain`` — so the same cases run against the in-process
simulated broker and, later, against the Alpaca adapter talking to an HTTP emulator
(whose harness posts bars to the emulator and moves its virtual clock).

Cases assert only port-level outcomes and port exceptions. Cases that need an optional
feature skip, with the reason, when the adapter does not declare the capability.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Protocol

import pytest

from tradecore.domain.errors import (
    BrokerRejected,
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    OrderNotCancelable,
    OrderNotFound,
)
from tradecore.domain.market.bars import Bar
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import FILL_KINDS, OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import (
    Bracket,
    OrderSpec,
    OrderType,
    Side,
    TimeInForce,
)
from tradecore.ports.broker import Broker, Capability

B = BrokerOrderStatus
K = OrderEventKind
ACK_STATUSES = frozenset({B.PENDING_NEW, B.ACCEPTED, B.NEW})
_ids = itertools.count(1)


class BrokerHarness(Protocol):
    """A broker with the hooks contract cases use to drive its market and its time.

    On creation the harness's ``symbol`` has traded at ``last_price`` (about 100), the
    account holds ``starting_cash`` and nothing else, and the market is open.
    """

    broker: Broker
    symbol: str
    #: A valid ticker the broker does not trade.
    unknown_symbol: str
    last_price: float
    starting_cash: Decimal
    #: Whether an order bigger than a bar's available volume fills across bars.
    partial_fills: bool
    #: How far outside a bar's [low, high] a market fill may be priced (costs).
    cost_allowance_bps: float

    def now(self) -> datetime:
        """Return the broker's current time."""
        ...

    def feed_bar(
        self,
        *,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float = 1_000_000.0,
    ) -> Bar:
        """Make a bar starting now the market, and advance time through it."""
        ...

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass (events due meanwhile are collected)."""
        ...

    def drain(self) -> list[OrderEvent]:
        """Let pending events settle; return every event since the previous drain."""
        ...

    def seconds_to_session_close(self) -> float:
        """Return how long until today's session close (day orders expire then)."""
        ...


#: Set by a harness whose broker outlives the run (a real paper account keeps every
#: client order id forever): a per-run tag that keeps the ids unique across runs.
RUN_TAG = ""


def cid(prefix: str = "brk") -> str:
    """Return a client order id unique within the test run (and across runs, tagged)."""
    return f"{prefix}-{RUN_TAG}{next(_ids)}"


def market(h: BrokerHarness, side: Side, qty: int | str) -> OrderSpec:
    """Return a day market order for the harness symbol."""
    return OrderSpec(symbol=h.symbol, side=side, qty=Decimal(qty))


def limit(
    h: BrokerHarness,
    side: Side,
    qty: int | str,
    price: str,
    tif: TimeInForce = TimeInForce.DAY,
) -> OrderSpec:
    """Return a limit order for the harness symbol."""
    return OrderSpec(
        symbol=h.symbol,
        side=side,
        qty=Decimal(qty),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(price),
        time_in_force=tif,
    )


def calm_bar(h: BrokerHarness, volume: float = 1_000_000.0) -> Bar:
    """Feed a quiet bar around 100."""
    return h.feed_bar(open=100.0, high=100.5, low=99.5, close=100.2, volume=volume)


def of(events: Sequence[OrderEvent], client_order_id: str) -> list[OrderEvent]:
    """Return the events of one order."""
    return [e for e in events if e.client_order_id == client_order_id]


def fills(events: Sequence[OrderEvent], client_order_id: str) -> list[Fill]:
    """Return the executions of one order."""
    return [e.fill for e in of(events, client_order_id) if e.fill is not None]


def filled_qty(events: Sequence[OrderEvent], client_order_id: str) -> Decimal:
    """Return the total executed quantity of one order."""
    return sum((f.qty for f in fills(events, client_order_id)), Decimal(0))


def fill_until_done(h: BrokerHarness, client_order_id: str, bars: int = 20) -> None:
    """Feed calm bars until the order is filled (or ``bars`` run out)."""
    for _ in range(bars):
        calm_bar(h)
        if h.broker.get_order_by_client_id(client_order_id).status is B.FILLED:
            return


class BrokerContract:
    """The cases every Broker adapter passes; subclasses provide ``make_broker``."""

    #: The capabilities the adapter under test must declare (BRK-01).
    expected_capabilities: ClassVar[frozenset[Capability]] = frozenset()

    @pytest.fixture
    def make_broker(self) -> Callable[[], BrokerHarness]:
        """Return a factory of fresh harnesses (overridden by each adapter)."""
        raise NotImplementedError(
            "provide make_broker in the adapter's contract module"
        )

    @staticmethod
    def require(h: BrokerHarness, capability: Capability) -> None:
        """Skip the case, with the reason, when the adapter lacks ``capability``."""
        if capability not in h.broker.capabilities:
            pytest.skip(f"broker does not declare {capability.value}")

    def test_declares_the_expected_capabilities(self, make_broker):
        """BRK-01 the adapter declares exactly the capabilities its suite expects."""
        h = make_broker()
        assert h.broker.capabilities == self.expected_capabilities

    def test_submit_returns_an_ack_before_any_fill(self, make_broker):
        """BRK-02 submit returns the acknowledgement; no fill happens inside it."""
        h = make_broker()
        client_id = cid()
        ack = h.broker.submit(client_id, market(h, Side.BUY, 10))
        assert ack.client_order_id == client_id
        assert ack.broker_order_id
        assert ack.status in ACK_STATUSES
        assert ack.filled_qty == 0
        assert ack.submitted_at <= h.now()
        assert not [e for e in h.broker.poll_events() if e.kind in FILL_KINDS]
        assert h.broker.positions() == []

    def test_submit_then_ack_then_fill_in_time_order(self, make_broker):
        """BRK-03 events come ack first, fill last, timestamps never going back."""
        h = make_broker()
        client_id = cid()
        ack = h.broker.submit(client_id, market(h, Side.BUY, 10))
        fill_until_done(h, client_id)
        mine = of(h.drain(), client_id)
        assert mine[0].kind is K.ACCEPTED
        assert mine[-1].kind is K.FILL
        times = [e.occurred_at for e in mine]
        assert times == sorted(times)
        assert times[0] >= ack.submitted_at
        order = h.broker.get_order(ack.broker_order_id)
        assert order.status is B.FILLED
        assert order.filled_qty == Decimal(10)

    def test_partial_fills_sum_to_the_order_quantity(self, make_broker):
        """BRK-04 a large order fills in parts whose sum is exactly its quantity."""
        h = make_broker()
        if not h.partial_fills:
            pytest.skip("this broker fills whole orders (no partial fills)")
        client_id = cid()
        h.broker.submit(client_id, market(h, Side.BUY, 250))
        for _ in range(10):
            calm_bar(h, volume=1_000.0)
        events = h.drain()
        kinds = [e.kind for e in of(events, client_id) if e.kind in FILL_KINDS]
        assert len(kinds) >= 2
        assert kinds[:-1] == [K.PARTIAL_FILL] * (len(kinds) - 1)
        assert kinds[-1] is K.FILL
        assert filled_qty(events, client_id) == Decimal(250)
        order = h.broker.get_order_by_client_id(client_id)
        notional = sum((f.qty * f.price for f in fills(events, client_id)), Decimal(0))
        assert order.filled_qty == Decimal(250)
        assert order.filled_avg_price == notional / Decimal(250)

    def test_cancel_of_an_open_order(self, make_broker):
        """BRK-05 canceling a working order ends it CANCELED and out of open orders."""
        h = make_broker()
        client_id = cid()
        ack = h.broker.submit(client_id, limit(h, Side.BUY, 5, "50.00"))
        h.drain()
        calm_bar(h)
        h.broker.cancel(ack.broker_order_id)
        events = h.drain()
        assert [e.kind for e in of(events, client_id)][-1] is K.CANCELED
        assert h.broker.get_order(ack.broker_order_id).status is B.CANCELED
        assert all(o.client_order_id != client_id for o in h.broker.open_orders())
        assert fills(events, client_id) == []

    def test_cancel_of_a_filled_order_is_refused(self, make_broker):
        """BRK-06 canceling a filled order raises OrderNotCancelable."""
        h = make_broker()
        client_id = cid()
        ack = h.broker.submit(client_id, market(h, Side.BUY, 5))
        fill_until_done(h, client_id)
        h.drain()
        with pytest.raises(OrderNotCancelable):
            h.broker.cancel(ack.broker_order_id)
        assert h.broker.get_order(ack.broker_order_id).status is B.FILLED

    def test_unknown_order_ids_raise_order_not_found(self, make_broker):
        """BRK-07 cancel, replace and lookups of unknown ids raise OrderNotFound."""
        h = make_broker()
        with pytest.raises(OrderNotFound):
            h.broker.cancel("no-such-order")
        with pytest.raises(OrderNotFound):
            h.broker.get_order("no-such-order")
        with pytest.raises(OrderNotFound):
            h.broker.get_order_by_client_id("no-such-client-id")

    def test_duplicate_client_order_id_is_refused(self, make_broker):
        """BRK-08 a reused client order id raises; the original order is untouched."""
        h = make_broker()
        client_id = cid()
        first = h.broker.submit(client_id, limit(h, Side.BUY, 5, "50.00"))
        h.drain()
        before = h.broker.get_order(first.broker_order_id)
        with pytest.raises(DuplicateClientOrderId):
            h.broker.submit(client_id, market(h, Side.SELL, 7))
        after = h.broker.get_order_by_client_id(client_id)
        assert after == before
        assert [o.client_order_id for o in h.broker.open_orders()].count(client_id) == 1

    def test_get_order_by_client_id_and_by_broker_id_agree(self, make_broker):
        """BRK-09 an order is found by either id, with the same content."""
        h = make_broker()
        client_id = cid()
        ack = h.broker.submit(client_id, limit(h, Side.BUY, 5, "50.00"))
        h.drain()
        by_broker = h.broker.get_order(ack.broker_order_id)
        by_client = h.broker.get_order_by_client_id(client_id)
        assert by_broker == by_client
        assert by_broker.spec == ack.spec
        assert by_broker.broker_order_id == ack.broker_order_id

    def test_open_orders_lists_working_orders_oldest_first(self, make_broker):
        """BRK-10 open orders are the working ones, oldest first; finals drop out."""
        h = make_broker()
        ids = [cid() for _ in range(3)]
        acks = [h.broker.submit(i, limit(h, Side.BUY, 1, "50.00")) for i in ids]
        filled = cid()
        h.broker.submit(filled, market(h, Side.BUY, 1))
        h.drain()
        h.broker.cancel(acks[1].broker_order_id)
        fill_until_done(h, filled)
        h.drain()
        listed = [o.client_order_id for o in h.broker.open_orders()]
        assert listed == [ids[0], ids[2]]

    def test_positions_and_cash_follow_the_fills(self, make_broker):
        """BRK-11 positions and cash equal the start plus what the fills say."""
        h = make_broker()
        buy, sell = cid(), cid()
        h.broker.submit(buy, market(h, Side.BUY, 10))
        fill_until_done(h, buy)
        h.broker.submit(sell, market(h, Side.SELL, 4))
        fill_until_done(h, sell)
        events = h.drain()
        executed = fills(events, buy) + fills(events, sell)
        cash = h.starting_cash - sum(
            (f.signed_qty * f.price + f.fee for f in executed), Decimal(0)
        )
        (position,) = h.broker.positions()
        assert position.symbol == h.symbol
        assert position.qty == Decimal(6)
        assert h.broker.account().cash == cash

    def test_insufficient_buying_power_is_refused(self, make_broker):
        """BRK-12 an order the account cannot pay for raises InsufficientBuyingPower.

        The refusal is synchronous, creates no working order, and trades nothing.
        """
        h = make_broker()
        client_id = cid()
        qty = int(h.starting_cash / Decimal(repr(h.last_price))) * 2
        with pytest.raises(InsufficientBuyingPower):
            h.broker.submit(client_id, market(h, Side.BUY, qty))
        calm_bar(h)
        events = h.drain()
        assert fills(events, client_id) == []
        assert all(o.client_order_id != client_id for o in h.broker.open_orders())
        assert h.broker.positions() == []
        assert h.broker.account().cash == h.starting_cash

    def test_market_fill_is_priced_within_the_bar_plus_costs(self, make_broker):
        """BRK-13 a market fill lies in the bar's [low, high], widened by the costs."""
        h = make_broker()
        for side in (Side.BUY, Side.SELL):
            client_id = cid()
            h.broker.submit(client_id, market(h, side, 10))
            bar = calm_bar(h)
            events = h.drain()
            allowance = h.cost_allowance_bps / 1e4
            for fill in fills(events, client_id):
                assert bar.low * (1 - allowance) <= float(fill.price)
                assert float(fill.price) <= bar.high * (1 + allowance)

    def test_limit_orders_never_fill_beyond_their_limit(self, make_broker):
        """BRK-14 a limit buy never fills above its limit, a limit sell never below."""
        h = make_broker()
        h.broker.submit(cid(), market(h, Side.BUY, 40))
        buy, sell = cid(), cid()
        h.broker.submit(buy, limit(h, Side.BUY, 20, "99.00"))
        h.broker.submit(sell, limit(h, Side.SELL, 20, "101.00"))
        for low, high in [(98.0, 100.0), (97.0, 99.5), (100.0, 102.0), (100.5, 103.0)]:
            h.feed_bar(
                open=(low + high) / 2, high=high, low=low, close=(low + high) / 2
            )
        events = h.drain()
        assert fills(events, buy)
        assert fills(events, sell)
        assert all(f.price <= Decimal("99.00") for f in fills(events, buy))
        assert all(f.price >= Decimal("101.00") for f in fills(events, sell))

    def test_limit_order_rests_while_the_market_stays_away(self, make_broker):
        """BRK-15 a limit buy below every low stays open and unfilled."""
        h = make_broker()
        client_id = cid()
        h.broker.submit(client_id, limit(h, Side.BUY, 5, "99.00"))
        for _ in range(3):
            calm_bar(h)
        events = h.drain()
        assert fills(events, client_id) == []
        order = h.broker.get_order_by_client_id(client_id)
        assert order.status in ACK_STATUSES
        assert client_id in [o.client_order_id for o in h.broker.open_orders()]

    def test_day_orders_expire_at_the_session_close(self, make_broker):
        """BRK-16 a resting day order expires at the close; a GTC order survives it."""
        h = make_broker()
        day, gtc = cid(), cid()
        h.broker.submit(day, limit(h, Side.BUY, 5, "50.00"))
        h.broker.submit(gtc, limit(h, Side.BUY, 5, "50.00", TimeInForce.GTC))
        h.drain()
        h.advance(h.seconds_to_session_close() + 1)
        events = h.drain()
        assert [e.kind for e in of(events, day)] == [K.EXPIRED]
        assert of(events, gtc) == []
        assert h.broker.get_order_by_client_id(day).status is B.EXPIRED
        assert [o.client_order_id for o in h.broker.open_orders()] == [gtc]

    def test_replace_creates_a_new_order_and_retires_the_old(self, make_broker):
        """BRK-17 replace returns a new order; the old one ends REPLACED, linked."""
        h = make_broker()
        self.require(h, Capability.REPLACE)
        old_id, new_id = cid(), cid()
        old = h.broker.submit(old_id, limit(h, Side.BUY, 5, "50.00"))
        h.drain()
        new = h.broker.replace(
            old.broker_order_id, client_order_id=new_id, limit_price=Decimal("60.00")
        )
        events = h.drain()
        assert new.client_order_id == new_id
        assert new.broker_order_id != old.broker_order_id
        assert new.spec.limit_price == Decimal("60.00")
        assert new.spec.qty == Decimal(5)
        (replaced,) = [e for e in of(events, old_id) if e.kind is K.REPLACED]
        assert replaced.replaced_by == new.broker_order_id
        assert h.broker.get_order(old.broker_order_id).status is B.REPLACED
        assert [o.client_order_id for o in h.broker.open_orders()] == [new_id]

    def test_replace_with_a_used_client_id_is_refused(self, make_broker):
        """BRK-18 replace under a used client id raises DuplicateClientOrderId."""
        h = make_broker()
        self.require(h, Capability.REPLACE)
        first, second = cid(), cid()
        ack = h.broker.submit(first, limit(h, Side.BUY, 5, "50.00"))
        h.broker.submit(second, limit(h, Side.BUY, 5, "51.00"))
        h.drain()
        with pytest.raises(DuplicateClientOrderId):
            h.broker.replace(
                ack.broker_order_id, client_order_id=second, qty=Decimal(3)
            )
        assert h.broker.get_order(ack.broker_order_id).status in ACK_STATUSES

    def test_bracket_take_profit_fill_cancels_the_stop_loss(self, make_broker):
        """BRK-19 a filled bracket entry arms its legs; one fill cancels the other."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        entry = cid()
        bracket = Bracket(
            take_profit_limit=Decimal("101.00"), stop_loss_stop=Decimal("95.00")
        )
        spec = OrderSpec(
            symbol=h.symbol, side=Side.BUY, qty=Decimal(10), bracket=bracket
        )
        ack = h.broker.submit(entry, spec)
        assert len(ack.leg_ids) == 2
        fill_until_done(h, entry)
        for _ in range(5):
            h.feed_bar(open=100.5, high=102.0, low=100.4, close=101.8)
        h.drain()
        take_profit, stop_loss = (h.broker.get_order(i) for i in ack.leg_ids)
        assert take_profit.status is B.FILLED
        assert take_profit.spec.side is Side.SELL
        assert stop_loss.status is B.CANCELED
        assert h.broker.positions() == []

    def test_unknown_symbol_is_refused(self, make_broker):
        """BRK-20 an order for a symbol the broker does not trade is refused."""
        h = make_broker()
        client_id = cid()
        spec = OrderSpec(symbol=h.unknown_symbol, side=Side.BUY, qty=Decimal(1))
        with pytest.raises(BrokerRejected):
            h.broker.submit(client_id, spec)
        assert h.broker.open_orders() == []

    def test_events_are_ordered_and_delivered_once(self, make_broker):
        """BRK-21 polled events come in time order, each once, with unique fill ids."""
        h = make_broker()
        for side in (Side.BUY, Side.BUY, Side.SELL):
            h.broker.submit(cid(), market(h, side, 10))
        for _ in range(3):
            calm_bar(h)
        events = h.drain()
        assert h.drain() == []
        times = [e.occurred_at for e in events]
        assert times == sorted(times)
        ids = [e.fill.execution_id for e in events if e.fill is not None]
        assert len(ids) == len(set(ids)) >= 3

    def test_cancel_racing_fills_ends_consistently(self, make_broker):
        """BRK-22 a cancel sent while fills are in flight ends FILLED or CANCELED.

        Whatever won the race, the order's filled quantity equals its fill events.
        """
        h = make_broker()
        client_id = cid()
        ack = h.broker.submit(client_id, market(h, Side.BUY, 10))
        h.feed_bar(open=100.0, high=100.5, low=99.5, close=100.2)
        # OrderNotCancelable means the fill already happened: a legal outcome.
        with contextlib.suppress(OrderNotCancelable):
            h.broker.cancel(ack.broker_order_id)
        events = h.drain()
        order = h.broker.get_order(ack.broker_order_id)
        assert order.status in (B.FILLED, B.CANCELED)
        assert order.filled_qty == filled_qty(events, client_id)

    def test_ioc_order_that_cannot_fill_is_canceled(self, make_broker):
        """BRK-23 an IOC limit away from the market is canceled without fills."""
        h = make_broker()
        client_id = cid()
        h.broker.submit(client_id, limit(h, Side.BUY, 5, "90.00", TimeInForce.IOC))
        calm_bar(h)
        events = h.drain()
        assert fills(events, client_id) == []
        assert h.broker.get_order_by_client_id(client_id).status is B.CANCELED
