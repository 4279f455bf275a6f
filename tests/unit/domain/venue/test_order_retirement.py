"""The venue's memory is bounded by its open orders: old final orders retire.

A retired order is gone from lookups but its client order id is never accepted
again (as Alpaca refuses any id it has seen), and broker ids keep counting.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.simkit import MINUTE, T0, lmt, venue
from tradecore.domain.errors import DuplicateClientOrderId, OrderNotFound
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.spec import Side


def test_the_oldest_final_orders_retire_and_their_ids_stay_taken() -> None:
    v = venue(starting_cash=Decimal(1_000_000))
    v._book.keep_final = 3
    ids = []
    for n in range(5):
        order = v.submit(T0 + n * MINUTE, f"c{n}", lmt(Side.BUY, 1, "10.00"))
        v.cancel(T0 + n * MINUTE, order.broker_order_id)
        ids.append(order.broker_order_id)
    v.advance_to(T0 + 10 * MINUTE)
    assert len(v._book.orders) == 3  # c0 and c1 retired
    with pytest.raises(OrderNotFound):
        v.order_by_client_id("c0")
    assert v.order_by_client_id("c4").status is BrokerOrderStatus.CANCELED
    with pytest.raises(DuplicateClientOrderId):
        v.submit(T0 + 11 * MINUTE, "c0", lmt(Side.BUY, 1, "10.00"))
    fresh = v.submit(T0 + 11 * MINUTE, "c5", lmt(Side.BUY, 1, "10.00"))
    assert fresh.broker_order_id not in ids  # the sequence never reuses an id
    assert len(set(ids)) == 5


def test_working_orders_never_retire() -> None:
    v = venue(starting_cash=Decimal(1_000_000))
    v._book.keep_final = 0
    resting = v.submit(T0, "rest", lmt(Side.BUY, 1, "10.00"))
    for n in range(3):
        done = v.submit(T0 + MINUTE, f"c{n}", lmt(Side.BUY, 1, "10.00"))
        v.cancel(T0 + MINUTE, done.broker_order_id)
    v.advance_to(T0 + 5 * MINUTE)
    assert list(v._book.orders) == [resting.broker_order_id]
    assert v.order_by_client_id("rest").status is not BrokerOrderStatus.CANCELED
