"""The Broker contract through the paper-account harness (``tests/alpaca_paper.py``).

Without ``--alpaca-paper`` the harness trades the emulator standing in for Alpaca's
paper API, so CI runs the code path a user runs; with it, Alpaca's real paper API.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.alpaca_harness import CREDENTIALS, START, adapter_config, eventually
from tests.alpaca_paper import PaperHarness, PaperTarget, paper_target_from_env
from tests.contract import broker_contract, test_alpaca_broker
from tests.contract.broker_contract import BrokerContract
from tests.contract.broker_rules_contract import PriceRulesContract
from tests.contract.broker_rules_orders import OrderRulesContract
from tradecore.adapters.alpaca import AlpacaBroker
from tradecore.adapters.alpaca_emulator import (
    EmulatorConfig,
    EmulatorControl,
    EmulatorServer,
)

STAND_IN_SYMBOL = "AAPL"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One variant: the real paper account with ``--alpaca-paper``, else the stand-in."""
    if metafunc.cls is TestAlpacaPaper:
        real = metafunc.config.getoption("--alpaca-paper")
        metafunc.parametrize(
            "make_broker", ["paper" if real else "emulator"], indirect=True
        )


class StandIn:
    """The emulator as Alpaca's paper API: a market with a price, time that passes."""

    def __init__(self) -> None:
        config = EmulatorConfig(
            seed=11,
            start=START,
            fill_model="ideal",
            tradable=frozenset({STAND_IN_SYMBOL, "MSFT"}),
            send_retry_after=True,
        )
        self.server = EmulatorServer(config).start()
        self.control = EmulatorControl(self.server.base_url)
        at = START.isoformat()
        bar = {"symbol": STAND_IN_SYMBOL, "t": at, "o": 100.0, "h": 100.2, "l": 99.8}
        self.control.bars([{**bar, "c": 100.0, "v": 1_000_000.0}])
        self.control.quotes(
            [{"symbol": STAND_IN_SYMBOL, "t": at, "bp": 99.99, "ap": 100.01}]
        )

    def target(self) -> PaperTarget:
        from tests.alpaca_paper import quote_midpoint

        config = adapter_config(self.server)
        return PaperTarget(
            config=config,
            credentials=CREDENTIALS,
            symbol=STAND_IN_SYMBOL,
            real=False,
            price=lambda: quote_midpoint(
                config, CREDENTIALS, STAND_IN_SYMBOL, self.server.base_url
            ),
            wait=self._advance,
        )

    def _advance(self, seconds: float, broker: AlpacaBroker) -> None:
        sent = self.control.advance(seconds)["frames_sent"]
        eventually(lambda: broker.stream_status().frames >= sent, what=f"{sent} frames")

    def stop(self) -> None:
        self.server.stop()


class TestAlpacaPaper(BrokerContract, PriceRulesContract, OrderRulesContract):
    """Every case a real account can run, through the paper harness.

    The account-rule cases (BRK-70...) are left out: each sets up an account (asset
    flags, cash or margin, a date before PDT's retirement), which a real paper
    account cannot be made into.
    """

    expected_capabilities = test_alpaca_broker.TestAlpacaBroker.expected_capabilities

    @pytest.fixture
    def make_broker(
        self, request: pytest.FixtureRequest
    ) -> Iterator[Callable[..., PaperHarness]]:
        real = request.param == "paper"
        tag = f"r{secrets.token_hex(4)}" if real else "standin"
        stand_ins: list[StandIn] = []
        made: list[PaperHarness] = []

        def make(*, unlimited: bool = False, **account: Any) -> PaperHarness:
            if account:
                # assets, account type, start date: a real account's are its own.
                pytest.skip(
                    f"sets the account ({', '.join(sorted(account))}): "
                    "emulator harness only"
                )
            if unlimited and real:
                pytest.skip("places hundreds of orders: emulator harness only")
            if real:
                target = paper_target_from_env()
            else:
                stand_ins.append(StandIn())
                target = stand_ins[-1].target()
            harness = PaperHarness(target, tag)
            made.append(harness)
            return harness

        previous = broker_contract.RUN_TAG
        broker_contract.RUN_TAG = f"{tag}-"
        try:
            yield make
        finally:
            broker_contract.RUN_TAG = previous
            for harness in made:
                harness.close()
            for stand_in in stand_ins:
                stand_in.stop()
