"""AlpacaHistory: the BarHistory port over alpaca-py's historical data clients.

Bars come from ``StockHistoricalDataClient.get_stock_bars`` (``GET /v2/stocks/bars``,
every ``next_page_token`` page followed by alpaca-py) and corporate actions from
``CorporateActionsClient.get_corporate_actions`` (``GET /v1/corporate-actions``).
Both clients answer raw JSON (``raw_data=True``): a year of minute bars is millions
of points, and they go straight into numpy columns, not one pydantic model each.

Every HTTP request, each page included, first takes a token from the shared rate
limiter (the data API's budget, docs/alpaca.md §7); a 429 pauses the limiter for
what the answer asks (``Retry-After``, else ``X-RateLimit-Reset``, else a jittered
backoff) and the same page is asked again, so a 429 storm slows the fetch down
without losing a page. 5xx answers and dropped connections are retried the same
way (reads are safe to repeat); alpaca-py's own blind retries are off.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import requests
from alpaca.data.enums import Adjustment, CorporateActionsType, DataFeed
from alpaca.data.historical.corporate_actions import CorporateActionsClient
from alpaca.data.requests import CorporateActionsRequest, StockBarsRequest
from alpaca.data.timeframe import TimeFrame, TimeFrameUnit
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter

from tradecore.adapters.alpaca._sdk import APIError, StockHistoricalDataClient
from tradecore.adapters.alpaca.config import AlpacaConfig
from tradecore.adapters.alpaca.credentials import AlpacaCredentials
from tradecore.adapters.alpaca.errors import Operation, retry_after_s, translate
from tradecore.domain.backoff import backoff_delays
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import BarFrame, from_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction
from tradecore.domain.market.lake import Timeframe, TimeRange
from tradecore.ports.bar_history import BarHistory
from tradecore.ports.rate_limit import RateLimiter

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Attempts per HTTP request through a 429 storm (longer storms fail the fetch);
#: drops and 5xx answers get ``AlpacaConfig.attempts``.
ATTEMPTS = 12
_UNITS = {"Min": TimeFrameUnit.Minute, "Hour": TimeFrameUnit.Hour}
#: Alpaca's corporate-action groups the domain keeps (others are skipped).
_KINDS = {
    "forward_splits": ActionKind.FORWARD_SPLIT,
    "reverse_splits": ActionKind.REVERSE_SPLIT,
    "cash_dividends": ActionKind.CASH_DIVIDEND,
    "name_changes": ActionKind.NAME_CHANGE,
}


class _PacedAdapter(HTTPAdapter):
    """Takes a limiter token before every request; repeats 429s, 5xx and drops."""

    def __init__(
        self,
        limiter: RateLimiter,
        timeout: tuple[float, float],
        delays: Callable[[int], float],
        sleep: Callable[[float], None],
        attempts: int,
    ) -> None:
        super().__init__(max_retries=0)
        self._attempts = attempts
        self._limiter, self._timeout = limiter, timeout
        self._delays, self._sleep = delays, sleep
        #: Answers that were asked again (429s, 5xx, drops), for reports and tests.
        self.repeats: dict[str, int] = {}
        #: HTTP requests sent (every page, every repeat).
        self.sent = 0

    def send(  # type: ignore[override]
        self, request: PreparedRequest, **kwargs: Any
    ) -> Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        failures = 0  # drops and 5xx answers of this request (429s apart)
        for attempt in range(ATTEMPTS):
            self._limiter.acquire()
            self.sent += 1
            try:
                response = super().send(request, **kwargs)
            except (requests.ConnectionError, requests.Timeout):
                failures += 1
                if failures >= self._attempts:
                    raise
                self._count("dropped")
                self._sleep(self._delays(attempt))
                continue
            status = response.status_code
            failures += status != 429
            last = attempt == ATTEMPTS - 1 or failures >= self._attempts
            if status not in _RETRY_STATUSES or last:
                return response
            self._count(str(status))
            if status == 429:
                asked = retry_after_s(response.headers)
                wait = self._delays(attempt) if asked is None else min(asked, 60.0)
                self._limiter.pause(wait)
            else:
                self._sleep(self._delays(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _count(self, what: str) -> None:
        self.repeats[what] = self.repeats.get(what, 0) + 1


class AlpacaHistory(BarHistory):
    """Bars of one feed and adjustment, and corporate actions, from Alpaca."""

    def __init__(
        self,
        config: AlpacaConfig,
        credentials: AlpacaCredentials,
        *,
        feed: str,
        adjustment: str,
        limiter: RateLimiter,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Build both clients on one paced session; ``base_url``: the data origin.

        Raises:
            InvalidInput: an unknown feed or adjustment.
        """
        if feed not in {"iex", "sip", "delayed_sip"}:
            raise InvalidInput("feed", feed, "one of iex, sip, delayed_sip")
        if adjustment not in {a.value for a in Adjustment}:
            raise InvalidInput("adjustment", adjustment, "raw, split, dividend or all")
        self.feed, self.adjustment = feed, adjustment
        rng = np.random.default_rng(config.seed)
        delays = backoff_delays(
            ATTEMPTS, base_s=config.backoff_base_s, cap_s=config.backoff_max_s, rng=rng
        )
        self.transport = _PacedAdapter(
            limiter,
            (config.connect_timeout_s, config.read_timeout_s),
            lambda attempt: delays[attempt],
            sleep,
            config.attempts,
        )
        key, secret = credentials.key_id, credentials.secret_key
        self._bars = StockHistoricalDataClient(
            key, secret, raw_data=True, url_override=base_url
        )
        self._actions = CorporateActionsClient(
            key, secret, raw_data=True, url_override=base_url
        )
        for client in (self._bars, self._actions):
            client._retry = 0  # alpaca-py's blind retries: we repeat, paced, above
            client._session.mount("http://", self.transport)
            client._session.mount("https://", self.transport)

    def bars(
        self, symbols: Sequence[str], timeframe: str, span: TimeRange
    ) -> dict[str, BarFrame]:
        """Each symbol's bars starting in ``span`` (every page)."""
        request = StockBarsRequest(
            symbol_or_symbols=list(symbols),
            timeframe=_timeframe(Timeframe.parse(timeframe)),
            start=from_ns(span.start_ns),
            end=from_ns(span.end_ns - 1_000),  # Alpaca's end is inclusive
            feed=DataFeed(self.feed),
            adjustment=Adjustment(self.adjustment),
            limit=None,
        )
        raw: dict[str, list[dict[str, Any]]] = self._call(
            lambda: self._bars.get_stock_bars(request)
        )
        found = {}
        for symbol, points in sorted((raw or {}).items()):
            frame = _frame(symbol, points, Provenance(self.feed))
            inside = frame.between(span.start_ns, span.end_ns)
            if len(inside):
                found[symbol] = inside
        return found

    def corporate_actions(
        self, symbols: Sequence[str], start: date, end: date
    ) -> list[CorporateAction]:
        """Splits, cash dividends and renames of ``symbols`` from ``start`` to ``end``."""
        request = CorporateActionsRequest(
            symbols=list(symbols),
            types=list(_KINDS_REQUESTED),
            start=start,
            end=end,
            limit=None,
        )
        raw: dict[str, list[dict[str, Any]]] = self._call(
            lambda: self._actions.get_corporate_actions(request)
        )
        actions = [
            action
            for group, items in (raw or {}).items()
            if group in _KINDS
            for item in items
            if (action := parse_action(_KINDS[group], item)) is not None
        ]
        wanted = set(symbols)
        return sorted(
            (a for a in actions if a.symbol in wanted),
            key=lambda a: (a.ex_date, a.symbol, a.kind.value),
        )

    def _call(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except (APIError, requests.RequestException, ValueError, TypeError) as e:
            raise translate(e, Operation.READ) from e


_KINDS_REQUESTED = (
    CorporateActionsType.FORWARD_SPLIT,
    CorporateActionsType.REVERSE_SPLIT,
    CorporateActionsType.CASH_DIVIDEND,
    CorporateActionsType.NAME_CHANGE,
)


def _timeframe(timeframe: Timeframe) -> TimeFrame:
    if timeframe.daily:
        return TimeFrame(1, TimeFrameUnit.Day)
    return TimeFrame(timeframe.amount, _UNITS[timeframe.unit])


def _frame(symbol: str, points: list[dict[str, Any]], feed: Provenance) -> BarFrame:
    """Raw bar dicts (``t, o, h, l, c, v``) as one validated frame, in time order."""
    stamps = np.array(
        [_naive_utc(p["t"]) for p in points], dtype="datetime64[ns]"
    ).view(np.int64)
    order = np.argsort(stamps, kind="stable")
    columns = {
        name: np.array([float(p[key]) for p in points], dtype=np.float64)[order]
        for name, key in (
            ("open", "o"),
            ("high", "h"),
            ("low", "l"),
            ("close", "c"),
            ("volume", "v"),
        )
    }
    return BarFrame(symbol=symbol, timestamps=stamps[order], **columns, provenance=feed)


def _naive_utc(text: str) -> str:
    """``...Z`` / ``...+00:00`` without the zone, for numpy's parser."""
    if text.endswith("Z"):
        return text[:-1]
    if text.endswith("+00:00"):
        return text[:-6]
    raise InvalidInput("t", text, "bar time is not UTC")


def parse_action(kind: ActionKind, item: dict[str, Any]) -> CorporateAction | None:
    """One item of Alpaca's ``corporate_actions`` groups as the domain's action.

    Rates go through ``str`` into ``Decimal`` (JSON numbers; ``4`` and ``1`` give
    exactly 4). An item the domain refuses (a 1-for-1 "split") is skipped.
    """
    try:
        if kind is ActionKind.NAME_CHANGE:
            return CorporateAction(
                symbol=item["old_symbol"],
                kind=kind,
                ex_date=date.fromisoformat(item["process_date"]),
                new_symbol=item["new_symbol"],
            )
        ex_date = date.fromisoformat(item["ex_date"])
        payable = item.get("payable_date")
        payable_date = date.fromisoformat(payable) if payable else None
        if kind is ActionKind.CASH_DIVIDEND:
            return CorporateAction.dividend(
                item["symbol"], ex_date, Decimal(str(item["rate"])), payable_date
            )
        ratio = Decimal(str(item["new_rate"])) / Decimal(str(item["old_rate"]))
        return CorporateAction(
            symbol=item["symbol"],
            kind=kind,
            ex_date=ex_date,
            ratio=ratio,
            payable_date=payable_date,
        )
    except InvalidInput:
        return None
