"""Breakers on profit and loss: daily loss, intraday drawdown, losing streaks.

The day is the exchange's trading day of the update's time,
``calendar.trading_day(at)``: the session it falls in, or the next one after the
close, on a weekend or a holiday, so an evening mark at 23:00 UTC counts towards the
next session, not the one that closed. Without a calendar (``None``, the old
behaviour) it is the UTC date. Either way the daily conditions reset by themselves
at the day's boundary and can never hold a breaker tripped into the next day.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.risk.breakers.base import Breaker
from tradecore.domain.risk.breakers.latch import BreakerConfig, BreakerReading, Inputs

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True, slots=True)
class DayEquity:
    """Equity now against the day's first and highest marks."""

    day: date
    opening: Decimal
    high: Decimal
    equity: Decimal

    @property
    def pnl(self) -> Decimal:
        """Equity now minus the day's opening equity."""
        return self.equity - self.opening

    @property
    def drawdown(self) -> Decimal:
        """The day's high-water mark minus equity now (>= 0)."""
        return self.high - self.equity


def trading_day(at: datetime, calendar: MarketCalendar | None) -> date:
    """The day ``at`` counts towards: the calendar's trading day, else the UTC date."""
    return at.date() if calendar is None else calendar.trading_day(at)


class DayEquityTracker:
    """Follows equity marks through the day (the first mark of a day opens it)."""

    __slots__ = ("calendar", "current")

    def __init__(self, calendar: MarketCalendar | None = None) -> None:
        """Start with no day; days are ``calendar``'s trading days (None: UTC dates)."""
        self.calendar = calendar
        self.current: DayEquity | None = None

    def day_of(self, at: datetime) -> date:
        """The day ``at`` belongs to."""
        return trading_day(at, self.calendar)

    def update(self, at: datetime, equity: Decimal) -> DayEquity:
        """Take the equity marked at ``at`` and return the day so far."""
        day, now = self.day_of(at), self.current
        if now is None or now.day != day:
            now = DayEquity(day=day, opening=equity, high=equity, equity=equity)
        else:
            now = DayEquity(
                day=day, opening=now.opening, high=max(now.high, equity), equity=equity
            )
        self.current = now
        return now

    def on(self, at: datetime) -> DayEquity | None:
        """The day so far if ``at`` is still on it, else ``None``."""
        now = self.current
        return now if now is not None and now.day == self.day_of(at) else None


@attrs.frozen(kw_only=True, slots=True)
class DailyLossConfig(BreakerConfig):
    """Trip when the day's loss exceeds ``max_loss``."""

    max_loss: Decimal = attrs.field(validator=v.positive_decimal)


@attrs.frozen(kw_only=True, slots=True)
class DrawdownConfig(BreakerConfig):
    """Trip when equity falls more than ``max_drawdown`` below the day's high."""

    max_drawdown: Decimal = attrs.field(validator=v.positive_decimal)


class _DayBreaker(Breaker):
    def __init__(
        self, config: BreakerConfig, calendar: MarketCalendar | None = None
    ) -> None:
        super().__init__(config)
        self._days = DayEquityTracker(calendar)

    def update(self, at: datetime, equity: Decimal) -> BreakerReading:
        """Take an equity mark; judge the condition on the day so far."""
        self._days.update(at, equity)
        return self.tick(at)


class DailyLossBreaker(_DayBreaker):
    """Daily loss: equity now against the day's opening equity."""

    name = "daily_loss"

    def __init__(
        self, config: DailyLossConfig, calendar: MarketCalendar | None = None
    ) -> None:
        """Trip beyond ``config.max_loss``; days are ``calendar``'s (None: UTC dates)."""
        super().__init__(config, calendar)
        self._limit = config.max_loss

    def _condition(self, at: datetime) -> tuple[bool, Inputs]:
        day = self._days.on(at)
        if day is None:
            return False, {"day": self._days.day_of(at).isoformat(), "loss": "0"}
        loss = -day.pnl
        return loss > self._limit, {
            "day": day.day.isoformat(),
            "opening_equity": str(day.opening),
            "equity": str(day.equity),
            "loss": str(loss),
            "max_loss": str(self._limit),
        }


class DrawdownBreaker(_DayBreaker):
    """Intraday drawdown: equity now against the day's high-water mark."""

    name = "drawdown"

    def __init__(
        self, config: DrawdownConfig, calendar: MarketCalendar | None = None
    ) -> None:
        """Trip beyond ``config.max_drawdown``; days are ``calendar``'s (None: UTC)."""
        super().__init__(config, calendar)
        self._limit = config.max_drawdown

    def _condition(self, at: datetime) -> tuple[bool, Inputs]:
        day = self._days.on(at)
        if day is None:
            return False, {"day": self._days.day_of(at).isoformat(), "drawdown": "0"}
        return day.drawdown > self._limit, {
            "day": day.day.isoformat(),
            "high_water_mark": str(day.high),
            "equity": str(day.equity),
            "drawdown": str(day.drawdown),
            "max_drawdown": str(self._limit),
        }


def _positive_int(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(attribute.name, value, "must be a whole number > 0")


@attrs.frozen(kw_only=True, slots=True)
class LosingStreakConfig(BreakerConfig):
    """Trip when more than ``max_losses`` closed trades in a row lost money."""

    max_losses: int = attrs.field(validator=_positive_int)


class LosingStreakBreaker(Breaker):
    """Consecutive losing trades (a trade: a fill that closes shares, net of fees).

    The streak restarts when the breaker trips: otherwise, with trading reduced, no
    winning trade could ever come to end it and the breaker could never recover.
    """

    name = "losing_streak"

    def __init__(self, config: LosingStreakConfig) -> None:
        """Trip beyond ``config.max_losses`` losers in a row."""
        super().__init__(config)
        self._limit = config.max_losses
        self._streak = 0
        self._last: Inputs = {}

    def update(self, at: datetime, pnl: Decimal, symbol: str = "") -> BreakerReading:
        """Take one closed trade's P&L (a loss is < 0; zero ends a streak)."""
        self._streak = self._streak + 1 if pnl < _ZERO else 0
        self._last = {"last_trade_pnl": str(pnl), "symbol": symbol}
        reading = self.tick(at)
        if reading.breached:
            self._streak = 0
        return reading

    def _condition(self, at: datetime) -> tuple[bool, Inputs]:
        inputs = {
            **self._last,
            "losing_streak": str(self._streak),
            "max_losses": str(self._limit),
        }
        return self._streak > self._limit, inputs
