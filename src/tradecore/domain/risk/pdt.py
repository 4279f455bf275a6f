"""Pattern-day-trader monitor: our own day-trade count and the pre-trade refusal.

FINRA Rule 4210(f)(8)(B): a *day trade* is "the purchasing and selling or the
selling and purchasing of the same security on the same day in a margin account";
a *pattern day trader* day trades four or more times within five business days,
and must keep $25,000 of equity (Rule 4210(f)(8)(B)(iv)). Alpaca's protection
(docs.alpaca.markets/docs/user-protection, "Pattern Day Trader (PDT) Protection at
Alpaca"; ``daytrade_count`` and ``pattern_day_trader`` on ``GET /v2/account``)
refused the order that would make the fourth day trade in five sessions of an
account under $25,000. This monitor keeps the count from our own fills so the gate
refuses that order before the broker does (outcome ``skipped(risk:pdt)``), warns
when the third day trade is made, and takes the broker's ``daytrade_count`` when
the account reports one (the larger count wins: the broker sees trades made
outside this process).

A day trade is counted as the venue counts it
(:mod:`tradecore.domain.broker_rules.day_trading`): closing, in a session, shares
of a position opened in that session; one closing order counts once. Sessions are
the exchange calendar's (holidays and early closes included), the window this
session and the four before it.

FINRA retired the rule on 2026-06-04 (Regulatory Notice 26-10; see
:data:`~tradecore.domain.broker_rules.day_trading.PDT_RETIRED`). So by default the
monitor applies to orders before that date; ``after_retirement`` keeps it as a
house rule. Costs per check: a dictionary read and, only for an order that would
be a day trade with the count at the limit, one equity valuation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.broker_rules.day_trading import (
    PDT_RETIRED_AT,
    WINDOW_SESSIONS,
    after_fill,
    pdt_in_force,
    window_start,
)
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.checks import RiskVerdict

_ZERO = Decimal(0)
#: Read on every order, as module constants: on Python 3.11 an enum class's
#: attribute goes through ``EnumType.__getattr__``'s slot hook, about 900
#: instructions a read (cachegrind), a global's a few.
_BUY, _SELL = Side.BUY, Side.SELL
#: Day trades a pattern day trader makes in the window (FINRA: "four or more").
PATTERN = 4
RULE = "pdt"


@attrs.frozen(kw_only=True)
class PdtLimits:
    """``[risk.pdt]``: the pattern-day-trader monitor."""

    #: Count day trades and warn at the third in five sessions.
    enabled: bool = True
    #: Refuse the order that would make the fourth (or any, once flagged) day
    #: trade while equity is under min_equity; false: warn only.
    block: bool = True
    #: The equity a pattern day trader must keep (FINRA Rule 4210: $25,000).
    min_equity: Decimal = attrs.field(
        default=Decimal(25_000), validator=v.non_negative_decimal
    )
    #: Keep applying the rule after FINRA retired it on 2026-06-04 (a house rule).
    after_retirement: bool = False


class DayTradeMonitor:
    """Incremental day-trade counts over the calendar's last five sessions."""

    def __init__(self, limits: PdtLimits, calendar: MarketCalendar) -> None:
        self.limits = limits
        self._calendar = calendar
        self._session: date | None = None
        self._session_end: datetime | None = None
        self._window_start: date | None = None
        self._held: dict[str, Decimal] = {}
        self._opened: dict[str, Decimal] = {}
        self._counted: set[str] = set()
        self._trades: deque[date] = deque()
        self._broker: tuple[date, int, bool] | None = None

    # --- the count -----------------------------------------------------------------

    def _roll(self, at: datetime) -> None:
        end = self._session_end
        if self._session is not None and end is not None and at < end:
            return
        session = self._calendar.trading_day(at)
        if session == self._session:
            return
        self._session, self._session_end = session, self._calendar.next_close(at)
        self._opened, self._counted = {}, set()
        first = window_start(self._calendar, session)
        self._window_start = first
        while self._trades and self._trades[0] < first:
            self._trades.popleft()

    def on_fill(self, fill: Fill) -> int | None:
        """Account for ``fill``; return the count if it made a new day trade."""
        # ``_roll``'s own early return, tested here: inside the session (nearly
        # every fill) there is nothing to roll and the call is not made.
        end = self._session_end
        if self._session is None or end is None or not fill.filled_at < end:
            self._roll(fill.filled_at)
        before = self._held.get(fill.symbol, _ZERO)
        signed = fill.signed_qty
        self._held[fill.symbol] = before + signed
        opened, day_trade = after_fill(
            self._opened.get(fill.symbol, _ZERO), before, signed
        )
        self._opened[fill.symbol] = opened
        if not day_trade or fill.client_order_id in self._counted:
            return None
        self._counted.add(fill.client_order_id)
        assert self._session is not None
        self._trades.append(self._session)
        # ``count(fill.filled_at)`` without rolling again: rolled to that instant
        # above, a second ``_roll`` returns at once (a property test holds this).
        return max(len(self._trades), self._broker_now()[0])

    def broker_report(self, at: datetime, count: int | None, flagged: bool) -> None:
        """The broker's ``daytrade_count`` and ``pattern_day_trader`` at ``at``."""
        if count is None and not flagged:
            self._broker = None
            return
        self._broker = (self._calendar.trading_day(at), count or 0, flagged)

    def _broker_now(self) -> tuple[int, bool]:
        if self._broker is None or self._broker[0] != self._session:
            return 0, False  # a count read on an earlier session is stale
        return self._broker[1], self._broker[2]

    def count(self, at: datetime) -> int:
        """Day trades in ``at``'s session and the four before (ours or the broker's)."""
        self._roll(at)
        return max(len(self._trades), self._broker_now()[0])

    # --- the check -----------------------------------------------------------------

    def applies(self, at: datetime) -> bool:
        """Whether the rule is in force for an order sent at ``at``."""
        return self.limits.enabled and (
            self.limits.after_retirement or pdt_in_force(at)
        )

    def check(
        self,
        spec: OrderSpec,
        at: datetime,
        equity: Callable[[], Decimal],
        *,
        surely_reaches: Callable[[Decimal], bool] | None = None,
    ) -> RiskVerdict | None:
        """Refuse ``spec`` when it would be a day trade that makes (or keeps) the
        account a pattern day trader under ``min_equity``; ``None`` to pass.

        ``surely_reaches(amount)``, if given, is a cheap test that answers True only
        when the equity is certainly at least ``amount`` (False: not known). When
        it answers True the rule cannot refuse, so the exact equity (a valuation
        of the whole book) is not made; the refusal always carries the exact one.
        """
        limits = self.limits
        # ``applies(at)``, ``_roll``'s early return and ``is_day_trade`` spelled
        # out: asked before every order, nearly always inside the session and for
        # an order that is no day trade (three calls, about 1.5 K instructions).
        if not limits.block or not (
            limits.enabled and (limits.after_retirement or at < PDT_RETIRED_AT)
        ):
            return None
        end = self._session_end
        if self._session is None or end is None or not at < end:
            self._roll(at)
        opened = self._opened.get(spec.symbol, _ZERO)
        if opened > _ZERO:
            if spec.side is not _SELL:
                return None
        elif not (opened < _ZERO and spec.side is _BUY):
            return None
        # ``count(at)`` without rolling again (just done), the broker's report read once.
        broker_count, flagged = self._broker_now()
        count = max(len(self._trades), broker_count)
        if count + 1 < PATTERN and not flagged:
            return None
        if surely_reaches is not None and surely_reaches(limits.min_equity):
            return None
        value = equity()
        if value >= limits.min_equity:
            return None
        return RiskVerdict(
            RULE,
            {
                "day_trades": str(count),
                "window_sessions": str(WINDOW_SESSIONS),
                "equity": str(value),
                "min_equity": str(limits.min_equity),
                "flagged": str(flagged).lower(),
                "symbol": spec.symbol,
            },
        )
