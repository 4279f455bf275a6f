"""The Alpaca adapter's settings: endpoints, timeouts, pacing, retries, stream backoff."""

from __future__ import annotations

from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput

PAPER_URL = "https://paper-api.alpaca.markets"
LIVE_URL = "https://api.alpaca.markets"
PAPER_STREAM_URL = "wss://paper-api.alpaca.markets/stream"
LIVE_STREAM_URL = "wss://api.alpaca.markets/stream"


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise InvalidInput(attribute.name, value, "must be a number > 0")


@attrs.frozen(kw_only=True)
class AlpacaConfig:
    """How the adapter talks to Alpaca (no secrets here: see AlpacaCredentials).

    ``base_url`` overrides the REST origin (bare, no ``/v2``, no trailing slash: the
    SDK appends ``/v2``), e.g. an emulator on loopback; ``stream_url`` is then the
    full WebSocket URL.
    """

    paper: bool = attrs.field(default=True, validator=v.instance_of(bool))
    base_url: str | None = None
    stream_url: str | None = None
    #: HTTP timeouts in seconds (alpaca-py has none: a hung server hangs the caller).
    connect_timeout_s: float = attrs.field(default=5.0, validator=_positive)
    read_timeout_s: float = attrs.field(default=15.0, validator=_positive)
    #: Trading API budget, per account (docs/alpaca.md §7), and the burst allowance.
    requests_per_minute: float = attrs.field(default=200.0, validator=_positive)
    burst: int = attrs.field(default=10, validator=_positive)
    #: Attempts for calls that are safe to repeat (reads; any call after a 429).
    attempts: int = attrs.field(default=5, validator=_positive)
    backoff_base_s: float = attrs.field(default=0.25, validator=_positive)
    backoff_max_s: float = attrs.field(default=10.0, validator=_positive)
    #: Stream reconnect backoff: exponential with equal jitter, seeded.
    reconnect_min_s: float = attrs.field(default=1.0, validator=_positive)
    reconnect_max_s: float = attrs.field(default=30.0, validator=_positive)
    seed: int = attrs.field(default=0, validator=v.instance_of(int))

    def __attrs_post_init__(self) -> None:
        if self.base_url is not None and (
            self.base_url.endswith("/") or self.base_url.endswith("/v2")
        ):
            raise InvalidInput(
                "base_url", self.base_url, "give the bare origin: no /v2, no trailing /"
            )
        if (self.base_url is None) != (self.stream_url is None):
            raise InvalidInput(
                "stream_url", self.stream_url, "override both base_url and stream_url"
            )

    @property
    def rest_url(self) -> str:
        """The REST origin in use."""
        if self.base_url is not None:
            return self.base_url
        return PAPER_URL if self.paper else LIVE_URL

    @property
    def trade_stream_url(self) -> str:
        """The trade-updates WebSocket URL in use."""
        if self.stream_url is not None:
            return self.stream_url
        return PAPER_STREAM_URL if self.paper else LIVE_STREAM_URL
