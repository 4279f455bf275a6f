"""The emulator's refusals for order rules, as alpaca-py receives them.

Each refusal is Alpaca's status, 8-digit code and message, with the detail fields
its body carries; a close-all whose closes are refused answers each symbol in its
207 entry (docs/alpaca.md §2, ``DELETE /v2/positions``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alpaca.trading.models import ClosePositionResponse
from alpaca.trading.requests import MarketOrderRequest

from tests.alpaca_harness import CREDENTIALS, AlpacaHarness
from tests.contract.broker_contract import cid, fill_until_done, limit, market
from tradecore.adapters.alpaca._sdk import APIError, TradingClient
from tradecore.domain.orders.spec import Side


@pytest.fixture
def h() -> Iterator[AlpacaHarness]:
    harness = AlpacaHarness("ideal")
    try:
        yield harness
    finally:
        harness.close()


def _client(h: AlpacaHarness) -> TradingClient:
    client = TradingClient(
        CREDENTIALS.key_id, CREDENTIALS.secret_key, url_override=h.server.base_url
    )
    client._retry = 0
    return client


def _hold_ten_with_six_held(h: AlpacaHarness) -> None:
    bought = cid("buy")
    h.broker.submit(bought, market(h, Side.BUY, 10))
    fill_until_done(h, bought)
    h.broker.submit(cid("held"), limit(h, Side.SELL, 6, "110.00"))


def test_insufficient_qty_answer_carries_alpacas_detail_fields(h) -> None:
    _hold_ten_with_six_held(h)
    request = MarketOrderRequest(symbol="AAPL", qty=5, side="sell", time_in_force="day")
    with pytest.raises(APIError) as refused:
        _client(h).submit_order(request)
    assert refused.value.status_code == 403
    body = refused.value.response.json()  # type: ignore[union-attr]
    assert body == {
        "available": "4",
        "code": 40310000,
        "existing_qty": "10",
        "held_for_orders": "6",
        "message": "insufficient qty available for order (requested: 5, available: 4)",
        "symbol": "AAPL",
    }


def test_a_wash_trade_is_a_403_with_alpacas_wording(h) -> None:
    _hold_ten_with_six_held(h)
    request = MarketOrderRequest(symbol="AAPL", qty=1, side="buy", time_in_force="day")
    with pytest.raises(APIError) as refused:
        _client(h).submit_order(request)
    assert refused.value.status_code == 403
    assert refused.value.code == 40310000
    assert refused.value.message == "potential wash trade detected. use complex orders"


def test_close_all_answers_a_refused_close_in_its_symbols_entry(h) -> None:
    _hold_ten_with_six_held(h)
    (entry,) = _client(h).close_all_positions(cancel_orders=False)
    assert isinstance(entry, ClosePositionResponse)
    assert entry.status == 403
    assert entry.symbol == "AAPL"
    assert "insufficient qty available" in str(entry.body)
