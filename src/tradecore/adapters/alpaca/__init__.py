"""The Alpaca adapter: the Broker port over alpaca-py (REST and trade-updates stream).

In a notebook, against the emulator::

    from tradecore.adapters.alpaca import AlpacaBroker, AlpacaConfig, AlpacaCredentials

    config = AlpacaConfig(base_url=server.base_url, stream_url=server.stream_url)
    with AlpacaBroker(config, AlpacaCredentials(key_id=..., secret_key=...)) as broker:
        broker.connect()
        ack = broker.submit("my-id-1", tc.OrderSpec(symbol="AAPL", side="buy", qty=1))
        events = broker.poll_events()
"""

# _sdk first: it imports alpaca-py with its deprecation warning silenced.
from tradecore.adapters.alpaca import _sdk  # noqa: F401
from tradecore.adapters.alpaca.broker import AlpacaBroker
from tradecore.adapters.alpaca.config import AlpacaConfig
from tradecore.adapters.alpaca.credentials import AlpacaCredentials
from tradecore.adapters.alpaca.ratelimit import TokenBucket
from tradecore.adapters.alpaca.stream import StreamStatus

__all__ = [
    "AlpacaBroker",
    "AlpacaConfig",
    "AlpacaCredentials",
    "StreamStatus",
    "TokenBucket",
]
