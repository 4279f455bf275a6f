"""The paper-account harness's safety: it trades only paper, and cleans up after itself."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.alpaca_harness import CREDENTIALS
from tests.alpaca_paper import (
    LiveAccountRefused,
    PaperHarness,
    paper_target_from_env,
    refuse_live,
)
from tests.contract.test_alpaca_paper import STAND_IN_SYMBOL, StandIn
from tradecore.adapters.alpaca import AlpacaBroker, AlpacaConfig
from tradecore.adapters.alpaca.config import LIVE_STREAM_URL, LIVE_URL
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side


def test_only_the_paper_endpoint_is_accepted_for_a_real_account():
    refuse_live(AlpacaConfig(paper=True), real=True)
    with pytest.raises(LiveAccountRefused, match=r"refusing https://api\.alpaca"):
        refuse_live(AlpacaConfig(paper=False), real=True)
    live_override = AlpacaConfig(base_url=LIVE_URL, stream_url=LIVE_STREAM_URL)
    with pytest.raises(LiveAccountRefused):
        refuse_live(live_override, real=True)
    elsewhere = AlpacaConfig(base_url="https://example.com", stream_url="wss://e/x")
    with pytest.raises(LiveAccountRefused):
        refuse_live(elsewhere, real=False)


def test_missing_keys_are_named():
    with pytest.raises(pytest.UsageError, match="APCA_API_SECRET_KEY"):
        paper_target_from_env({"APCA_API_KEY_ID": "x"})
    target = paper_target_from_env({"APCA_API_KEY_ID": "k", "APCA_API_SECRET_KEY": "s"})
    assert target.real
    assert target.config.rest_url == "https://paper-api.alpaca.markets"
    assert target.symbol == "SPY"


def _fill_pending(stand_in: StandIn) -> None:
    at = stand_in.control.state()["now"]
    bar = {"symbol": STAND_IN_SYMBOL, "t": at, "o": 100.0, "h": 100.3, "l": 99.7}
    stand_in.control.bars([{**bar, "c": 100.1, "v": 1_000_000.0}])
    stand_in.control.advance(5)


def test_close_cancels_the_runs_orders_and_restores_positions():
    stand_in = StandIn()
    try:
        harness = PaperHarness(stand_in.target(), "run1")
        broker = harness.broker
        resting = OrderSpec(
            symbol=STAND_IN_SYMBOL,
            side=Side.BUY,
            qty=Decimal(1),
            order_type=OrderType.LIMIT,
            limit_price=Decimal("50.00"),
        )
        broker.submit("brk-run1-1", resting)
        broker.submit(
            "brk-run1-2",
            OrderSpec(symbol=STAND_IN_SYMBOL, side=Side.BUY, qty=Decimal(3)),
        )
        _fill_pending(stand_in)
        assert [p.qty for p in broker.positions()] == [Decimal(3)]
        assert harness.close() == []
        _fill_pending(stand_in)  # the restoring sell fills on the next bar
        check = AlpacaBroker(harness.target.config, CREDENTIALS)
        try:
            assert check.positions() == []
            assert check.open_orders() == []
        finally:
            check.close()
    finally:
        stand_in.stop()
