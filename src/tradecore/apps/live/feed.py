"""Where ``tradecore-live run`` gets its bars: recorded files, or Alpaca's data API.

``--data DIR`` replays a recorded stream on a virtual clock that starts at the first
bar (paper trading and the parity check over recorded data). ``--feed alpaca`` polls
Alpaca's data API (REST, once per bar interval) on the wall clock, for the symbols
named, from ``--since`` (the strategy's warm-up window) on; the feed (``[data] feed``:
iex, sip, delayed_sip) is recorded on every bar, and IEX-only or delayed data is
announced as a degraded-data regime at start.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from tradecore.adapters.clock import SystemClock
from tradecore.adapters.data.bar_files import load_bar_files
from tradecore.adapters.data.recorded_feed import RecordedBarFeed
from tradecore.adapters.sim import SimClock
from tradecore.apps.config.settings import Settings
from tradecore.apps.replay.venue import bar_interval
from tradecore.apps.wiring.calendars import calendars_for_span, frames_span
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Provenance
from tradecore.domain.risk.degradation import Health
from tradecore.ports.bar_feed import BarFeed
from tradecore.ports.clock import Clock

#: Bars fetched before the first cycle when ``--since`` is not given.
WARM_UP_BARS = 200


@attrs.frozen
class BarSource:
    """A bar feed with the clock it runs on and the interval between cycles."""

    feed: BarFeed
    clock: Clock
    interval: timedelta
    frames: Sequence[BarFrame]
    #: One line for the operator: where the bars come from and the data regime.
    note: str
    #: Releases what the feed holds open (the market-data stream's thread).
    close: Callable[[], None] = lambda: None


def recorded_source(bars: Path, calendar: str) -> BarSource:
    """Bar files released as each bar closes on a virtual clock.

    A bar closes at the end of its part in a session of ``calendar`` (a daily bar at
    its session's close), as the replay of the same files knows it.
    """
    frames = load_bar_files(bars)
    interval = bar_interval(frames)
    span = frames_span(frames)
    if span is None:
        raise ConfigurationError(f"--data {bars}: no bars")
    clock = SimClock(span[0])
    market = calendars_for_span(calendar, *span).regular
    return BarSource(
        RecordedBarFeed(frames, interval, market),
        clock,
        interval,
        frames,
        f"data: recorded bars from {bars}",
    )


def alpaca_source(
    settings: Settings,
    symbols: Sequence[str],
    since: datetime | None,
    interval: timedelta,
) -> BarSource:
    """Alpaca's data API, polled on the wall clock.

    Raises:
        ConfigurationError: no symbols, or missing Alpaca keys.
    """
    # Imported here: alpaca-py is an optional extra.
    from tradecore.adapters.alpaca.bar_feed import AlpacaBarFeed

    if not symbols:
        raise ConfigurationError(
            "--feed alpaca needs the symbols to trade: --symbols AAPL,MSFT"
        )
    _, _, data = alpaca_market_data(settings, interval)
    clock = SystemClock()
    start = since or clock.now() - WARM_UP_BARS * interval
    note = (
        f"data: alpaca feed {data.provenance.value}, polled every {interval}: "
        f"{data_regime(data.health)}"
    )
    return BarSource(
        AlpacaBarFeed(data, symbols, start=start), clock, interval, [], note
    )


def alpaca_market_data(settings: Settings, interval: timedelta) -> tuple[Any, Any, Any]:
    """The adapter config, credentials and REST data client ``[data]`` names.

    Returned untyped: alpaca-py is an optional extra, imported only when used.

    Raises:
        ConfigurationError: missing Alpaca keys.
    """
    from tradecore.adapters.alpaca.config import AlpacaConfig
    from tradecore.adapters.alpaca.market_data import AlpacaMarketData, RecentSip
    from tradecore.apps.config.secrets import alpaca_credentials

    broker = settings.broker
    config = AlpacaConfig(
        paper=not broker.live, base_url=broker.base_url, stream_url=broker.stream_url
    )
    credentials = alpaca_credentials(os.environ)
    data = AlpacaMarketData(
        config,
        credentials,
        feed=Provenance(settings.data.feed),
        interval=interval,
        adjustment=settings.data.adjustment,
        recent_sip=RecentSip(settings.data.recent_sip),
        base_url=settings.data.base_url or broker.base_url,
    )
    return config, credentials, data


def data_regime(health: Health) -> str:
    """How the operator is told which data regime the feed puts the engine in."""
    if health is Health.DEGRADED:
        return "degraded-data regime (IEX-only or delayed)"
    return "full data"


def parse_since(text: str | None) -> datetime | None:
    """``--since`` as an aware UTC datetime.

    Raises:
        ConfigurationError: not an ISO 8601 date-time, or without a time zone.
    """
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(
            f"--since {text!r} is not an ISO 8601 date-time"
        ) from None
    if at.tzinfo is None:
        raise ConfigurationError(f"--since {text!r} needs a time zone (e.g. Z)")
    return at.astimezone(UTC)
