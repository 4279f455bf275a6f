"""The Alpaca adapter's pre-send check costs no broker call per order.

An asset is read once per symbol (an unknown one too: its 404 is remembered), the
account once per minute of the adapter's clock, the positions once at connect; after
that the check runs on what the adapter saw (:mod:`tradecore.adapters.alpaca.rule_facts`).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.alpaca_harness import AlpacaHarness
from tests.contract.broker_contract import market
from tradecore.domain.orders.spec import OrderSpec, Side

ROUTES = ("get_asset", "get_account", "list_positions", "submit_order", "get_calendar")


@pytest.fixture
def harness() -> Iterator[AlpacaHarness]:
    h = AlpacaHarness("ideal")
    yield h
    h.close()


def served(h: AlpacaHarness) -> dict[str, int]:
    requests = h.control.state()["requests"]
    return {route: requests.get(route, 0) for route in ROUTES}


def test_repeated_checks_read_the_asset_once_and_nothing_else(harness) -> None:
    h = harness
    # Warm up on another symbol: the account read at connect is a bar (a minute) old.
    h.broker.rule_breach(OrderSpec(symbol="MSFT", side=Side.BUY, qty=Decimal(1)))
    before = served(h)
    for _ in range(5):
        assert h.broker.rule_breach(market(h, Side.BUY, 10)) is None
        assert h.broker.rule_breach(market(h, Side.SELL, 3)) is None
    after = served(h)
    assert after["get_asset"] - before["get_asset"] == 1
    assert {k: after[k] - before[k] for k in ROUTES if k != "get_asset"} == {
        "get_account": 0,
        "list_positions": 0,
        "submit_order": 0,
        "get_calendar": 0,
    }


def test_the_account_is_read_again_once_it_is_a_minute_old(harness) -> None:
    h = harness
    h.broker.rule_breach(market(h, Side.BUY, 1))
    before = served(h)["get_account"]
    h.advance(61.0)
    h.broker.rule_breach(market(h, Side.BUY, 1))
    h.broker.rule_breach(market(h, Side.BUY, 1))
    assert served(h)["get_account"] - before == 1


def test_an_unknown_asset_is_left_to_the_broker_and_asked_once(harness) -> None:
    h = harness
    spec = OrderSpec(
        symbol=h.unknown_symbol, side=Side.BUY, qty=market(h, Side.BUY, 1).qty
    )
    before = served(h)["get_asset"]
    assert h.broker.rule_breach(spec) is None
    assert h.broker.rule_breach(spec) is None
    assert served(h)["get_asset"] - before == 1
