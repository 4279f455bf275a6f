"""Market data value objects: bars and quotes, with their provenance.

Market data is float64 (analytics speed); a price becomes a Decimal only when it
becomes an order or fill price (see :func:`tradecore.domain.orders.money.to_price`).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput


class Provenance(enum.StrEnum):
    """Where market data came from; IEX-only data is a degraded regime."""

    IEX = "iex"
    SIP = "sip"
    DELAYED_SIP = "delayed_sip"
    FILE = "file"
    SIMULATED = "simulated"


@attrs.frozen(kw_only=True, slots=True)
class Bar:
    """One OHLCV bar; ``timestamp`` is the bar's *start* in UTC."""

    symbol: str = attrs.field(validator=v.symbol)
    timestamp: datetime = attrs.field(validator=v.utc_datetime)
    open: float = attrs.field(validator=v.finite_float)
    high: float = attrs.field(validator=v.finite_float)
    low: float = attrs.field(validator=v.finite_float)
    close: float = attrs.field(validator=v.finite_float)
    volume: float = attrs.field(validator=v.finite_float)
    provenance: Provenance = attrs.field(
        default=Provenance.FILE, validator=v.instance_of(Provenance)
    )
    #: Volume-weighted average price of the bar, where the source has it.
    vwap: float | None = attrs.field(
        default=None, validator=attrs.validators.optional(v.finite_float)
    )
    #: Number of trades in the bar, where the source has it.
    trade_count: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(v.instance_of(int))
    )

    def __attrs_post_init__(self) -> None:
        if min(self.open, self.high, self.low, self.close) <= 0:
            raise InvalidInput("open/high/low/close", self.low, "prices must be > 0")
        if self.high < max(self.open, self.close):
            raise InvalidInput("high", self.high, "below max(open, close)")
        if self.low > min(self.open, self.close):
            raise InvalidInput("low", self.low, "above min(open, close)")
        if self.volume < 0:
            raise InvalidInput("volume", self.volume, "must be >= 0")


@attrs.frozen(kw_only=True, slots=True)
class Quote:
    """Top of book. A zero price means no live bid or ask (Alpaca's convention)."""

    symbol: str = attrs.field(validator=v.symbol)
    timestamp: datetime = attrs.field(validator=v.utc_datetime)
    bid: float = attrs.field(validator=v.finite_float)
    ask: float = attrs.field(validator=v.finite_float)
    bid_size: float = attrs.field(default=0.0, validator=v.finite_float)
    ask_size: float = attrs.field(default=0.0, validator=v.finite_float)
    provenance: Provenance = attrs.field(
        default=Provenance.FILE, validator=v.instance_of(Provenance)
    )

    def __attrs_post_init__(self) -> None:
        if self.bid < 0 or self.ask < 0:
            raise InvalidInput("bid/ask", (self.bid, self.ask), "must be >= 0")
        if self.bid > 0 and self.ask > 0 and self.bid > self.ask:
            raise InvalidInput("bid", self.bid, f"crosses the ask {self.ask}")

    @property
    def mid(self) -> float | None:
        """The mid price, or ``None`` when one side is missing."""
        if self.bid <= 0 or self.ask <= 0:
            return None
        return (self.bid + self.ask) / 2

    @property
    def spread_bps(self) -> float | None:
        """The quoted spread in basis points of the mid, or ``None`` if one-sided."""
        mid = self.mid
        if mid is None:
            return None
        return (self.ask - self.bid) / mid * 1e4
