"""The Broker contract against the simulated broker, under both fill models."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.calendars import xnys
from tests.contract.broker_contract import BrokerContract
from tests.contract.broker_rules_account import AccountRulesContract
from tests.contract.broker_rules_contract import PriceRulesContract
from tests.contract.broker_rules_orders import OrderRulesContract
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags
from tradecore.domain.market.bars import Bar
from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.broker import Capability

#: Monday 2026-01-05 14:30 UTC: 09:30 New York, the XNYS open in winter.
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SETTLE_SECONDS = 5.0


class SimHarness:
    """Drives a SimulatedBroker on a SimClock: bars at their start, then time."""

    symbol = "AAPL"
    unknown_symbol = "NOPE"
    last_price = 100.0
    starting_cash = Decimal(100_000)
    cost_allowance_bps = 150.0

    def __init__(
        self,
        fill_model: FillModel,
        seed: int = 7,
        *,
        assets: Mapping[str, AssetFlags] | None = None,
        account: AccountFlags | None = None,
        start: datetime = START,
        starting_cash: Decimal | None = None,
        unlimited: bool = False,
    ) -> None:
        """``assets``, ``account``, ``start`` and ``starting_cash`` set up the venue
        (the account-rule cases); ``unlimited`` is for the Alpaca harness's rate
        limits and means nothing here."""
        if starting_cash is not None:
            self.starting_cash = starting_cash
        self.clock = SimClock(start)
        self.config = VenueConfig(
            calendar=xnys(),
            seed=seed,
            fill_model=fill_model,
            starting_cash=self.starting_cash,
            tradable=frozenset({self.symbol, "MSFT"}),
            assets=dict(assets or {}),
            account=account or AccountFlags(),
        )
        self.broker = SimulatedBroker(self.clock, self.config)
        self.partial_fills = fill_model.liquidity.max_participation is not None
        self.log: list[OrderEvent] = []
        self._drained = 0
        self.feed_bar(open=100.0, high=100.2, low=99.8, close=self.last_price)

    def now(self) -> datetime:
        return self.clock.now()

    def feed_bar(
        self,
        *,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float = 1_000_000.0,
    ) -> Bar:
        bar = Bar(
            symbol=self.symbol,
            timestamp=self.now(),
            open=open,
            high=high,
            low=low,
            close=close,
            volume=volume,
        )
        self.broker.on_bar(bar)
        self._run_until(self.now() + self.config.bar_interval)
        return bar

    def advance(self, seconds: float) -> None:
        self._run_until(self.now() + timedelta(seconds=seconds))

    def drain(self) -> list[OrderEvent]:
        self.advance(SETTLE_SECONDS)
        new = self.log[self._drained :]
        self._drained = len(self.log)
        return new

    def seconds_to_session_close(self) -> float:
        close = self.config.calendar.next_close(self.now())
        return (close - self.now()).total_seconds()

    def _run_until(self, until: datetime) -> None:
        # Step from event to event so each is polled at its own time.
        while (due := self.broker.next_event_at()) is not None and due <= until:
            self.clock.advance_to(max(due, self.now()))
            self.log.extend(self.broker.poll_events())
        self.clock.advance_to(until)
        self.log.extend(self.broker.poll_events())


class TestSimulatedBroker(
    BrokerContract, PriceRulesContract, OrderRulesContract, AccountRulesContract
):
    """Every BRK case, once with the ideal and once with the realistic fill model."""

    expected_capabilities = frozenset(
        {
            Capability.FRACTIONAL,
            Capability.SHORT_SELL,
            Capability.STOP_ORDERS,
            Capability.EXTENDED_HOURS,
            Capability.BRACKET_ORDERS,
            Capability.REPLACE,
        }
    )

    @pytest.fixture(params=["ideal", "realistic"])
    def make_broker(self, request: pytest.FixtureRequest) -> Callable[..., SimHarness]:
        model = FillModel.ideal() if request.param == "ideal" else FillModel.realistic()
        return lambda **settings: SimHarness(model, **settings)
