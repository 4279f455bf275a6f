"""Every fault the emulator injects, handled by the Alpaca adapter.

Lost submit responses never make a second order; 429s slow the adapter down without
dropping a request; 5xx and slow answers are retried only where that is safe; events
missed while the stream was down are recovered over REST, each exactly once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.alpaca_harness import CREDENTIALS, AlpacaHarness, adapter_config, eventually
from tests.contract.broker_contract import calm_bar, fills, limit, market, of
from tests.factories import key
from tradecore.adapters.alpaca import AlpacaBroker, AlpacaCredentials, TokenBucket
from tradecore.adapters.alpaca.recovery import fill_execution_id
from tradecore.adapters.alpaca_emulator import (
    EmulatorConfig,
    EmulatorControl,
    EmulatorServer,
)
from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.errors import (
    AuthenticationFailed,
    DuplicateClientOrderId,
    RateLimited,
    TransientBrokerError,
)
from tradecore.domain.orders.events import OrderEventKind
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.ports.store import Store
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager, RetryPolicy

K = OrderEventKind
_ids = itertools.count(1)


def cid() -> str:
    return f"fault-{next(_ids)}"


class RecordingBucket(TokenBucket):
    """A token bucket that remembers every pause the adapter asked for."""

    def __init__(self) -> None:
        super().__init__(rate=1000.0, capacity=100)
        self.pauses: list[float] = []

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        super().pause(seconds)


@pytest.fixture
def harness() -> Iterator[AlpacaHarness]:
    h = AlpacaHarness("ideal")
    yield h
    h.close()


#: Reads the adapter makes at connect (the pre-send check's account and positions).
_AT_CONNECT = {"get_account": 1, "list_positions": 1}


def _requests(h: AlpacaHarness, route: str) -> int:
    """Requests to ``route`` since the adapter connected."""
    return h.control.state()["requests"].get(route, 0) - _AT_CONNECT.get(route, 0)


# --- lost responses -----------------------------------------------------------------


def test_a_lost_submit_response_resubmits_into_a_duplicate_not_a_second_order(
    harness: AlpacaHarness,
) -> None:
    h, client_id = harness, cid()
    h.control.faults(lose_submits=1)
    with pytest.raises(TransientBrokerError):
        h.broker.submit(client_id, market(h, Side.BUY, 10))
    with pytest.raises(DuplicateClientOrderId):
        h.broker.submit(client_id, market(h, Side.BUY, 10))
    adopted = h.broker.get_order_by_client_id(client_id)
    assert adopted.spec.qty == Decimal(10)
    assert h.control.state()["orders"] == 1
    assert _requests(h, "submit_order") == 2


def test_the_order_manager_adopts_the_order_behind_a_lost_response(
    harness: AlpacaHarness, tmp_path: Path
) -> None:
    store: Store = open_store(f"sqlite:///{tmp_path / 'lost.db'}", upgrade=True)
    try:
        clock = SimClock(harness.now())
        manager = OrderManager(
            harness.broker, clock, CommitEachStep(store), retry=RetryPolicy(seed=3)
        )
        spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(100))
        intent = OrderIntent.create(key(), spec, decided_at=clock.now())
        decision = DecisionRecord(
            decision_id="d-lost",
            strategy_id="sma_cross",
            symbol="AAPL",
            decided_at=clock.now(),
            details={"client_order_id": intent.client_order_id},
        )
        harness.control.faults(lose_submits=1)
        placed = manager.place(decision, intent)
    finally:
        store.close()
    assert placed.status is IntentStatus.ACKED
    assert harness.control.state()["orders"] == 1
    assert [o.client_order_id for o in harness.broker.open_orders()] == [
        intent.client_order_id
    ]


@pytest.mark.slow
def test_a_submit_that_times_out_is_an_unknown_outcome_resolved_by_client_id() -> None:
    h = AlpacaHarness("ideal", read_timeout_s=0.2)
    try:
        client_id = cid()
        h.control.faults(lose_submits=1, lose_mode="timeout", lose_hold_s=0.5)
        with pytest.raises(TransientBrokerError, match="timed out"):
            h.broker.submit(client_id, market(h, Side.BUY, 3))
        with pytest.raises(DuplicateClientOrderId):
            h.broker.submit(client_id, market(h, Side.BUY, 3))
        assert h.control.state()["orders"] == 1
    finally:
        h.close()


# --- 5xx and slow answers -------------------------------------------------------------


def test_a_504_after_the_fact_is_not_retried_by_the_sdk_or_the_adapter(
    harness: AlpacaHarness,
) -> None:
    h, client_id = harness, cid()
    h.control.faults(errors=1, error_status=504, error_apply=True)
    with pytest.raises(TransientBrokerError, match="504"):
        h.broker.submit(client_id, market(h, Side.BUY, 5))
    # alpaca-py alone would have re-POSTed a 504 three times.
    assert _requests(h, "submit_order") == 1
    assert h.broker.get_order_by_client_id(client_id).spec.qty == Decimal(5)


def test_reads_are_retried_through_5xx_answers(harness: AlpacaHarness) -> None:
    h = harness
    h.control.faults(errors=2, error_status=503)
    assert h.broker.positions() == []
    assert _requests(h, "list_positions") == 3


@pytest.mark.slow
def test_a_slow_read_times_out_and_is_retried() -> None:
    h = AlpacaHarness("ideal", read_timeout_s=0.2)
    try:
        h.control.faults(slow=1, slow_delay_s=0.5)
        assert h.broker.account().cash == h.starting_cash
        assert _requests(h, "get_account") == 2
    finally:
        h.close()


def test_transient_reads_give_up_after_the_configured_attempts() -> None:
    h = AlpacaHarness("ideal", attempts=2)
    try:
        h.control.faults(errors=5, error_status=502)
        with pytest.raises(TransientBrokerError, match="502"):
            h.broker.positions()
        assert _requests(h, "list_positions") == 2
    finally:
        h.close()


# --- rate limits ------------------------------------------------------------------------


def test_a_429_storm_slows_submits_down_and_drops_nothing() -> None:
    limiter = RecordingBucket()
    h = AlpacaHarness("ideal", limiter=limiter)
    try:
        h.control.faults(storm=3, storm_reset_s=0.05)
        ids = [cid() for _ in range(4)]
        for client_id in ids:
            h.broker.submit(client_id, market(h, Side.BUY, 1))
        assert limiter.pauses == [0.05, 0.05, 0.05]
        assert _requests(h, "submit_order") == 4 + 3
        assert sorted(o.client_order_id for o in h.broker.open_orders()) == sorted(ids)
    finally:
        h.close()


def test_a_storm_longer_than_the_attempts_raises_rate_limited() -> None:
    h = AlpacaHarness("ideal", attempts=2)
    try:
        h.control.faults(storm=5, storm_reset_s=0.01)
        with pytest.raises(RateLimited) as raised:
            h.broker.submit(cid(), market(h, Side.BUY, 1))
        assert raised.value.retry_after_s == pytest.approx(0.01)
        assert h.control.state()["orders"] == 0
    finally:
        h.close()


@pytest.mark.slow
def test_the_server_rate_limit_window_is_waited_out_request_by_request() -> None:
    config = EmulatorConfig(rate_limit=5, rate_window_s=1.0)
    with EmulatorServer(config) as server:
        broker = AlpacaBroker(adapter_config(server), CREDENTIALS)
        for _ in range(12):
            assert broker.positions() == []
        broker.close()
        served = EmulatorControl(server.base_url).state()["requests"]
    assert served["list_positions"] > 12  # some were refused, and sent again


# --- authentication -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_id", "secret", "status"),
    [("WRONGKEY", "emulator-secret", "401"), ("EMULATORKEY", "wrong", "403")],
)
def test_refused_credentials_fail_closed(key_id: str, secret: str, status: str) -> None:
    with EmulatorServer(EmulatorConfig()) as server:
        credentials = AlpacaCredentials(key_id=key_id, secret_key=secret)
        broker = AlpacaBroker(adapter_config(server), credentials)
        with pytest.raises(AuthenticationFailed, match=status):
            broker.account()
        broker.close()


def test_a_stream_that_refuses_the_keys_fails_connect() -> None:
    with EmulatorServer(EmulatorConfig()) as server:
        credentials = AlpacaCredentials(key_id="WRONGKEY", secret_key="nope")
        broker = AlpacaBroker(adapter_config(server), credentials)
        with pytest.raises(AuthenticationFailed):
            broker.connect(timeout_s=5)
        with pytest.raises(AuthenticationFailed):
            broker.poll_events()
        broker.close()


# --- the stream -------------------------------------------------------------------------


def _down_then_up(h: AlpacaHarness) -> None:
    h.control.stream("down")
    eventually(lambda: not h.broker.stream_status().connected, what="disconnect")


def _reconnect(h: AlpacaHarness, connections: int = 2) -> list:
    h.control.stream("up")
    eventually(
        lambda: h.broker.stream_status().connections >= connections, what="reconnect"
    )
    h.sync(h.control.state())
    return h.drain()


@pytest.mark.parametrize("fill_model", ["ideal", "realistic"])
def test_fills_missed_while_the_stream_was_down_are_recovered_once(
    fill_model: str,
) -> None:
    h = AlpacaHarness(fill_model)
    try:
        buy = cid()
        h.broker.submit(buy, market(h, Side.BUY, 250))
        h.drain()
        _down_then_up(h)
        for _ in range(5):
            calm_bar(h, volume=2_000.0)
        assert h.control.state()["listeners"] == 0
        events = _reconnect(h)
        recovered = fills(events, buy)
        order = h.broker.get_order_by_client_id(buy)
        assert sum(f.qty for f in recovered) == order.filled_qty > 0
        ids = [f.execution_id for f in recovered]
        assert len(ids) == len(set(ids))
        activities = h.broker._rest.fill_activities("2026-01-01T00:00:00+00:00")
        assert activities is not None
        assert ids == [
            fill_execution_id(a["order_id"], Decimal(a["cum_qty"])) for a in activities
        ]
        for _ in range(5):
            calm_bar(h, volume=2_000.0)
        later = fills(h.drain(), buy)
        assert not set(ids) & {f.execution_id for f in later}
        total = sum(f.qty for f in recovered + later)
        assert total == h.broker.get_order_by_client_id(buy).filled_qty
    finally:
        h.close()


def test_a_cancel_missed_while_the_stream_was_down_is_recovered() -> None:
    h = AlpacaHarness("ideal")
    try:
        resting = cid()
        ack = h.broker.submit(resting, limit(h, Side.BUY, 1, "50.00"))
        h.drain()
        _down_then_up(h)
        h.broker.cancel(ack.broker_order_id)
        h.advance(5)
        events = _reconnect(h)
        assert [e.kind for e in of(events, resting)] == [K.CANCELED]
    finally:
        h.close()


def test_without_an_activities_endpoint_missed_fills_are_inferred_once() -> None:
    h = AlpacaHarness("ideal", emulator={"activities": False})
    try:
        buy = cid()
        h.broker.submit(buy, market(h, Side.BUY, 10))
        h.drain()
        _down_then_up(h)
        calm_bar(h)
        events = _reconnect(h)
        (fill,) = fills(events, buy)
        order = h.broker.get_order_by_client_id(buy)
        assert fill.qty == order.filled_qty == Decimal(10)
        assert fill.price == order.filled_avg_price
        assert [e.kind for e in of(events, buy)] == [K.FILL]
        calm_bar(h)
        assert fills(h.drain(), buy) == []
    finally:
        h.close()


# --- a fill after a cancel request ----------------------------------------------------


def test_a_deferred_cancel_leaves_the_order_working_so_it_fills_after_the_request(
    harness: AlpacaHarness,
) -> None:
    h, client_id = harness, cid()
    order = h.broker.submit(client_id, limit(h, Side.BUY, 10, "100.00"))
    h.control.faults(defer_cancels=1)
    h.broker.cancel(order.broker_order_id)  # answered 204: the request was taken
    assert h.control.state()["faults"]["defer_cancels"] == 0
    h.feed_bar(open=99.0, high=99.5, low=98.5, close=99.0)
    events = h.drain()
    assert sum(f.qty for f in fills(events, client_id)) == Decimal(10)
    assert K.CANCELED not in {e.kind for e in of(events, client_id)}
    assert h.broker.get_order_by_client_id(client_id).filled_qty == Decimal(10)


def test_only_the_armed_number_of_cancels_is_deferred(harness: AlpacaHarness) -> None:
    h, first, second = harness, cid(), cid()
    a = h.broker.submit(first, limit(h, Side.BUY, 10, "90.00"))
    b = h.broker.submit(second, limit(h, Side.BUY, 10, "90.00"))
    h.control.faults(defer_cancels=1)
    h.broker.cancel(a.broker_order_id)
    h.broker.cancel(b.broker_order_id)
    events = h.drain()
    assert K.CANCELED not in {e.kind for e in of(events, first)}
    assert K.CANCELED in {e.kind for e in of(events, second)}
