"""alpaca-py, imported quietly and configured for production use.

Two SDK defaults are unsafe for an order router (docs/alpaca.md §1, §5.3):

- no HTTP timeout: a hung server hangs the caller forever. We mount a transport
  adapter on the client's ``requests`` session that gives every request a
  (connect, read) timeout;
- blind retries of 429 and 504, POST included, with fixed 3 s sleeps: a 504 on a
  submit that reached the venue is sent again. The SDK exposes no knob; its private
  ``_retry`` attribute is the only lever, so we set it to 0 and retry ourselves, only
  where it is safe. alpaca-py is pinned to 0.44.x, where this attribute is verified.
"""

from __future__ import annotations

import warnings
from typing import Any

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

from tradecore.adapters.alpaca.config import AlpacaConfig
from tradecore.adapters.alpaca.credentials import AlpacaCredentials

with warnings.catch_warnings():
    # TradingStream imports websockets.legacy, deprecated upstream (websockets 14).
    warnings.simplefilter("ignore", DeprecationWarning)
    from alpaca.common.exceptions import APIError
    from alpaca.data.historical.stock import StockHistoricalDataClient
    from alpaca.trading.client import TradingClient
    from alpaca.trading.stream import TradingStream

__all__ = [
    "APIError",
    "StockHistoricalDataClient",
    "TradingClient",
    "TradingStream",
    "make_data_client",
    "make_trading_client",
]


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request the configured timeout unless one was passed."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__(max_retries=0)
        self._timeout = timeout

    def send(  # type: ignore[override]
        self, request: PreparedRequest, **kwargs: Any
    ) -> Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def make_trading_client(
    config: AlpacaConfig, credentials: AlpacaCredentials
) -> TradingClient:
    """Return a TradingClient with real timeouts and without its own retries."""
    client = TradingClient(
        api_key=credentials.key_id,
        secret_key=credentials.secret_key,
        paper=config.paper,
        url_override=config.base_url,
    )
    _harden(client, config)
    return client


def make_data_client(
    config: AlpacaConfig, credentials: AlpacaCredentials, base_url: str | None
) -> StockHistoricalDataClient:
    """Return a StockHistoricalDataClient (``base_url``: an origin override) with
    real timeouts and without its own retries."""
    client = StockHistoricalDataClient(
        api_key=credentials.key_id,
        secret_key=credentials.secret_key,
        url_override=base_url,
    )
    _harden(client, config)
    return client


def _harden(
    client: TradingClient | StockHistoricalDataClient, config: AlpacaConfig
) -> None:
    client._retry = 0
    adapter = _TimeoutAdapter((config.connect_timeout_s, config.read_timeout_s))
    client._session.mount("http://", adapter)
    client._session.mount("https://", adapter)
