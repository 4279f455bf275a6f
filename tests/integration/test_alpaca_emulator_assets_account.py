"""The emulator's assets and account as alpaca-py reads them, dated where Alpaca is.

``GET /v2/assets`` (with the ``status``/``asset_class`` filters alpaca-py sends) and
``GET /v2/assets/{symbol_or_id}`` in alpaca-py's ``Asset`` shape, 404 for an unknown
asset; ``GET /v2/account`` with the configured multiplier and shorting flag, and the
pattern-day-trader fields only before 2026-07-06, when Alpaca removed them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from alpaca.trading.enums import AssetClass, AssetStatus
from alpaca.trading.requests import GetAssetsRequest

from tests.alpaca_harness import CREDENTIALS, AlpacaHarness
from tradecore.adapters.alpaca._sdk import APIError, TradingClient
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags

PDT_KEYS = {"pattern_day_trader", "daytrade_count", "daytrading_buying_power"}


def client_of(h: AlpacaHarness) -> TradingClient:
    client = TradingClient(
        CREDENTIALS.key_id, CREDENTIALS.secret_key, url_override=h.server.base_url
    )
    client._retry = 0
    return client


@pytest.fixture(scope="module")
def harness() -> Iterator[AlpacaHarness]:
    assets = {
        "AAPL": AssetFlags(symbol="AAPL", shortable=False, easy_to_borrow=False),
        "OLD": AssetFlags(symbol="OLD", status="inactive", tradable=False),
    }
    h = AlpacaHarness("ideal", emulator={"assets": assets})
    yield h
    h.close()


def test_assets_list_and_filter_as_alpaca_py_sends_them(harness) -> None:
    client = client_of(harness)
    everything = client.get_all_assets()
    assert [a.symbol for a in everything] == ["AAPL", "MSFT", "OLD"]
    active = client.get_all_assets(
        GetAssetsRequest(status=AssetStatus.ACTIVE, asset_class=AssetClass.US_EQUITY)
    )
    assert [a.symbol for a in active] == ["AAPL", "MSFT"]
    crypto = client.get_all_assets(GetAssetsRequest(asset_class=AssetClass.CRYPTO))
    assert crypto == []


def test_one_asset_by_symbol_or_id_carries_its_flags(harness) -> None:
    client = client_of(harness)
    aapl = client.get_asset("AAPL")
    assert (aapl.shortable, aapl.easy_to_borrow, aapl.tradable) == (False, False, True)
    assert aapl.asset_class is AssetClass.US_EQUITY
    assert client.get_asset(aapl.id).symbol == "AAPL"
    old = client.get_asset("OLD")
    assert old.status is AssetStatus.INACTIVE
    assert not old.tradable


def test_an_unknown_asset_is_alpacas_404(harness) -> None:
    with pytest.raises(APIError) as missing:
        client_of(harness).get_asset("ZZZZ")
    assert missing.value.status_code == 404
    assert missing.value.code == 40410000


def test_the_pdt_fields_are_sent_before_2026_07_06(harness) -> None:
    raw = client_of(harness).get("/account")
    assert set(raw) >= PDT_KEYS
    account = client_of(harness).get_account()
    assert account.daytrade_count == 0
    assert account.pattern_day_trader is False
    assert account.multiplier == "4"
    assert account.shorting_enabled is True


def test_a_cash_account_after_2026_07_06_lacks_them() -> None:
    start = datetime(2026, 7, 7, 14, 30, tzinfo=UTC)
    account = AccountFlags(multiplier=1, shorting_enabled=False)
    h = AlpacaHarness("ideal", emulator={"start": start, "account": account})
    try:
        raw = client_of(h).get("/account")
        assert not PDT_KEYS & set(raw)
        parsed = client_of(h).get_account()
        assert parsed.daytrade_count is None
        assert parsed.pattern_day_trader is None
        assert (parsed.multiplier, parsed.shorting_enabled) == ("1", False)
        assert Decimal(parsed.buying_power) == Decimal(parsed.cash)
    finally:
        h.close()
