"""Trading halts: a symbol the exchange has stopped, and since when."""

from __future__ import annotations

from datetime import datetime

import attrs

from tradecore.domain import validation as v


@attrs.frozen(kw_only=True)
class TradingHalt:
    """``symbol`` is halted since ``since``; the codes are the feed's, as sent."""

    symbol: str = attrs.field(validator=v.symbol)
    since: datetime = attrs.field(validator=v.utc_datetime)
    status_code: str = ""
    reason_code: str = ""
    reason: str = ""

    def describe(self) -> str:
        """One line for ``/health`` and alerts."""
        why = self.reason or self.reason_code or "no reason given"
        return f"{self.symbol} halted since {self.since.isoformat()} ({why})"
