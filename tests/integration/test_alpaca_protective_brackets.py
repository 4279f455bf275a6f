"""A strategy's protection, end to end: engine -> bracket order at Alpaca (alpaca-py
against the emulator). The entry fills, its take-profit goes from ``held`` to ``new``
while its stop-loss works ``held`` (as Alpaca shows them), and they keep protecting
the position after our process is gone."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from tests.alpaca_harness import CREDENTIALS, AlpacaHarness, adapter_config
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca import AlpacaBroker
from tradecore.adapters.sim import SimClock
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.orders.broker_status import BrokerOrderStatus as B
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import Side
from tradecore.domain.strategies.protocol import (
    NO_TARGETS,
    PortfolioView,
    Protection,
    Target,
)
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig

QTY = Decimal(10)


class BuyOnceProtected:
    """Buys ``QTY`` on its first bar, 2 % stop-loss and 3 % take-profit."""

    strategy_id = "buy_once_protected"

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        if portfolio.position(symbol) != 0:
            return NO_TARGETS
        protection = Protection(stop_loss_bps=200, take_profit_bps=300)
        return (Target(symbol, QTY, signal="enter", protection=protection),)


def test_a_protected_entry_is_a_bracket_that_outlives_the_process(
    tmp_path: Path,
) -> None:
    h = AlpacaHarness(fill_model="ideal")
    try:
        store = sqlite_store(tmp_path / "live.db")
        clock = SimClock(h.now())
        commits = CommitEachStep(store)
        engine = TradingEngine(
            BuyOnceProtected(),
            OrderManager(h.broker, clock, commits),
            commits,
            clock,
            EngineConfig(opening_cash=h.starting_cash),
        )
        engine.on_bar(h.symbol, to_ns(h.now()), h.last_price, 1e6)
        with store.unit_of_work() as uow:
            (intent,) = uow.intents.by_status(*IntentStatus)
        assert intent.spec.bracket is not None
        assert intent.spec.bracket.stop_loss_stop == Decimal("98.00")
        assert intent.spec.bracket.take_profit_limit == Decimal("103.00")
        entry = h.broker.get_order_by_client_id(intent.client_order_id)
        legs = [h.broker.get_order(i) for i in entry.leg_ids]
        assert {leg.status for leg in legs} == {B.HELD}

        h.feed_bar(open=100.0, high=100.3, low=99.9, close=100.1)
        engine.on_events(h.drain())
        with store.unit_of_work() as uow:
            assert (
                uow.intents.find(intent.client_order_id).status is IntentStatus.FILLED
            )
        legs = [h.broker.get_order(i) for i in entry.leg_ids]
        assert [leg.status for leg in legs] == [B.NEW, B.HELD]  # take-profit first
        store.close()
        h.broker.close()  # our process is gone; the protection is not

        with AlpacaBroker(adapter_config(h.server), CREDENTIALS) as later:
            # Held legs are not in ``status=open``: the take-profit is listed.
            resting = later.open_orders()
            assert [o.broker_order_id for o in resting] == [entry.leg_ids[0]]
            assert {(o.spec.side, o.spec.qty) for o in resting} == {(Side.SELL, QTY)}
            assert later.get_order(entry.leg_ids[1]).status is B.HELD
            h.control.bars(
                [{"symbol": h.symbol, "o": 99.0, "h": 99.1, "l": 97.5, "c": 97.8}]
            )
            h.control.advance(5)
            stop = next(
                later.get_order(i)
                for i in entry.leg_ids
                if later.get_order(i).spec.stop_price is not None
            )
            assert stop.status is B.FILLED
            assert later.positions() == []
            assert later.open_orders() == []
    finally:
        h.server.stop()
