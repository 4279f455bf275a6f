"""AlpacaStreamBarFeed against the emulator: bars pushed over alpaca-py's data stream,
the warm-up and every reconnect gap backfilled over REST, nothing lost or repeated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.alpaca_harness import CREDENTIALS, START, adapter_config, eventually
from tradecore.adapters.alpaca.credentials import AlpacaCredentials
from tradecore.adapters.alpaca.market_data import AlpacaMarketData
from tradecore.adapters.alpaca.stream_bar_feed import (
    AlpacaStreamBarFeed,
    stream_url_for,
)
from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.domain.errors import AuthenticationFailed, InvalidInput
from tradecore.domain.market.bars import Bar, Provenance

MINUTE = timedelta(minutes=1)
SYMBOLS = ["AAPL", "MSFT"]


def _bars(first: int, last: int) -> list[dict[str, Any]]:
    """Bars ``first..last`` (minute index) of both symbols, closes encoding the index."""
    return [
        {"symbol": s, "t": (START + i * MINUTE).isoformat(), "o": p, "h": p + 1}
        | {"l": p - 1, "c": p, "v": 100 + i}
        for i in range(first, last + 1)
        for s, p in ((s, (100.0 if s == "AAPL" else 300.0) + i) for s in SYMBOLS)
    ]


def _post(control: EmulatorControl, first: int, last: int) -> None:
    """Post bars ``first..last`` and let them close (the stream pushes them then)."""
    control.bars(_bars(first, last), through=False)
    control.advance_to(START + (last + 1) * MINUTE)


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=9, start=START)) as running:
        yield running


def _feed(
    server: EmulatorServer,
    feed: Provenance = Provenance.SIP,
    credentials: AlpacaCredentials = CREDENTIALS,
) -> AlpacaStreamBarFeed:
    config = adapter_config(server, seed=11)
    data = AlpacaMarketData(config, CREDENTIALS, feed=feed, base_url=server.base_url)
    return AlpacaStreamBarFeed(
        data,
        SYMBOLS,
        start=START,
        config=config,
        credentials=credentials,
        stream_url=stream_url_for(feed, server.base_url),
    )


def _drain(feed: AlpacaStreamBarFeed, now: datetime, count: int) -> list[Bar]:
    got: list[Bar] = []

    def more() -> bool:
        got.extend(feed.poll(now))
        return len(got) >= count

    eventually(more, what=f"{count} bars")
    return got


def _expected(first: int, last: int) -> list[tuple[str, datetime]]:
    return [(s, START + i * MINUTE) for i in range(first, last + 1) for s in SYMBOLS]


def _keys(bars: list[Bar]) -> list[tuple[str, datetime]]:
    return [(b.symbol, b.timestamp) for b in bars]


def test_bars_arrive_in_order_warm_up_backfilled_then_streamed(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    _post(control, 0, 2)  # before the feed exists: only REST has them
    feed = _feed(server).start()
    try:
        eventually(lambda: feed.status().subscriptions == 1, what="the subscription")
        _post(control, 3, 5)
        eventually(lambda: feed.status().streamed == 6, what="streamed bars")
        later = START + 60 * MINUTE
        got = _drain(feed, later, 12)
        assert feed.poll(later) == []
    finally:
        feed.close()
    assert _keys(got) == _expected(0, 5)
    assert [b.close for b in got if b.symbol == "AAPL"] == [100.0 + i for i in range(6)]
    assert {b.provenance for b in got} == {Provenance.SIP}
    status = feed.status()
    assert (status.streamed, status.backfilled) == (6, 6)


def test_while_the_stream_is_down_the_feed_polls_closed_bars_over_rest(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    control.data_stream("down")
    _post(control, 0, 3)
    feed = _feed(server)
    try:
        assert _keys(feed.poll(START + 2 * MINUTE)) == _expected(0, 1)
        assert _keys(feed.poll(START + 4 * MINUTE)) == _expected(2, 3)
        assert feed.poll(START + 10 * MINUTE) == []
        status = feed.status()
    finally:
        feed.close()
    assert (status.connections, status.streamed, status.backfilled) == (0, 0, 8)
    assert status.backfills == 3


def test_a_stream_drop_mid_run_loses_no_bar_and_duplicates_none(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    feed = _feed(server).start()
    later = START + 60 * MINUTE
    try:
        eventually(lambda: feed.status().subscriptions == 1, what="the subscription")
        _post(control, 0, 2)
        eventually(lambda: feed.status().streamed == 6, what="the first bars")
        # The stream goes down: bars 3-5 are pushed to no one (Alpaca keeps none).
        control.data_stream("down")
        eventually(lambda: not feed.status().connected, what="the drop")
        _post(control, 3, 5)
        assert control.data_stream_state()["subscribers"] == 0
        control.data_stream("up")
        eventually(lambda: feed.status().subscriptions == 2, what="the resubscription")
        _post(control, 6, 7)
        eventually(lambda: feed.status().streamed == 10, what="bars after the gap")
        got = _drain(feed, later, 16)
        assert feed.poll(later) == []
    finally:
        feed.close()
    assert _keys(got) == _expected(0, 7)
    assert len(set(_keys(got))) == len(got)
    status = feed.status()
    assert status.connections == 2
    # bars 3-5 came from the backfill; 0-2 and 6-7 arrived over both paths once each
    assert status.streamed == 10
    assert status.backfilled == 6
    assert status.duplicates >= 10


def test_refused_credentials_stop_the_stream_and_fail_the_poll(
    server: EmulatorServer,
) -> None:
    wrong = AlpacaCredentials(key_id=CREDENTIALS.key_id, secret_key="wrong")
    feed = _feed(server, credentials=wrong).start()
    try:
        eventually(lambda: feed.status().auth_failed, what="the refusal")
        with pytest.raises(AuthenticationFailed, match="credentials refused"):
            feed.poll(START + MINUTE)
    finally:
        feed.close()
    assert feed.status().connections == 0


def test_bad_construction_is_refused(server: EmulatorServer) -> None:
    with pytest.raises(InvalidInput, match="iex or sip"):
        _feed(server, feed=Provenance.DELAYED_SIP)
    config = adapter_config(server)
    data = AlpacaMarketData(config, CREDENTIALS, feed=Provenance.IEX)
    with pytest.raises(InvalidInput, match="at least one symbol"):
        AlpacaStreamBarFeed(
            data,
            [],
            start=START,
            config=config,
            credentials=CREDENTIALS,
            stream_url="ws://127.0.0.1:1/v2/iex",
        )
    assert stream_url_for(Provenance.IEX, None) == (
        "wss://stream.data.alpaca.markets/v2/iex"
    )
    assert stream_url_for(Provenance.SIP, "http://127.0.0.1:9") == (
        "ws://127.0.0.1:9/v2/sip"
    )


def test_repeated_drops_while_bars_flow_lose_and_repeat_nothing(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    feed = _feed(server)
    later = START + 60 * MINUTE
    got: list[Bar] = []
    try:
        got += feed.poll(later)  # starts the stream
        eventually(lambda: feed.status().subscriptions == 1, what="the subscription")
        for i in range(8):
            _post(control, i, i)
            if i % 2:  # drop right after the push: the reconnect races the next bars
                control.data_stream("drop")
            got += feed.poll(later)
        eventually(lambda: feed.status().connected, what="the last reconnection")
        got += _drain(feed, later, 16 - len(got))
        assert feed.poll(later) == []
    finally:
        feed.close()
    assert _keys(got) == _expected(0, 7)
    assert feed.status().connections >= 2


def test_reconnect_delays_are_seeded_exponential_and_capped(
    server: EmulatorServer,
) -> None:
    def delays() -> list[float]:
        feed = _feed(server)  # never started: next_delay is pure arithmetic here
        return [feed.next_delay(n) for n in range(1, 9)]

    first, second = delays(), delays()
    assert first == second  # same seed, same jitter
    low, high = 0.02, 0.2  # adapter_config's reconnect_min_s / reconnect_max_s
    for n, delay in enumerate(first, start=1):
        ceiling = min(high, low * 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert max(first) <= high


def test_a_resubscription_during_a_poll_defers_serving_until_backfilled(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    control = EmulatorControl(server.base_url)
    control.data_stream("down")  # the stream never connects: REST only
    _post(control, 0, 1)
    feed = _feed(server)
    later = START + 60 * MINUTE
    fetch = AlpacaMarketData.bars_of

    def resubscribed_meanwhile(data: AlpacaMarketData, *args: Any) -> Any:
        found = fetch(data, *args)
        feed.subscribed()  # as the stream thread would, mid-poll
        return found

    try:
        monkeypatch.setattr(AlpacaMarketData, "bars_of", resubscribed_meanwhile)
        assert feed.poll(later) == []  # the gap flag is up again: serve nothing yet
        monkeypatch.setattr(AlpacaMarketData, "bars_of", fetch)
        assert _keys(feed.poll(later)) == _expected(0, 1)
    finally:
        feed.close()
