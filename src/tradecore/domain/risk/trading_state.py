"""The persisted trading state and circuit-breaker states.

The trading state is the desk's master switch: ACTIVE trades normally, REDUCING only
lets orders that shrink exposure through, HALTED sends nothing. It is persisted so a
restart after a kill switch stays halted. Breakers are named switches tripped by
controls (loss limits, reject storms); any tripped breaker is a reason to stop.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from tradecore.domain import validation as v


class TradingState(enum.StrEnum):
    """What the engine may do now."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


@attrs.frozen(kw_only=True, slots=True)
class TradingStateRecord:
    """The trading state, why it was set and when (``None``: never set, the default)."""

    state: TradingState = attrs.field(validator=v.instance_of(TradingState))
    reason: str = attrs.field(validator=v.non_empty_str)
    changed_at: datetime | None = attrs.field(
        default=None, validator=v.optional_utc_datetime
    )


#: What a store that never had its state set reports: nothing has stopped trading.
INITIAL_TRADING_STATE = TradingStateRecord(
    state=TradingState.ACTIVE, reason="initial: never set"
)


@attrs.frozen(kw_only=True, slots=True)
class BreakerState:
    """One named circuit breaker: tripped or not, why, and since when."""

    name: str = attrs.field(validator=v.non_empty_str)
    tripped: bool = attrs.field(validator=v.instance_of(bool))
    reason: str = attrs.field(validator=v.non_empty_str)
    changed_at: datetime = attrs.field(validator=v.utc_datetime)
