"""The Broker contract against the Alpaca adapter, talking to the Alpaca emulator.

The real alpaca-py client (REST and trade-updates stream) against the emulator on a
loopback port, under both fill models, exactly as the simulated broker runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.alpaca_harness import AlpacaHarness
from tests.contract.broker_contract import BrokerContract
from tests.contract.broker_rules_contract import PriceRulesContract
from tests.contract.broker_rules_orders import OrderRulesContract
from tradecore.ports.broker import Capability


class TestAlpacaBroker(BrokerContract, PriceRulesContract, OrderRulesContract):
    """Every BRK case through alpaca-py and the emulator."""

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
    def make_broker(
        self, request: pytest.FixtureRequest
    ) -> Iterator[Callable[[], AlpacaHarness]]:
        made: list[AlpacaHarness] = []

        def make() -> AlpacaHarness:
            harness = AlpacaHarness(request.param)
            made.append(harness)
            return harness

        yield make
        for harness in made:
            harness.close()
