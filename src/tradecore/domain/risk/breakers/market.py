"""Breakers on the market data itself: staleness and volatility spikes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.indicators import EWMVolatility, alpha_from_span
from tradecore.domain.risk.breakers.base import Breaker
from tradecore.domain.risk.breakers.latch import BreakerConfig, BreakerReading, Inputs


def _above(minimum: float) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        v.finite_float(instance, attribute, value)
        assert isinstance(value, float | int)
        if value <= minimum:
            raise InvalidInput(attribute.name, value, f"must be > {minimum}")

    return check


@attrs.frozen(kw_only=True, slots=True)
class StalenessConfig(BreakerConfig):
    """Trip when a symbol's bars stop for more than ``multiple`` expected intervals."""

    #: Seconds between a symbol's bars when nothing is wrong (60 for minute bars).
    expected_interval_s: float = attrs.field(default=60.0, validator=_above(0.0))
    multiple: float = attrs.field(default=3.0, validator=_above(1.0))


class StalenessBreaker(Breaker):
    """Data staleness: the longest silence of any symbol against its allowance.

    With a ``session``, a silence that spans a session close does not count (no bars
    are expected overnight); the symbol's clock restarts with its next bar.
    """

    name = "data_staleness"

    def __init__(
        self, config: StalenessConfig, session: MarketCalendar | None = None
    ) -> None:
        """Allow ``multiple * expected_interval_s`` between bars of a symbol."""
        super().__init__(config)
        self._allowed = timedelta(seconds=config.expected_interval_s * config.multiple)
        self._session = session
        self._last_seen: dict[str, datetime] = {}

    def update(self, at: datetime, symbol: str) -> BreakerReading:
        """A bar of ``symbol`` arrived at ``at``: the gap it ends counts too."""
        reading = self.tick(at)
        self._last_seen[symbol] = at
        return reading

    def rejected(self, at: datetime, symbol: str) -> BreakerReading:
        """A bar of ``symbol`` arrived at ``at`` but was rejected: it is not fresh.

        A symbol with no accepted bar yet starts its silence here, so a feed that
        only ever sends bad bars goes stale like one that sends nothing.
        """
        self._last_seen.setdefault(symbol, at)
        return self.tick(at)

    def _condition(self, at: datetime) -> tuple[bool, Inputs]:
        stalest, gap = "", timedelta(0)
        for symbol, seen in self._last_seen.items():
            if at - seen > gap and not self._closed_between(seen, at):
                stalest, gap = symbol, at - seen
        inputs = {
            "symbol": stalest,
            "gap_s": str(gap.total_seconds()),
            "allowed_s": str(self._allowed.total_seconds()),
        }
        if stalest:
            inputs["last_seen"] = self._last_seen[stalest].isoformat()
        return gap > self._allowed, inputs

    def _closed_between(self, seen: datetime, at: datetime) -> bool:
        session = self._session
        return session is not None and session.next_close(seen) < at


@attrs.frozen(kw_only=True, slots=True)
class VolatilitySpikeConfig(BreakerConfig):
    """Trip when short-horizon volatility exceeds ``multiple`` times its baseline.

    Both are exponentially weighted volatilities of bar log returns (spans in bars);
    a symbol is judged once it has ``warmup`` bars.
    """

    multiple: float = attrs.field(default=3.0, validator=_above(1.0))
    #: Span, in bars, of the short-horizon volatility (the one that spikes).
    fast_span: float = attrs.field(default=10.0, validator=_above(1.0))
    #: Span, in bars, of the baseline volatility (390: one regular session of
    #: minute bars); must exceed ``fast_span``.
    slow_span: float = attrs.field(default=390.0, validator=_above(1.0))
    warmup: int = attrs.field(default=60, validator=v.instance_of(int))

    def __attrs_post_init__(self) -> None:
        if self.slow_span <= self.fast_span:
            raise InvalidInput("slow_span", self.slow_span, "must exceed fast_span")


class VolatilitySpikeBreaker(Breaker):
    """Realized volatility against its own slow baseline, per symbol."""

    name = "volatility_spike"

    def __init__(self, config: VolatilitySpikeConfig) -> None:
        """Trip when any warmed-up symbol's fast vol > ``multiple`` x slow vol."""
        super().__init__(config)
        self._cfg = config
        self._fast_alpha = alpha_from_span(config.fast_span)
        self._slow_alpha = alpha_from_span(config.slow_span)
        self._vols: dict[str, tuple[EWMVolatility, EWMVolatility]] = {}
        self._seen: dict[str, int] = {}
        self._ratio: dict[str, float] = {}

    def update(self, at: datetime, symbol: str, price: float) -> BreakerReading:
        """Take the close of a bar of ``symbol``."""
        vols = self._vols.get(symbol)
        if vols is None:
            vols = EWMVolatility(self._fast_alpha), EWMVolatility(self._slow_alpha)
            self._vols[symbol] = vols
        fast, slow = vols[0].update(price), vols[1].update(price)
        seen = self._seen[symbol] = self._seen.get(symbol, 0) + 1
        if seen > self._cfg.warmup and slow > 0 and not math.isnan(slow):
            self._ratio[symbol] = fast / slow
        return self.tick(at)

    def _condition(self, at: datetime) -> tuple[bool, Inputs]:
        if not self._ratio:
            return False, {"ratio": "nan", "multiple": str(self._cfg.multiple)}
        symbol = max(self._ratio, key=lambda s: (self._ratio[s], s))
        fast, slow = (vol.value for vol in self._vols[symbol])
        ratio = self._ratio[symbol]
        return ratio > self._cfg.multiple, {
            "symbol": symbol,
            "fast_vol": f"{fast:.6g}",
            "slow_vol": f"{slow:.6g}",
            "ratio": f"{ratio:.4f}",
            "multiple": str(self._cfg.multiple),
        }
