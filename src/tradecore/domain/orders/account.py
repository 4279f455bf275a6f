"""Broker-side snapshots: positions and the account."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain import validation as v


@attrs.frozen(kw_only=True, slots=True)
class Position:
    """A position as a broker reports it: signed quantity (short < 0) and average cost."""

    symbol: str = attrs.field(validator=v.symbol)
    qty: Decimal = attrs.field(validator=v.decimal)
    avg_entry_price: Decimal = attrs.field(validator=v.non_negative_decimal)

    @property
    def is_flat(self) -> bool:
        """True when no shares are held either way."""
        return self.qty == 0


@attrs.frozen(kw_only=True, slots=True)
class AccountSnapshot:
    """Cash and buying power at a moment, as the broker reports them."""

    cash: Decimal = attrs.field(validator=v.decimal)
    buying_power: Decimal = attrs.field(validator=v.decimal)
    equity: Decimal = attrs.field(validator=v.decimal)
    as_of: datetime = attrs.field(validator=v.utc_datetime)
    currency: str = attrs.field(default="USD", validator=v.non_empty_str)
    trading_blocked: bool = attrs.field(default=False, validator=v.instance_of(bool))
    #: Day trades in the last five sessions, as the broker counts them (Alpaca's
    #: ``daytrade_count``; ``None`` when the broker does not say).
    daytrade_count: int | None = None
    #: Whether the broker flags the account a pattern day trader.
    pattern_day_trader: bool = False
