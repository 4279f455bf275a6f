"""The trade updates Alpaca sends rarely, injected by the emulator, through alpaca-py.

Each is delivered to a connected AlpacaBroker over the real trade-updates stream
(:mod:`tradecore.adapters.alpaca_emulator.rare_events`); the tests assert what the
adapter reports (event kind and reason), what it re-reads, what it alerts, and that
no fill is invented or lost (:data:`tradecore.adapters.alpaca.mapping.EVENT_RULES`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from tests.alpaca_harness import AlpacaHarness
from tests.contract.broker_contract import calm_bar, fills, limit, market, of
from tests.factories import key
from tests.risk_support import RecordingAlerter
from tradecore.adapters.alpaca.recovery import catch_up
from tradecore.adapters.alpaca.tracking import OrderTracker
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import OrderIntent, apply_event, transition
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.ports.alerts import AlertCode
from tradecore.ports.broker import BrokerOrder

K = OrderEventKind
_ids = itertools.count(1)


def _cid() -> str:
    return f"rare-{next(_ids)}"


@pytest.fixture
def harness() -> Iterator[tuple[AlpacaHarness, RecordingAlerter]]:
    h = AlpacaHarness("ideal")
    alerter = RecordingAlerter()
    h.broker.set_alerter(alerter)
    yield h, alerter
    h.close()


def _requests(h: AlpacaHarness, route: str) -> int:
    return int(h.control.state()["requests"].get(route, 0))


def _resting(h: AlpacaHarness) -> tuple[str, str]:
    client_id = _cid()
    ack = h.broker.submit(client_id, limit(h, Side.BUY, 5, "50.00"))
    h.drain()
    return client_id, ack.broker_order_id


def _filled(h: AlpacaHarness) -> tuple[str, str]:
    client_id = _cid()
    ack = h.broker.submit(client_id, market(h, Side.BUY, 10))
    calm_bar(h)
    assert sum(f.qty for f in fills(h.drain(), client_id)) == 10
    return client_id, ack.broker_order_id


def _inject(h: AlpacaHarness, event: str, order_id: str, **body: object) -> list:
    h.sync(h.control.trade_update(event, order_id=order_id, **body))
    return h.drain()


# --- refused cancel / replace: the order works on ---------------------------------------


@pytest.mark.parametrize(
    ("event", "reason", "pending"),
    [
        ("order_cancel_rejected", "cancel_rejected", IntentStatus.PENDING_CANCEL),
        ("order_replace_rejected", "replace_rejected", IntentStatus.PENDING_REPLACE),
    ],
)
def test_a_refused_cancel_or_replace_reports_the_order_working_again(
    harness: tuple[AlpacaHarness, RecordingAlerter],
    event: str,
    reason: str,
    pending: IntentStatus,
) -> None:
    h, alerter = harness
    client_id, order_id = _resting(h)
    reads = _requests(h, "list_orders")
    (reported,) = of(_inject(h, event, order_id), client_id)
    assert (reported.kind, reported.reason) == (K.ACCEPTED, reason)
    assert _requests(h, "list_orders") > reads  # re-read: a fill may have raced it
    assert [o.broker_order_id for o in h.broker.open_orders()] == [order_id]
    assert alerter.alerts == []
    # the domain takes the intent out of its pending state on this event
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(100))
    at = datetime(2026, 1, 5, 14, 31, tzinfo=UTC)
    intent = OrderIntent.create(key(), spec, decided_at=at)
    intent = transition(intent, IntentStatus.SUBMITTED, at)
    intent = transition(intent, IntentStatus.ACKED, at)
    intent = transition(intent, pending, at)
    mine = attrs.evolve(reported, client_order_id=intent.client_order_id)
    applied = apply_event(intent, mine)
    assert applied.intent.status is IntentStatus.ACKED


def test_the_refusal_is_reported_each_time_but_never_after_a_final_status() -> None:
    tracker = OrderTracker()
    at = datetime(2026, 1, 5, 14, 31, tzinfo=UTC)

    def event(kind: OrderEventKind, reason: str | None = None) -> OrderEvent:
        return OrderEvent(
            kind=kind,
            client_order_id="c",
            broker_order_id="o",
            occurred_at=at,
            reason=reason,
        )

    assert tracker.admit(event(K.ACCEPTED))
    assert tracker.admit(event(K.PENDING_CANCEL))
    assert tracker.admit(event(K.ACCEPTED, "cancel_rejected"))
    assert tracker.admit(event(K.PENDING_CANCEL))  # a second cancel can pend again
    assert tracker.admit(event(K.CANCELED))
    assert not tracker.admit(event(K.ACCEPTED, "cancel_rejected"))


# --- suspended, restated ----------------------------------------------------------------


def test_a_suspended_order_is_re_read_and_alerted_not_reported_final(
    harness: tuple[AlpacaHarness, RecordingAlerter],
) -> None:
    h, alerter = harness
    client_id, order_id = _resting(h)
    reads = _requests(h, "list_orders")
    assert of(_inject(h, "suspended", order_id), client_id) == []
    assert _requests(h, "list_orders") > reads
    (alert,) = alerter.alerts
    assert alert.code == AlertCode.UNUSUAL_ORDER_EVENT.value
    assert alert.context["broker_order_id"] == order_id
    assert h.broker.anomalies == [f"suspended: order {order_id}"]


def test_a_restated_order_is_re_read_silently(
    harness: tuple[AlpacaHarness, RecordingAlerter],
) -> None:
    h, alerter = harness
    client_id, order_id = _resting(h)
    reads = _requests(h, "list_orders")
    assert of(_inject(h, "restated", order_id), client_id) == []
    assert _requests(h, "list_orders") > reads
    assert alerter.alerts == []


# --- busted and corrected executions ----------------------------------------------------


def test_a_busted_execution_is_alerted_and_no_fill_is_invented_or_undone(
    harness: tuple[AlpacaHarness, RecordingAlerter],
) -> None:
    h, alerter = harness
    client_id, order_id = _filled(h)
    before = h.broker.positions()
    events = _inject(h, "trade_bust", order_id)
    assert of(events, client_id) == []  # the domain has no "unfill": nothing emitted
    (alert,) = alerter.alerts
    assert alert.code == AlertCode.EXECUTION_AMENDED.value
    assert alert.severity.value == "critical"
    assert alert.context["event"] == "trade_bust"
    assert alert.context["qty"] == "10"
    assert alert.context["execution_id"]
    # the emulator models only the frame: Alpaca would also reverse the position,
    # which the reconciler then heals (RECONCILE_DRIFT); here it is unchanged
    assert h.broker.positions() == before
    calm_bar(h)
    assert fills(h.drain(), client_id) == []  # the order's fills are not re-reported


def test_a_corrected_execution_is_alerted_with_the_new_price(
    harness: tuple[AlpacaHarness, RecordingAlerter],
) -> None:
    h, alerter = harness
    client_id, order_id = _filled(h)
    assert of(_inject(h, "trade_correct", order_id, price="99.5"), client_id) == []
    (alert,) = alerter.alerts
    assert alert.code == AlertCode.EXECUTION_AMENDED.value
    assert (alert.context["event"], alert.context["price"]) == ("trade_correct", "99.5")


def test_the_control_api_refuses_an_unknown_event_or_an_order_without_fills(
    harness: tuple[AlpacaHarness, RecordingAlerter],
) -> None:
    h, _ = harness
    _, order_id = _resting(h)
    with pytest.raises(InvalidInput, match="event must be one of"):
        h.control.trade_update("partial_bust", order_id=order_id)
    with pytest.raises(InvalidInput, match="no execution"):
        h.control.trade_update("trade_bust", order_id=order_id)


def test_a_refusal_missed_while_away_is_recovered_from_the_working_order() -> None:
    tracker = OrderTracker()
    at = datetime(2026, 1, 5, 14, 31, tzinfo=UTC)
    pending = OrderEvent(
        kind=K.PENDING_CANCEL, client_order_id="c", broker_order_id="o", occurred_at=at
    )
    assert tracker.admit(
        OrderEvent(
            kind=K.ACCEPTED, client_order_id="c", broker_order_id="o", occurred_at=at
        )
    )
    assert tracker.admit(pending)
    working = BrokerOrder(
        broker_order_id="o",
        client_order_id="c",
        spec=OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(5)),
        status=BrokerOrderStatus.NEW,
        filled_qty=Decimal(0),
        filled_avg_price=None,
        submitted_at=at,
        updated_at=at,
    )
    (event,) = catch_up(tracker, working, [])
    assert (event.kind, event.reason) == (K.ACCEPTED, "cancel_rejected")
    assert catch_up(tracker, working, []) == []  # once
