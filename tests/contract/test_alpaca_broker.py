"""The Broker contract against the Alpaca adapter, talking to the Alpaca emulator.

The real alpaca-py client (REST and trade-updates stream) against the emulator on a
loopback port, under both fill models, exactly as the simulated broker runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.alpaca_harness import AlpacaHarness
from tests.contract.broker_contract import BrokerContract
from tests.contract.broker_rules_account import AccountRulesContract
from tests.contract.broker_rules_contract import PriceRulesContract
from tests.contract.broker_rules_orders import OrderRulesContract
from tradecore.ports.broker import Capability


class TestAlpacaBroker(
    BrokerContract, PriceRulesContract, OrderRulesContract, AccountRulesContract
):
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
    ) -> Iterator[Callable[..., AlpacaHarness]]:
        made: list[AlpacaHarness] = []

        def make(*, unlimited: bool = False, **emulator: Any) -> AlpacaHarness:
            # ``emulator``: assets, account, start, starting_cash (account rules);
            # ``unlimited`` lifts the rate limits (hundreds of orders in one case).
            adapter: dict[str, Any] = {}
            if unlimited:
                emulator["rate_limit"] = None
                adapter = {"requests_per_minute": 1e6, "burst": 10_000}
            harness = AlpacaHarness(request.param, emulator=emulator, **adapter)
            made.append(harness)
            return harness

        yield make
        for harness in made:
            harness.close()
