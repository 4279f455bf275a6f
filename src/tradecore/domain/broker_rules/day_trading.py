"""Pattern-day-trader protection, dated: Alpaca applied it until FINRA retired the rule.

Until 2026-06-03 FINRA Rule 4210 called a margin customer who day trades four or more
times in five business days a pattern day trader, needing $25,000 equity. Alpaca's
protection refused the order that would make the fourth day trade in five sessions
of an account under $25,000: a 403 with code 40310100, "trade denied due to pattern
day trading protection" (forum.alpaca.markets t/2201 quotes the message;
bennycode/trading-signals PR #1366 keeps the 40310100 check; docs.alpaca.markets
/docs/user-protection "Pattern Day Trader (PDT) Protection at Alpaca").

FINRA retired the rule on 2026-06-04 (Regulatory Notice 26-10, Rule 4210
amendments) and Alpaca replaced the protection with an intraday-margin framework
(docs.alpaca.markets/us/changelog/2026-06-03-pdt-f3c04da), then removed
``pattern_day_trader``, ``daytrade_count`` and ``daytrading_buying_power`` from
``GET /v2/account`` on 2026-07-06 (changelog 2026-07-06-pdt-db49dba). So this rule
applies only to orders sent on a New York date before :data:`PDT_RETIRED`; the
intraday-margin framework that followed is not modelled.

A day trade is closing, in the same session, (part of) a position opened in that
session: :attr:`RuleContext.opened_today` is the signed quantity opened today, and
:attr:`AccountFlags.daytrade_count` the day trades of the last five sessions (the
venue counts them; the Alpaca adapter reads them from the account while it has them).
Cash accounts (``multiplier`` 1) are not subject to it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.broker_rules.context import RuleContext
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.spec import OrderSpec, Side

#: The first New York date the rule no longer applies (FINRA Regulatory Notice 26-10).
PDT_RETIRED = date(2026, 6, 4)
#: The first date ``GET /v2/account`` no longer carries the PDT fields.
PDT_FIELDS_REMOVED = date(2026, 7, 6)
#: The equity below which the protection applies.
PDT_EQUITY = Decimal(25_000)
#: Day trades allowed in five sessions; the next one is refused.
DAY_TRADES_ALLOWED = 3
PDT_PROTECTION = 40310100
SOURCE = (
    "forum.alpaca.markets t/2201; bennycode/trading-signals PR #1366 (40310100); "
    "docs.alpaca.markets/docs/user-protection; retired 2026-06-04 (FINRA RN 26-10, "
    "docs.alpaca.markets/us/changelog/2026-06-03-pdt-f3c04da)"
)
NEW_YORK = ZoneInfo("America/New_York")
#: The window day trades are counted in: this session and the four before it
#: ("five business days", FINRA Rule 4210(f)(8)(B)).
WINDOW_SESSIONS = 5
_ZERO = Decimal(0)
_BUY, _SELL = Side.BUY, Side.SELL


def window_start(calendar: MarketCalendar, session: date) -> date:
    """The first session of the counting window that ends with ``session``.

    A calendar that starts inside the window counts from its own start.
    """
    first = session
    try:
        for _ in range(WINDOW_SESSIONS - 1):
            first = calendar.previous_session(first)
    except InvalidInput:
        pass  # the calendar starts inside the window: count from its start
    return first


def session_date(now: datetime) -> date:
    """The New York date of ``now`` (the exchange's date, whatever the UTC one)."""
    return now.astimezone(NEW_YORK).date()


#: :data:`PDT_RETIRED`'s first instant: midnight in New York (EDT), in UTC.
PDT_RETIRED_AT = datetime.combine(PDT_RETIRED, time(0), tzinfo=NEW_YORK).astimezone(UTC)


def pdt_in_force(now: datetime) -> bool:
    """Whether the pattern-day-trader rule applies to an order sent at ``now``."""
    return now < PDT_RETIRED_AT


def after_fill(
    opened: Decimal, before: Decimal, signed: Decimal
) -> tuple[Decimal, bool]:
    """Shares opened today after a fill of ``signed`` shares on ``before`` held.

    Returns the new signed opened-today quantity and whether the fill closed shares
    opened today (a day trade). A fill that flips the position opens the remainder.
    """
    # Compared with a Decimal zero, not the int: an int operand is converted to a
    # new Decimal at every comparison (the venue and the risk gate both count
    # every fill; a property test holds this to the int spelling).
    closing = min(abs(signed), abs(before)) if before * signed < _ZERO else _ZERO
    day_trade = False
    if closing and opened * signed < _ZERO:
        closed_today = min(closing, abs(opened))
        opened += closed_today if opened < _ZERO else -closed_today
        day_trade = True
    rest = abs(signed) - closing
    if rest:
        opened += rest if signed > _ZERO else -rest
    return opened, day_trade


def is_day_trade(spec: OrderSpec, opened_today: Decimal) -> bool:
    """Whether ``spec`` closes shares of a position opened in the current session."""
    # The sides as module constants: an enum class's attribute goes through
    # ``EnumType.__getattr__``'s slot hook on 3.11 (~900 instructions a read).
    if opened_today > _ZERO:
        return spec.side is _SELL
    if opened_today < _ZERO:
        return spec.side is _BUY
    return False


def meets_pdt_equity(equity: Decimal) -> bool:
    """Whether an account with ``equity`` is out of the protection's reach."""
    return equity >= PDT_EQUITY


def pattern_day_trading(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse the fourth day trade in five sessions under $25,000, before 2026-06-04."""
    account = context.account
    count = account.daytrade_count
    if count is None or count < DAY_TRADES_ALLOWED or account.multiplier <= 1:
        return None
    if meets_pdt_equity(account.equity) or not is_day_trade(spec, context.opened_today):
        return None
    if not pdt_in_force(context.now):
        return None
    return RuleBreach(
        rule="pattern_day_trading",
        message="trade denied due to pattern day trading protection",
        status=403,
        code=PDT_PROTECTION,
        source=SOURCE,
    )
