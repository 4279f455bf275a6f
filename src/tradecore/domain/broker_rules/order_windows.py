"""Auction orders' cut-offs: ``opg`` until 9:28 ET, ``cls`` until 3:50 ET.

Alpaca's time-in-force table (docs.alpaca.markets/docs/orders-at-alpaca#time-in-force,
repeated in alpaca-py's ``TimeInForce`` docstring): "OPG orders submitted after 9:28am
but before 7:00pm ET will be rejected. OPG orders submitted after 7:00pm will be
queued and routed to the following day's opening auction", and CLS orders submitted
after 3:50pm but before 7:00pm ET are rejected. Alpaca's exact refusal message is not
documented; the one here quotes the docs. The cut-offs are taken from the session the
calendar gives (two minutes before its open, ten before its close, so an early close
at 13:00 ET cuts ``cls`` off at 12:50 ET), never from fixed UTC hours; the 7:00pm end
of the window is Alpaca's wall-clock time in New York. A day with no session has no
auction and no window: such orders queue for the next one.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from tradecore.domain.broker_rules.breach import UNPROCESSABLE, RuleBreach
from tradecore.domain.broker_rules.context import RuleContext
from tradecore.domain.broker_rules.day_trading import NEW_YORK
from tradecore.domain.orders.spec import OrderSpec, TimeInForce

SOURCE = "docs.alpaca.markets/docs/orders-at-alpaca#time-in-force"
#: How long before the open ``opg`` orders stop being accepted (9:28 for 9:30).
OPG_CUTOFF = timedelta(minutes=2)
#: How long before the close ``cls`` orders stop being accepted (15:50 for 16:00).
CLS_CUTOFF = timedelta(minutes=10)
#: When both windows end, New York wall-clock time.
WINDOW_END = time(19, 0)


def _window_end(now: datetime) -> datetime:
    local = now.astimezone(NEW_YORK)
    return datetime.combine(local.date(), WINDOW_END, tzinfo=NEW_YORK)


def auction_window(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse an ``opg``/``cls`` order sent inside its cut-off window."""
    tif = spec.time_in_force
    if tif is not TimeInForce.OPG and tif is not TimeInForce.CLS:
        return None
    opened, closes = context.session_open, context.session_close
    if opened is None or closes is None:
        return None  # no session today: no auction to be late for
    now = context.now
    if tif is TimeInForce.OPG:
        start, name, message = opened - OPG_CUTOFF, "opg_window", "OPG"
        cut = "9:28am"
    else:
        start, name, message = closes - CLS_CUTOFF, "cls_window", "CLS"
        cut = "3:50pm"
    if not start <= now < _window_end(now):
        return None
    return RuleBreach(
        rule=name,
        message=(
            f"{message} orders submitted after {cut} but before 7:00pm ET are rejected"
        ),
        status=422,
        code=UNPROCESSABLE,
        source=SOURCE,
    )
