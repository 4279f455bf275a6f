"""Token bucket, credentials, stream backoff and the event tracker of the Alpaca adapter."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from tradecore.adapters.alpaca import AlpacaConfig, AlpacaCredentials, TokenBucket
from tradecore.adapters.alpaca.stream import backoff_delay
from tradecore.adapters.alpaca.tracking import OrderTracker
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side

K = OrderEventKind
T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def bucket(fake: FakeTime, rate: float = 1.0, capacity: float = 2) -> TokenBucket:
    return TokenBucket(
        rate=rate, capacity=capacity, monotonic=fake.monotonic, sleep=fake.sleep
    )


def test_the_bucket_allows_a_burst_then_the_rate() -> None:
    fake = FakeTime()
    limiter = bucket(fake)
    limiter.acquire()
    limiter.acquire()
    assert fake.slept == []
    limiter.acquire()
    assert fake.slept == [pytest.approx(1.0)]


def test_a_pause_holds_every_request_back() -> None:
    fake = FakeTime()
    limiter = bucket(fake, rate=10.0)
    limiter.pause(5.0)
    limiter.acquire()
    assert sum(fake.slept) == pytest.approx(5.0 + 0.1)


def test_two_hundred_a_minute_never_sends_more_than_the_budget_plus_burst() -> None:
    fake = FakeTime()
    limiter = TokenBucket(
        rate=200 / 60, capacity=10, monotonic=fake.monotonic, sleep=fake.sleep
    )
    sent = 0
    while fake.now < 60.0:
        limiter.acquire()
        sent += 1
    assert sent <= 200 + 10 + 1


def test_bucket_settings_are_validated() -> None:
    with pytest.raises(InvalidInput, match="rate"):
        TokenBucket(rate=0, capacity=1)
    with pytest.raises(InvalidInput, match="seconds"):
        TokenBucket(rate=1, capacity=1).pause(-1)


def test_credentials_never_show_their_keys() -> None:
    credentials = AlpacaCredentials(key_id="PKTESTKEY123", secret_key="s3cr3t-value")
    for text in (
        repr(credentials),
        str(credentials),
        f"{credentials!r} {[credentials]}",
    ):
        assert "PKTESTKEY123" not in text
        assert "s3cr3t" not in text


def test_config_refuses_a_base_url_with_v2_or_a_trailing_slash() -> None:
    for url in ("http://127.0.0.1:1/v2", "http://127.0.0.1:1/"):
        with pytest.raises(InvalidInput, match="base_url"):
            AlpacaConfig(base_url=url, stream_url="ws://127.0.0.1:1/stream")
    assert AlpacaConfig().rest_url == "https://paper-api.alpaca.markets"
    assert AlpacaConfig(paper=False).trade_stream_url.startswith("wss://api.")


def test_reconnect_backoff_doubles_caps_and_is_seeded() -> None:
    delays = [
        backoff_delay(n, 1.0, 30.0, np.random.default_rng(5)) for n in range(1, 9)
    ]
    again = [backoff_delay(n, 1.0, 30.0, np.random.default_rng(5)) for n in range(1, 9)]
    assert delays == again
    for n, delay in enumerate(delays, start=1):
        capped = min(30.0, 2.0 ** (n - 1))
        assert capped / 2 <= delay <= capped


def _fill_event(qty: str, execution_id: str, kind: OrderEventKind = K.PARTIAL_FILL):
    fill = Fill(
        execution_id=execution_id,
        client_order_id="c-1",
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal(qty),
        price=Decimal(100),
        filled_at=T0,
    )
    return OrderEvent(
        kind=kind,
        client_order_id="c-1",
        broker_order_id="b-1",
        occurred_at=T0,
        fill=fill,
    )


def test_a_fill_counts_once_whatever_its_source_calls_it() -> None:
    tracker = OrderTracker()
    assert tracker.admit(_fill_event("4", "stream-exec-1"), Decimal(4))
    assert not tracker.admit(_fill_event("4", "activity-exec-1"), Decimal(4))
    assert tracker.gap_before(_fill_event("3", "x"), Decimal(10))
    assert tracker.admit(_fill_event("6", "stream-exec-2", K.FILL), Decimal(10))
    assert not tracker.admit(_fill_event("6", "stream-exec-2", K.FILL), Decimal(10))


def test_statuses_are_reported_once_and_nothing_after_a_final_one() -> None:
    tracker = OrderTracker()

    def status(kind: OrderEventKind) -> OrderEvent:
        return OrderEvent(
            kind=kind, client_order_id="c-2", broker_order_id="b-2", occurred_at=T0
        )

    assert tracker.admit(status(K.ACCEPTED))
    assert not tracker.admit(status(K.ACCEPTED))
    assert tracker.admit(status(K.CANCELED))
    assert not tracker.admit(status(K.EXPIRED))
    assert [t.broker_order_id for t in tracker.working()] == []
