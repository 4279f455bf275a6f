"""The emulator's market-data WebSocket, spoken to by alpaca-py's own StockDataStream.

alpaca-py negotiates msgpack; its models must parse the emulator's ``b``/``q``/``t``
messages. A plain client (no msgpack content type) gets JSON text frames. Bars go out
when they close; the data-stream fault control drops connections, and alpaca-py
reconnects by itself.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.alpaca_harness import CREDENTIALS, START, eventually
from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.domain.errors import InvalidInput

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from alpaca.data.live.stock import StockDataStream
    from alpaca.data.models import Bar, Quote, Trade

MINUTE = timedelta(minutes=1)


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=5)) as running:
        yield running


class _Received:
    def __init__(self) -> None:
        self.items: list[Any] = []

    async def add(self, item: Any) -> None:
        self.items.append(item)

    def of(self, kind: type) -> list[Any]:
        return [i for i in self.items if isinstance(i, kind)]


@pytest.fixture
def sdk_stream(server: EmulatorServer) -> Iterator[tuple[StockDataStream, _Received]]:
    stream = StockDataStream(
        CREDENTIALS.key_id,
        CREDENTIALS.secret_key,
        url_override=server.data_stream_url("iex"),
    )
    stream._reconnect_min_backoff = stream._reconnect_max_backoff = 0.05
    received = _Received()
    stream.subscribe_bars(received.add, "AAPL")
    stream.subscribe_quotes(received.add, "AAPL")
    stream.subscribe_trades(received.add, "*")
    thread = threading.Thread(target=stream.run, daemon=True)
    thread.start()
    control = EmulatorControl(server.base_url)
    eventually(lambda: _subscribers(control) == 1, what="the SDK's subscription")
    yield stream, received
    stream.stop()
    control.data_stream("drop")  # wakes the SDK's receive loop so it sees the stop
    thread.join(10)


def _subscribers(control: EmulatorControl) -> int:
    return int(control.data_stream_state()["subscribers"])


def test_alpaca_py_parses_bars_quotes_and_trades(
    server: EmulatorServer, sdk_stream: tuple[StockDataStream, _Received]
) -> None:
    _, received = sdk_stream
    control = EmulatorControl(server.base_url)
    control.bars([{"symbol": "AAPL", "o": 10, "h": 12, "l": 9, "c": 11, "v": 500}])
    control.bars([{"symbol": "MSFT", "o": 1, "h": 2, "l": 1, "c": 2}])  # not subscribed
    control.quotes([{"symbol": "AAPL", "bp": 10.9, "ap": 11.1, "bs": 3, "as": 4}])
    control.trades([{"symbol": "MSFT", "p": 2.5, "s": 100}])
    eventually(lambda: len(received.items) == 3, what="bar, quote and trade")
    (bar,) = received.of(Bar)
    assert (bar.symbol, bar.timestamp, bar.open, bar.high) == ("AAPL", START, 10, 12)
    assert (bar.low, bar.close, bar.volume) == (9, 11, 500)
    (quote,) = received.of(Quote)
    assert (quote.bid_price, quote.ask_price, quote.bid_size, quote.ask_size) == (
        10.9,
        11.1,
        3,
        4,
    )
    assert quote.timestamp == START + 2 * MINUTE  # after the two bars passed
    (trade,) = received.of(Trade)
    assert (trade.symbol, trade.price, trade.size, trade.id) == ("MSFT", 2.5, 100, 1)


def test_a_bar_goes_out_when_it_closes(
    server: EmulatorServer, sdk_stream: tuple[StockDataStream, _Received]
) -> None:
    _, received = sdk_stream
    control = EmulatorControl(server.base_url)
    control.bars([{"symbol": "AAPL", "o": 1, "h": 1, "l": 1, "c": 1}], through=False)
    control.quotes([{"symbol": "AAPL", "bp": 1, "ap": 1.1, "bs": 1, "as": 1}])
    eventually(lambda: len(received.items) == 1, what="the quote")
    assert received.of(Bar) == []  # still open
    control.advance(60)
    eventually(lambda: len(received.of(Bar)) == 1, what="the closed bar")


def test_a_dropped_stream_reconnects_and_later_bars_arrive(
    server: EmulatorServer, sdk_stream: tuple[StockDataStream, _Received]
) -> None:
    _, received = sdk_stream
    control = EmulatorControl(server.base_url)
    dropped = control.data_stream("drop")
    assert dropped["dropped"] == 1
    eventually(lambda: _subscribers(control) == 1, what="the SDK's reconnection")
    control.bars([{"symbol": "AAPL", "o": 1, "h": 1, "l": 1, "c": 1}])
    eventually(lambda: len(received.of(Bar)) == 1, what="a bar after the drop")
    assert control.data_stream_state()["connections"] == 2


def _json_client(server: EmulatorServer, feed: str = "sip") -> Any:
    # Imported here: the harness import above skips (or, on CI, fails) without
    # the alpaca extra, which brings websockets.
    from websockets.sync.client import connect

    return connect(server.data_stream_url(feed), open_timeout=5)


def test_a_json_client_gets_text_frames_and_the_handshake(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    with _json_client(server) as ws:
        assert json.loads(ws.recv(5)) == [{"T": "success", "msg": "connected"}]
        auth = {"action": "auth", "key": CREDENTIALS.key_id}
        ws.send(json.dumps(auth | {"secret": CREDENTIALS.secret_key}))
        assert json.loads(ws.recv(5)) == [{"T": "success", "msg": "authenticated"}]
        ws.send(json.dumps({"action": "subscribe", "bars": ["*"], "trades": ["AAPL"]}))
        (ack,) = json.loads(ws.recv(5))
        assert ack["T"] == "subscription"
        assert (ack["bars"], ack["trades"], ack["quotes"]) == (["*"], ["AAPL"], [])
        assert ack["corrections"] == ack["cancelErrors"] == ["AAPL"]
        control.bars([{"symbol": "MSFT", "o": 1, "h": 2, "l": 0.5, "c": 1.5}])
        (bar,) = json.loads(ws.recv(5))
        assert bar == {
            "T": "b",
            "S": "MSFT",
            "o": 1.0,
            "h": 2.0,
            "l": 0.5,
            "c": 1.5,
            "v": 1_000_000,
            "t": "2026-01-05T14:30:00Z",
            "n": None,
            "vw": None,
        }
        ws.send("not json")
        assert json.loads(ws.recv(5))[0]["code"] == 400


def test_the_handshake_refuses_bad_credentials_and_early_subscribes(
    server: EmulatorServer,
) -> None:
    with _json_client(server) as ws:
        ws.recv(5)
        ws.send(json.dumps({"action": "auth", "key": "nope", "secret": "nope"}))
        assert json.loads(ws.recv(5)) == [
            {"T": "error", "code": 402, "msg": "auth failed"}
        ]
    with _json_client(server, "iex") as ws:
        ws.recv(5)
        ws.send(json.dumps({"action": "subscribe", "bars": ["AAPL"]}))
        assert json.loads(ws.recv(5))[0]["code"] == 401


def test_down_refuses_connections_until_up_and_bad_controls_are_named(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    control.data_stream("down")
    assert control.state()["faults"]["data_stream_down"] is True
    with pytest.raises(Exception, match="503"):
        _json_client(server)
    control.data_stream("up")
    with _json_client(server) as ws:
        assert json.loads(ws.recv(5))[0]["msg"] == "connected"
    with pytest.raises(InvalidInput, match="drop, down or up"):
        control.data_stream("explode")
    with pytest.raises(InvalidInput, match="needs 'p'"):
        control.trades([{"symbol": "AAPL", "s": 1}])
