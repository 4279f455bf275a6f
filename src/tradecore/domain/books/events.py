"""The fill history and corporate actions as one dated sequence of events.

A corporate action takes effect at the open of its ex-date, so it comes before the
first fill traded on or after that date (trade dates are New York dates). Both the
pre-pass that finds replacement purchases and the lot keeper walk this sequence, so
they see the same symbols and quantities.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction
from tradecore.domain.orders.executions import Fill

NEW_YORK = ZoneInfo("America/New_York")
#: The actions that change lots (a cash dividend does not change a lot's basis).
LOT_ACTIONS = frozenset(
    {ActionKind.FORWARD_SPLIT, ActionKind.REVERSE_SPLIT, ActionKind.NAME_CHANGE}
)


def trade_date(at: datetime) -> date:
    """The New York date of ``at``: the trade date a tax lot carries."""
    return at.astimezone(NEW_YORK).date()


def events(
    fills: Sequence[Fill], actions: Sequence[CorporateAction], through: date | None
) -> Iterator[tuple[int, Fill | CorporateAction]]:
    """``(index, fill)`` for each fill, in order, with each lot action before the
    first fill on or after its ex-date (index -1); actions after the last fill come
    last when their ex-date is not after ``through``."""
    pending = sorted(
        (a for a in actions if a.kind in LOT_ACTIONS),
        key=lambda a: (a.ex_date, a.symbol, a.kind.value),
    )
    at = 0
    for index, fill in enumerate(fills):
        day = trade_date(fill.filled_at)
        while at < len(pending) and pending[at].ex_date <= day:
            yield -1, pending[at]
            at += 1
        yield index, fill
    for action in pending[at:]:
        if through is None or action.ex_date <= through:
            yield -1, action
