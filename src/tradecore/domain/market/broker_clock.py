"""The broker's market clock, and whether it agrees with our calendar.

A live run trades on our :class:`~tradecore.domain.market.calendar.MarketCalendar`
(the venue rules, the limits, the loop's sessions) while the broker routes orders
on its own. If the two disagree about whether the market is open now — another
calendar configured, a holiday one side does not know, an emulator on another
schedule — every "the market is closed, queue it" and "the session ended, stop"
decision is wrong, so the run refuses to start (:class:`MarketClockMismatch`).

Near the open or the close the two may legitimately disagree for a moment: the
broker flips ``is_open`` on its own clock and the request took time, so a
disagreement that our calendar would resolve within ``tolerance`` of the broker's
timestamp is accepted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import TradecoreError

if TYPE_CHECKING:  # an annotation only: the CLI's exit-code map imports this module
    from tradecore.domain.market.calendar import MarketCalendar

#: A disagreement this close to a session boundary is clock skew, not a calendar.
BOUNDARY_TOLERANCE = timedelta(seconds=60)


class MarketClockMismatch(TradecoreError):
    """The broker says the market is open (or closed) and our calendar does not."""


@attrs.frozen(kw_only=True)
class BrokerClock:
    """What a broker's clock endpoint answers (Alpaca's ``GET /v2/clock``), in UTC."""

    timestamp: datetime = attrs.field(validator=v.utc_datetime)
    is_open: bool = attrs.field(validator=v.instance_of(bool))
    next_open: datetime = attrs.field(validator=v.utc_datetime)
    next_close: datetime = attrs.field(validator=v.utc_datetime)


def clock_disagreement(
    calendar: MarketCalendar,
    broker: BrokerClock,
    *,
    tolerance: timedelta = BOUNDARY_TOLERANCE,
) -> str | None:
    """Return why ``broker`` and ``calendar`` disagree, or None when they agree.

    The calendar is asked at the broker's own timestamp: the check is about the
    two schedules, and a virtual broker (the emulator) keeps its own time. A
    disagreement is explained, and accepted, when the calendar is in the broker's
    state at some instant within ``tolerance`` of that timestamp.

    Raises:
        InvalidInput: the broker's time is outside the calendar's range.
    """
    at = broker.timestamp
    ours = calendar.is_open(at)
    if ours == broker.is_open:
        return None
    nearby = (calendar.is_open(at - tolerance), calendar.is_open(at + tolerance))
    if broker.is_open in nearby:
        return None
    theirs = "open" if broker.is_open else "closed"
    mine = "open" if ours else "closed"
    seen = (
        f"next open {calendar.next_open(at).isoformat()}"
        if not ours
        else f"closes {calendar.next_close(at).isoformat()}"
    )
    return (
        f"the broker's clock says the market is {theirs} at {at.isoformat()} "
        f"(next open {broker.next_open.isoformat()}, next close "
        f"{broker.next_close.isoformat()}), but calendar {calendar.name} says "
        f"{mine} ({seen}); check [market] calendar"
    )
