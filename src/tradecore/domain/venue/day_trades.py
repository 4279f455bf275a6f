"""Day trades at the simulated venue: what was opened today, and trades in 5 sessions.

A day trade is closing, in the same session, shares of a position opened in that
session (FINRA Rule 4210(f)(8)(B), as Alpaca counted it for its pattern-day-trader
protection: :mod:`tradecore.domain.broker_rules.day_trading`). One closing order
counts once per session however many fills it takes. The account's configured
``daytrade_count`` is taken as day trades made on the first session the venue trades.
"""

from __future__ import annotations

from collections import deque
from datetime import date, datetime
from decimal import Decimal

from tradecore.domain.broker_rules.day_trading import after_fill, window_start
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.executions import Fill

_ZERO = Decimal(0)


class DayTrades:
    """Per-session opened quantities and the dates of day trades; see the module."""

    def __init__(self, calendar: MarketCalendar, initial_count: int = 0) -> None:
        """Count nothing yet but ``initial_count`` trades on the first session seen."""
        self._calendar = calendar
        self._initial = initial_count
        self._session: date | None = None
        self._session_end: datetime | None = None
        self._opened: dict[str, Decimal] = {}
        self._counted: set[str] = set()
        #: Session dates of the day trades still inside the window, oldest first
        #: (older ones are dropped: sessions only move forward).
        self.trades: deque[date] = deque()
        self._window_start: tuple[date, date] | None = None

    def _roll(self, at: datetime) -> date:
        end = self._session_end
        if self._session is None or end is None or at >= end:
            calendar = self._calendar
            session = calendar.trading_day(at)
            if self._session is None and self._initial:
                self.trades.extend([session] * self._initial)
            self._session, self._session_end = session, calendar.next_close(at)
            self._opened, self._counted = {}, set()
        assert self._session is not None
        return self._session

    def on_fill(self, fill: Fill, before: Decimal) -> None:
        """Account for ``fill`` of a position holding ``before`` shares."""
        # ``_roll``'s test, made here: inside the session (nearly every fill) the
        # session is the one held and the call is not made.
        session, end = self._session, self._session_end
        if session is None or end is None or fill.filled_at >= end:
            session = self._roll(fill.filled_at)
        opened, day_trade = after_fill(
            self._opened.get(fill.symbol, _ZERO), before, fill.signed_qty
        )
        if day_trade and fill.client_order_id not in self._counted:
            self._counted.add(fill.client_order_id)
            self.trades.append(session)
        self._opened[fill.symbol] = opened

    def opened_today(self, symbol: str, now: datetime) -> Decimal:
        """Signed shares of ``symbol``'s position opened in ``now``'s session."""
        # ``_roll``'s test, made here (as in ``on_fill``): inside the session, as
        # at nearly every check, the call is not made.
        end = self._session_end
        if self._session is None or end is None or now >= end:
            self._roll(now)
        return self._opened.get(symbol, _ZERO)

    def count(self, now: datetime) -> int:
        """Day trades in ``now``'s session and the four before it.

        O(1) amortised: the window's first session is computed once per session and
        trades before it are dropped, so the count is the deque's length.
        """
        session, end = self._session, self._session_end
        if session is None or end is None or now >= end:  # ``_roll``'s test
            session = self._roll(now)
        trades = self.trades
        if not trades:
            return 0
        # ``_first_in_window``'s kept answer, read without its call.
        cached = self._window_start
        if cached is not None and cached[0] == session:
            first = cached[1]
        else:
            first = self._first_in_window(session)
        while trades and trades[0] < first:
            trades.popleft()
        return len(trades)

    def _first_in_window(self, session: date) -> date:
        cached = self._window_start
        if cached is not None and cached[0] == session:
            return cached[1]
        first = window_start(self._calendar, session)
        self._window_start = (session, first)
        return first
