"""The trip latch every circuit breaker shares: trip, stay tripped, recover.

Recovery that can neither get stuck nor flap:

* a breaker trips the first time its condition is breached and records the inputs;
* it stays tripped while the condition holds, and after it stops holding until the
  condition has been clear for a whole *quiet period* (any breach restarts the
  count), so a condition hovering around its threshold cannot toggle trading;
* it then clears only once a person approved it (``approve``), unless the breaker is
  configured to clear by itself (``auto_clear``). An approval may come at any time
  while tripped; it releases the breaker as soon as the quiet period is over.

Conditions themselves are written so they always *can* clear: day-based ones reset
with the day, windowed ones age out, streaks restart when they trip.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.risk.trading_state import TradingState

Inputs = Mapping[str, str]


class BreakerEvent(enum.StrEnum):
    """A change of a breaker's latch."""

    TRIPPED = "tripped"
    CLEARED = "cleared"


def _trip_state(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value not in (TradingState.REDUCING, TradingState.HALTED):
        raise InvalidInput(attribute.name, value, "must be reducing or halted")


def _non_negative(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    v.finite_float(instance, attribute, value)
    assert isinstance(value, float | int)
    if value < 0:
        raise InvalidInput(attribute.name, value, "must be >= 0")


@attrs.frozen(kw_only=True, slots=True)
class BreakerConfig:
    """What every breaker shares: where a trip sends trading, and how it recovers.

    Attributes:
        trip_state: the trading state a trip moves to (REDUCING or HALTED).
        quiet_period_s: how long the condition must stay clear before recovery.
        auto_clear: recover after the quiet period without a person's approval.
    """

    trip_state: TradingState = attrs.field(
        default=TradingState.REDUCING, validator=_trip_state
    )
    quiet_period_s: float = attrs.field(default=900.0, validator=_non_negative)
    auto_clear: bool = attrs.field(default=False, validator=v.instance_of(bool))

    @property
    def quiet_period(self) -> timedelta:
        """The quiet period as a timedelta."""
        return timedelta(seconds=self.quiet_period_s)


@attrs.frozen(kw_only=True, slots=True)
class BreakerReading:
    """What one update of a breaker saw and did.

    ``inputs`` are the numbers the condition was judged on at ``at``; when ``event``
    is TRIPPED they are the trip's record.
    """

    name: str
    at: datetime
    breached: bool
    tripped: bool
    event: BreakerEvent | None
    inputs: Inputs


class TripLatch:
    """The tripped / quiet / approved state machine of one breaker."""

    __slots__ = (
        "_approval",
        "_auto_clear",
        "_clear_since",
        "_last_at",
        "_quiet",
        "trip_inputs",
        "tripped",
        "tripped_at",
    )

    def __init__(self, quiet_period: timedelta, *, auto_clear: bool) -> None:
        """Start clear."""
        self._quiet = quiet_period
        self._auto_clear = auto_clear
        self.tripped = False
        self.tripped_at: datetime | None = None
        self.trip_inputs: Inputs = {}
        self._clear_since: datetime | None = None
        self._approval: str | None = None
        self._last_at: datetime | None = None

    @property
    def approval(self) -> str | None:
        """The approval given for the current trip, if any."""
        return self._approval

    def observe(
        self, breached: bool, at: datetime, inputs: Inputs
    ) -> BreakerEvent | None:
        """Take the condition at ``at``; return the latch change it caused, if any.

        Raises:
            InvalidInput: ``at`` is before an earlier observation.
        """
        if self._last_at is not None and at < self._last_at:
            raise InvalidInput("at", at, f"before the previous update {self._last_at}")
        self._last_at = at
        if breached:
            self._clear_since = None
            if self.tripped:
                return None
            self.tripped, self.tripped_at, self.trip_inputs = True, at, dict(inputs)
            self._approval = None
            return BreakerEvent.TRIPPED
        if not self.tripped:
            return None
        if self._clear_since is None:
            self._clear_since = at
        quiet = at - self._clear_since >= self._quiet
        if quiet and (self._auto_clear or self._approval is not None):
            self.tripped, self._clear_since, self._approval = False, None, None
            return BreakerEvent.CLEARED
        return None

    def approve(self, reason: str) -> None:
        """Record a person's approval to recover once the quiet period is over.

        Raises:
            InvalidInput: the breaker is not tripped, or ``reason`` is blank.
        """
        if not reason.strip():
            raise InvalidInput("reason", reason, "an approval needs a reason")
        if not self.tripped:
            raise InvalidInput("breaker", "clear", "only a tripped breaker is approved")
        self._approval = reason

    def restore(self, at: datetime, *, approval: str | None) -> None:
        """Start tripped (the store says so, e.g. after a restart); quiet restarts."""
        self.tripped, self.tripped_at = True, at
        self._clear_since = None
        self._approval = approval

    def quiet_since(self) -> datetime | None:
        """When the condition was last seen to clear (``None``: breached or clear)."""
        return self._clear_since
