"""Where ``tradecore-live run`` gets its bars: files, or Alpaca's data API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tradecore.apps.config.settings import Settings
from tradecore.apps.live.feed import (
    BarSource,
    alpaca_source,
    parse_since,
    recorded_source,
)
from tradecore.apps.live.stream_feed import alpaca_stream_source
from tradecore.domain.errors import ConfigurationError


def choose_source(
    settings: Settings,
    bars: Path | None,
    feed: str,
    symbols: list[str] | None,
    since: str | None,
    interval_minutes: int,
    emulator: bool,
) -> BarSource:
    """The recorded stream (``--data``) or Alpaca's data API (``--feed alpaca``),
    polled, or streamed (``--feed alpaca-stream`` or ``[data] mode = "stream"``)."""
    if feed in ("alpaca", "alpaca-stream"):
        if bars is not None or emulator:
            raise ConfigurationError(
                "--feed alpaca reads bars from Alpaca's data API: drop --data and "
                "--emulator (the emulator already serves the bars posted to it)"
            )
        if settings.broker.kind == "simulated":
            raise ConfigurationError(
                "--feed alpaca trades at Alpaca: set [broker] kind = 'alpaca' or "
                "pass --dry-run with [broker] kind = 'none'"
            )
        if interval_minutes < 1:
            raise ConfigurationError(f"--interval-minutes {interval_minutes}: >= 1")
        interval = timedelta(minutes=interval_minutes)
        if feed == "alpaca-stream" or settings.data.mode == "stream":
            return alpaca_stream_source(
                settings, symbols or [], parse_since(since), interval
            )
        return alpaca_source(settings, symbols or [], parse_since(since), interval)
    if feed != "files":
        raise ConfigurationError(
            f"--feed {feed!r}: expected 'files', 'alpaca' or 'alpaca-stream'"
        )
    if bars is None:
        raise ConfigurationError("give --data DIR (a recorded stream) or --feed alpaca")
    return recorded_source(bars, settings.market.calendar)
