"""AlpacaMarketData: the MarketData port over alpaca-py's StockHistoricalDataClient.

Every bar and quote carries the configured feed as its provenance (``iex``,
``sip`` or ``delayed_sip``); IEX-only data (one exchange, ~2.5 % of volume) and
15-minute-late SIP are a degraded-data regime (:func:`feed_health`), which the
apps report at start and the execution policy treats cautiously. Requests are paced
by their own limiter (the data API's budget is separate from trading's, docs/alpaca.md
§7), translated into domain errors, and repeated with jittered backoff (reads are
safe to repeat). The streaming client is :mod:`.stream_bar_feed`, which
backfills its gaps through this class.

Bars come in the configured interval (1-59 min, 1-23 h, 1 day; :meth:`daily_bars`
for daily bars whatever the interval) and ``adjustment`` (raw, split, dividend,
all: Alpaca back-adjusts for splits and dividends, alpacahq/alpaca-docs
``stock-pricing-data/historical.md``). Recent SIP data needs Alpaca's SIP
subscription: without it ``feed=sip`` with an ``end`` in the last 15 minutes is
refused 403 ``{"code": 42210000, "message": "subscription does not permit querying
recent SIP data"}`` (alpacahq/alpaca-skills ``market-data`` SKILL.md; Alpaca's
Market Data FAQ). That is :class:`DataSubscriptionRequired` (condition
``recent_sip``), never a credentials failure; with ``recent_sip=DELAYED`` the
request is repeated without ``end``, which Alpaca then defaults to 15 minutes ago,
so the newest 15 minutes are simply not there yet.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import numpy as np
import pydantic
import requests
from alpaca.data.enums import Adjustment, DataFeed
from alpaca.data.models import Bar as SdkBar
from alpaca.data.models import Quote as SdkQuote
from alpaca.data.requests import StockBarsRequest, StockLatestQuoteRequest
from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

from tradecore.adapters.alpaca._sdk import APIError, make_data_client
from tradecore.adapters.alpaca.config import AlpacaConfig
from tradecore.adapters.alpaca.credentials import AlpacaCredentials
from tradecore.adapters.alpaca.errors import (
    Operation,
    error_body,
    error_code,
    translate,
)
from tradecore.adapters.alpaca.mapping import utc
from tradecore.adapters.alpaca.ratelimit import TokenBucket
from tradecore.domain.backoff import backoff_delays
from tradecore.domain.errors import (
    DataSubscriptionRequired,
    InvalidInput,
    RateLimited,
)
from tradecore.domain.market.bars import Bar, Provenance, Quote
from tradecore.domain.risk.degradation import Health, feed_health
from tradecore.ports.market_data import MarketData
from tradecore.ports.rate_limit import RateLimiter

T = TypeVar("T")
log = logging.getLogger(__name__)
#: Alpaca's answer to recent SIP data without the subscription (module docstring).
RECENT_SIP_STATUS, RECENT_SIP_CODE = 403, 42210000
#: The ``adjustment`` values of the bars endpoints.
ADJUSTMENTS = {a.value: a for a in Adjustment}


class RecentSip(enum.Enum):
    """What to do when recent SIP data is refused (no SIP subscription)."""

    #: Raise :class:`DataSubscriptionRequired` (condition ``recent_sip``).
    REFUSE = "refuse"
    #: Ask again without ``end``: Alpaca serves up to 15 minutes ago.
    DELAYED = "delayed"


#: The feeds a tradecore config may name, as alpaca-py's enum.
FEEDS: dict[Provenance, DataFeed] = {
    Provenance.IEX: DataFeed.IEX,
    Provenance.SIP: DataFeed.SIP,
    Provenance.DELAYED_SIP: DataFeed.DELAYED_SIP,
}
#: Free-plan data API budget (docs/alpaca.md §7).
DATA_REQUESTS_PER_MINUTE = 200.0
_FAILURES = (APIError, requests.RequestException, pydantic.ValidationError, TypeError)


def timeframe(interval: timedelta) -> TimeFrame:
    """alpaca-py's TimeFrame for a bar ``interval`` (whole minutes, hours or a day).

    Raises:
        InvalidInput: the interval is not 1–59 min, 1–23 h or 1 day.
    """
    minutes, rest = divmod(int(interval.total_seconds()), 60)
    if rest == 0 and 1 <= minutes < 60:
        return TimeFrame(minutes, TimeFrameUnit.Minute)
    if rest == 0 and minutes % 60 == 0 and 1 <= minutes // 60 < 24:
        return TimeFrame(minutes // 60, TimeFrameUnit.Hour)
    if interval == timedelta(days=1):
        return TimeFrame(1, TimeFrameUnit.Day)
    raise InvalidInput("bar interval", interval, "must be 1-59 min, 1-23 h or 1 day")


def _naive_check(name: str, at: datetime) -> None:
    if at.tzinfo is None:
        raise InvalidInput(name, at, "must be timezone-aware (UTC)")


class AlpacaMarketData(MarketData):
    """Bars and latest quotes from Alpaca's data API, for one feed and bar interval."""

    def __init__(
        self,
        config: AlpacaConfig,
        credentials: AlpacaCredentials,
        *,
        feed: Provenance,
        interval: timedelta = timedelta(minutes=1),
        adjustment: str = "raw",
        recent_sip: RecentSip = RecentSip.REFUSE,
        base_url: str | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Build the data client; ``base_url`` overrides the data origin (emulator).

        Raises:
            InvalidInput: ``feed`` is not iex, sip or delayed_sip, a bad interval,
                or an ``adjustment`` other than raw, split, dividend or all.
        """
        if feed not in FEEDS:
            raise InvalidInput("feed", feed, "must be iex, sip or delayed_sip")
        if adjustment not in ADJUSTMENTS:
            raise InvalidInput(
                "adjustment", adjustment, f"one of {sorted(ADJUSTMENTS)}"
            )
        self.adjustment = ADJUSTMENTS[adjustment]
        self.recent_sip = recent_sip
        self.provenance = feed
        self.interval = interval
        self._timeframe = timeframe(interval)
        self._client = make_data_client(config, credentials, base_url)
        self._config = config
        self._limiter = limiter or TokenBucket.per_minute(DATA_REQUESTS_PER_MINUTE)
        self._sleep = sleep
        self._rng = np.random.default_rng(config.seed)

    @property
    def health(self) -> Health:
        """DEGRADED for IEX-only or delayed data (see the module docstring)."""
        return feed_health(self.provenance)

    def bars(self, symbol: str, start: datetime, end: datetime) -> Sequence[Bar]:
        """Return ``symbol``'s bars with ``start <= timestamp < end``, in time order."""
        return self.bars_of([symbol], start, end).get(symbol, [])

    def daily_bars(
        self, symbols: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[Bar]]:
        """Daily bars (stamped at midnight New York time), ``start <= t < end``."""
        return self.bars_of(symbols, start, end, timeframe=TimeFrame.Day)

    def bars_of(
        self,
        symbols: Sequence[str],
        start: datetime,
        end: datetime,
        *,
        timeframe: TimeFrame | None = None,
    ) -> dict[str, list[Bar]]:
        """Bars of several symbols in one (paginated) request, ``start <= t < end``.

        Raises:
            InvalidInput: a naive bound, or ``start > end``.
            DataSubscriptionRequired: recent SIP data without the subscription
                (``recent_sip=REFUSE``).
        """
        _naive_check("start", start)
        _naive_check("end", end)
        if start > end:
            raise InvalidInput("start", start, f"is after end {end}")
        if start == end or not symbols:
            return {}
        request = StockBarsRequest(
            symbol_or_symbols=list(symbols),
            timeframe=timeframe or self._timeframe,
            start=start,
            end=end,
            feed=FEEDS[self.provenance],
            adjustment=self.adjustment,
        )
        try:
            barset = self._call(lambda: self._client.get_stock_bars(request))
        except DataSubscriptionRequired:
            if self.recent_sip is RecentSip.REFUSE:
                raise
            log.warning("no SIP subscription: bars up to 15 minutes ago only")
            delayed = request.model_copy(update={"end": None})
            barset = self._call(lambda: self._client.get_stock_bars(delayed))
        found: dict[str, list[Bar]] = {}
        for symbol, sdk_bars in barset.data.items():  # type: ignore[union-attr]
            bars = [self.bar_from_sdk(symbol, b) for b in sdk_bars]
            found[symbol] = [b for b in bars if start <= b.timestamp < end]
        return found

    def latest_quote(self, symbol: str) -> Quote | None:
        """Return the most recent quote of ``symbol``, or ``None`` when there is none."""
        request = StockLatestQuoteRequest(
            symbol_or_symbols=symbol, feed=FEEDS[self.provenance]
        )
        quotes = self._call(lambda: self._client.get_stock_latest_quote(request))
        sdk = quotes.get(symbol)
        return None if sdk is None else self._quote(symbol, sdk)

    def bar_from_sdk(self, symbol: str, bar: SdkBar) -> Bar:
        """alpaca-py's bar (REST or stream) as ours, stamped with the feed."""
        return Bar(
            symbol=symbol,
            timestamp=utc(bar.timestamp),
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            provenance=self.provenance,
        )

    def _quote(self, symbol: str, quote: SdkQuote) -> Quote:
        return Quote(
            symbol=symbol,
            timestamp=utc(quote.timestamp),
            bid=quote.bid_price,
            ask=quote.ask_price,
            bid_size=quote.bid_size,
            ask_size=quote.ask_size,
            provenance=self.provenance,
        )

    def _call(self, fn: Callable[[], T]) -> T:
        """Paced, translated, repeated with jittered backoff while retryable."""
        attempts = self._config.attempts
        delays = backoff_delays(
            attempts - 1,
            base_s=self._config.backoff_base_s,
            cap_s=self._config.backoff_max_s,
            rng=self._rng,
        )
        for attempt in range(attempts):
            self._limiter.acquire()
            try:
                return fn()
            except _FAILURES as e:
                _raise_if_recent_sip(e)
                error = translate(e, Operation.READ)
                if attempt == attempts - 1 or not error.retryable:
                    raise error from e
                wait = delays[attempt]
                if isinstance(error, RateLimited) and error.retry_after_s is not None:
                    wait = error.retry_after_s
                    self._limiter.pause(wait)
                else:
                    self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _raise_if_recent_sip(error: Exception) -> None:
    """Raise :class:`DataSubscriptionRequired` for Alpaca's recent-SIP refusal."""
    if not isinstance(error, APIError) or error.status_code != RECENT_SIP_STATUS:
        return
    body = error_body(error)
    if error_code(body) == RECENT_SIP_CODE:
        raise DataSubscriptionRequired(
            f"recent SIP data needs Alpaca's SIP subscription: {body.get('message')}",
            condition="recent_sip",
        ) from error
