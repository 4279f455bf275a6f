"""Alpaca market data through alpaca-py against the emulator's data endpoints.

The emulator serves the bars and quotes fed through its control API in Alpaca's
wire format; alpaca-py's own client and models parse them (pagination included),
and the adapter stamps every bar and quote with the configured feed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.alpaca_harness import CREDENTIALS, START, adapter_config
from tradecore.adapters.alpaca.bar_feed import AlpacaBarFeed
from tradecore.adapters.alpaca.market_data import AlpacaMarketData
from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.domain.errors import InvalidInput, TradecoreError
from tradecore.domain.market.bars import Provenance
from tradecore.domain.risk.degradation import Health

MINUTE = timedelta(minutes=1)


def _bar(symbol: str, i: int, close: float) -> dict[str, Any]:
    at = START + i * MINUTE
    return {"symbol": symbol, "t": at.isoformat(), "o": close, "h": close + 1} | {
        "l": close - 1,
        "c": close,
        "v": 1000 + i,
    }


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=3, data_page_size=2)) as running:
        control = EmulatorControl(running.base_url)
        control.bars([_bar("AAPL", i, 100.0 + i) for i in range(5)])
        control.bars([_bar("MSFT", 5, 300.0)], through=False)  # still open
        control.quotes(
            [{"symbol": "AAPL", "bp": 104.9, "ap": 105.1, "bs": 300, "as": 200}]
        )
        yield running


def _data(server: EmulatorServer, feed: Provenance) -> AlpacaMarketData:
    return AlpacaMarketData(
        adapter_config(server), CREDENTIALS, feed=feed, base_url=server.base_url
    )


def test_bars_come_paginated_parsed_and_stamped_with_the_feed(
    server: EmulatorServer,
) -> None:
    data = _data(server, Provenance.IEX)
    bars = data.bars("AAPL", START, START + 10 * MINUTE)
    assert [b.close for b in bars] == [100.0, 101.0, 102.0, 103.0, 104.0]
    assert [b.timestamp for b in bars] == [START + i * MINUTE for i in range(5)]
    assert {b.provenance for b in bars} == {Provenance.IEX}
    assert bars[2].volume == 1002
    # end is exclusive; the open MSFT bar is not served before it closes
    assert len(data.bars("AAPL", START, START + 2 * MINUTE)) == 2
    assert data.bars("MSFT", START, START + 10 * MINUTE) == []
    requests = EmulatorControl(server.base_url).state()["requests"]
    assert requests["stock_bars"] >= 3  # 5 bars, pages of 2: the token was followed


def _get(server: EmulatorServer, query: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{server.base_url}/v2/stocks/bars?{query}",
        headers={
            "APCA-API-KEY-ID": CREDENTIALS.key_id,
            "APCA-API-SECRET-KEY": CREDENTIALS.secret_key,
        },
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_the_wire_format_is_alpacas_and_parses_with_alpaca_py_models(
    server: EmulatorServer,
) -> None:
    status, raw = _get(server, "symbols=AAPL,MSFT&timeframe=1Min&limit=3")
    assert status == 200
    first = raw["bars"]["AAPL"][0]
    assert set(first) == {"t", "o", "h", "l", "c", "v", "n", "vw"}
    assert isinstance(first["o"], float)
    assert isinstance(first["v"], int)
    assert first["t"].endswith("Z")
    assert len(raw["bars"]["AAPL"]) == 2
    assert raw["next_page_token"]
    from alpaca.data.models import BarSet  # after the harness: skips without alpaca

    parsed = BarSet(raw["bars"])  # what the client hands its model
    assert parsed.data["AAPL"][1].close == 101.0


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("symbols=AAPL&timeframe=1Min&feed=bogus", "invalid feed"),
        ("symbols=AAPL&timeframe=1Min&page_token=bm9wZQ==", "invalid page_token"),
        ("timeframe=1Min", "symbols is required"),
        ("symbols=AAPL&timeframe=1Min&limit=0", "invalid limit"),
        ("symbols=AAPL&timeframe=1Fortnight", "invalid timeframe"),
        ("symbols=AAPL&timeframe=1Min&start=2026-01-05T14:30:00", "needs a timezone"),
    ],
)
def test_bad_data_requests_get_a_400_naming_the_problem(
    server: EmulatorServer, query: str, reason: str
) -> None:
    status, body = _get(server, query)
    assert status == 400
    assert reason in body["message"]


def test_the_page_size_is_validated() -> None:
    with pytest.raises(InvalidInput, match="data_page_size"):
        EmulatorConfig(data_page_size=0)


def test_latest_quote_carries_the_feed_and_none_when_absent(
    server: EmulatorServer,
) -> None:
    data = _data(server, Provenance.SIP)
    quote = data.latest_quote("AAPL")
    assert quote is not None
    assert (quote.bid, quote.ask, quote.ask_size) == (104.9, 105.1, 200)
    assert quote.provenance is Provenance.SIP
    assert data.latest_quote("MSFT") is None


def test_iex_is_a_degraded_data_regime(server: EmulatorServer) -> None:
    assert _data(server, Provenance.IEX).health is Health.DEGRADED
    assert _data(server, Provenance.DELAYED_SIP).health is Health.DEGRADED
    assert _data(server, Provenance.SIP).health is Health.OK
    with pytest.raises(InvalidInput, match="feed"):
        _data(server, Provenance.FILE)


def test_bad_requests_are_refused_with_the_reason(server: EmulatorServer) -> None:
    data = AlpacaMarketData(
        adapter_config(server),
        CREDENTIALS,
        feed=Provenance.IEX,
        interval=timedelta(minutes=5),
        base_url=server.base_url,
    )
    # 5Min is built from the minute tape; a 2-minute tape cannot make 3Min bars
    assert data.bars("AAPL", START, START + 10 * MINUTE)
    two = EmulatorConfig(seed=3, bar_interval=2 * MINUTE)
    with EmulatorServer(two) as coarse:
        three = AlpacaMarketData(
            adapter_config(coarse),
            CREDENTIALS,
            feed=Provenance.IEX,
            interval=3 * MINUTE,
            base_url=coarse.base_url,
        )
        with pytest.raises(TradecoreError, match="timeframe 3Min is not served"):
            three.bars("AAPL", START, START + 10 * MINUTE)
    with pytest.raises(InvalidInput, match="timezone"):
        data.bars("AAPL", START.replace(tzinfo=None), START + MINUTE)
    with pytest.raises(InvalidInput, match="interval"):
        AlpacaMarketData(
            adapter_config(server),
            CREDENTIALS,
            feed=Provenance.IEX,
            interval=timedelta(seconds=90),
        )


def test_the_bar_feed_serves_each_closed_bar_once_in_time_order(
    server: EmulatorServer,
) -> None:
    data = _data(server, Provenance.IEX)
    control = EmulatorControl(server.base_url)
    feed = AlpacaBarFeed(data, ["MSFT", "AAPL"], start=START)
    first = feed.poll(START + 3 * MINUTE)
    assert [(b.symbol, b.timestamp) for b in first] == [
        ("AAPL", START + i * MINUTE) for i in range(3)
    ]
    assert feed.poll(START + 3 * MINUTE) == []
    control.advance(60)  # the MSFT bar at 5 closes
    later = feed.poll(datetime(2026, 2, 1, tzinfo=UTC))
    assert [(b.symbol, b.timestamp) for b in later] == [
        ("AAPL", START + 3 * MINUTE),
        ("AAPL", START + 4 * MINUTE),
        ("MSFT", START + 5 * MINUTE),
    ]
    assert not feed.exhausted
