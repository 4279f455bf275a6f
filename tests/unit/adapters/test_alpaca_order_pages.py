"""The Alpaca adapter lists every open order, past Alpaca's 500 per answer (issue 18).

Reconciliation takes the broker's open orders in one listing; GET /v2/orders answers
at most 500, so the adapter walks the listing forward by submission time. Here the
page is cut to 3 to walk it with a handful of orders, some submitted at one instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.alpaca_harness import AlpacaHarness
from tradecore.adapters.alpaca import rest
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side

FAR_BID = OrderSpec(
    symbol="AAPL",
    side=Side.BUY,
    qty=Decimal(1),
    order_type=OrderType.LIMIT,
    limit_price=Decimal("1.00"),
)


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[AlpacaHarness]:
    monkeypatch.setattr(rest, "ORDER_PAGE", 3)
    made = AlpacaHarness("ideal")
    yield made
    made.close()


def test_open_orders_walks_every_page_oldest_first(harness: AlpacaHarness) -> None:
    placed = []
    for n in range(8):
        placed.append(harness.broker.submit(f"page-{n}", FAR_BID).client_order_id)
        if n % 3 != 1:  # pairs share an instant, across page boundaries too
            harness.advance(1)
    listed = [o.client_order_id for o in harness.broker.open_orders()]
    assert listed == placed
