"""``tradecore-live run --feed alpaca-stream`` (or ``[data] mode = "stream"``).

Bars come over Alpaca's market-data WebSocket (alpaca-py's ``StockDataStream``),
buffered by a background thread; the warm-up window and every reconnect gap are
backfilled over the REST data API, so no bar is lost or served twice (see
:mod:`tradecore.adapters.alpaca.stream_bar_feed`). The stream serves the ``iex`` and
``sip`` feeds; ``delayed_sip`` is polled only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tradecore.adapters.clock import SystemClock
from tradecore.apps.config.settings import Settings
from tradecore.apps.live.feed import (
    WARM_UP_BARS,
    BarSource,
    alpaca_market_data,
    data_regime,
)
from tradecore.domain.errors import ConfigurationError, InvalidInput
from tradecore.ports.alerts import Alerter
from tradecore.ports.bar_feed import BarFeed
from tradecore.ports.trading_status import TradingStatusView


def trading_status_of(feed: BarFeed) -> TradingStatusView | None:
    """The feed's halts, if it reports any (the Alpaca stream feed does)."""
    if callable(getattr(feed, "halted", None)):
        return feed  # type: ignore[return-value]  # duck-typed: it has halted()
    return None


def attach_alerter(component: object, alerter: Alerter) -> None:
    """Give ``component`` the alert router if it takes one (``set_alerter``)."""
    setter = getattr(component, "set_alerter", None)
    if callable(setter):
        setter(alerter)


def alpaca_stream_source(
    settings: Settings,
    symbols: Sequence[str],
    since: datetime | None,
    interval: timedelta,
) -> BarSource:
    """Alpaca's market-data stream on the wall clock (it connects at the first poll).

    Raises:
        ConfigurationError: no symbols, missing keys, or a feed the stream lacks.
    """
    # Imported here: alpaca-py is an optional extra.
    from tradecore.adapters.alpaca.stream_bar_feed import (
        AlpacaStreamBarFeed,
        stream_url_for,
    )

    if not symbols:
        raise ConfigurationError(
            "--feed alpaca-stream needs the symbols to trade: --symbols AAPL,MSFT"
        )
    config, credentials, data = alpaca_market_data(settings, interval)
    url = settings.data.stream_url or stream_url_for(
        data.provenance, settings.data.base_url or settings.broker.base_url
    )
    clock = SystemClock()
    start = since or clock.now() - WARM_UP_BARS * interval
    try:
        feed = AlpacaStreamBarFeed(
            data,
            symbols,
            start=start,
            config=config,
            credentials=credentials,
            stream_url=url,
        )
    except InvalidInput as e:
        raise ConfigurationError(
            f"[data] feed = {settings.data.feed!r}: {e.reason}; poll it with "
            '--feed alpaca ([data] mode = "poll")'
        ) from None
    note = (
        f"data: alpaca feed {data.provenance.value}, streamed from {url} "
        f"(gaps backfilled over REST), bars every {interval}: "
        f"{data_regime(data.health)}"
    )
    return BarSource(feed, clock, interval, [], note, close=feed.close)
