"""What the Alpaca adapter knows before sending an order: the facts its rules read.

The pre-send check (:meth:`AlpacaBroker.rule_breach`) applies the same rules as the
simulated venue and the emulator (:mod:`tradecore.domain.broker_rules`) to a
:class:`RuleContext` built from facts cached this session, so it costs no broker
call per order:

- the asset (``GET /v2/assets/{symbol}``): read on the first order in a symbol and
  kept for the session (an unknown symbol is left to the broker's own answer);
- the account (``GET /v2/account``): read at connect and again once it is older than
  ``account_ttl`` — multiplier, ``shorting_enabled``, equity and, while Alpaca still
  sent it (until 2026-07-06), ``daytrade_count``;
- positions: read once (at connect), then moved by the fills the adapter reports
  (those from before the read are in it already); today's opened quantity and the
  day trades made since the account was read come from the same fills (a fill's New
  York date is its session; fills before the adapter started are not seen, so a
  restart mid-session forgets what it opened earlier that day);
- the adapter's own resting orders (those it placed and has not seen end);
- the reference price: the symbol's last fill price the adapter saw, if any;
- for ``opg``/``cls`` orders only, the day's session (``GET /v2/calendar``, cached
  per date).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from alpaca.trading.models import Asset, TradeAccount
from alpaca.trading.models import Calendar as SdkCalendar
from alpaca.trading.models import Position as SdkPosition
from alpaca.trading.requests import GetCalendarRequest

from tradecore.adapters.alpaca.errors import Operation
from tradecore.adapters.alpaca.mapping import decimal
from tradecore.adapters.alpaca.rest import AlpacaRest
from tradecore.domain.broker_rules.accounts import can_short
from tradecore.domain.broker_rules.context import (
    AccountFlags,
    AssetFlags,
    RestingOrder,
    RuleContext,
)
from tradecore.domain.broker_rules.day_trading import (
    NEW_YORK,
    after_fill,
    session_date,
)
from tradecore.domain.errors import OrderNotFound
from tradecore.domain.orders.events import ENDING_KINDS, OrderEvent
from tradecore.domain.orders.spec import OrderSpec, TimeInForce
from tradecore.ports.broker import BrokerOrder, Capability

log = logging.getLogger(__name__)
_ZERO = Decimal(0)
#: How long the account's flags are trusted before the next check re-reads them.
ACCOUNT_TTL = timedelta(minutes=1)
_AUCTION = (TimeInForce.OPG, TimeInForce.CLS)


def account_flags(item: TradeAccount) -> AccountFlags:
    """The rule-relevant flags of ``GET /v2/account`` (PDT fields may be absent)."""
    multiplier = decimal(item.multiplier) or Decimal(1)
    count = getattr(item, "daytrade_count", None)
    return AccountFlags(
        multiplier=int(multiplier),
        shorting_enabled=bool(item.shorting_enabled),
        equity=decimal(item.equity) or _ZERO,
        daytrade_count=None if count is None else int(count),
        pattern_day_trader=bool(getattr(item, "pattern_day_trader", False)),
    )


def asset_flags(item: Asset) -> AssetFlags:
    """The rule-relevant flags of ``GET /v2/assets/{symbol}``."""
    return AssetFlags(
        symbol=item.symbol,
        tradable=bool(item.tradable),
        shortable=bool(item.shortable),
        easy_to_borrow=bool(item.easy_to_borrow),
        fractionable=bool(item.fractionable),
        marginable=bool(item.marginable),
        status=str(getattr(item.status, "value", item.status)),
    )


def capabilities_for(
    account: AccountFlags, base: frozenset[Capability]
) -> frozenset[Capability]:
    """``base`` less what the account cannot do: shorts need margin and shorting on."""
    if can_short(account.multiplier, account.shorting_enabled):
        return base
    return base - {Capability.SHORT_SELL}


class RuleFacts:
    """The adapter's cached facts for the pre-send check; see the module docstring."""

    def __init__(
        self,
        rest: AlpacaRest,
        client: Any,
        now: Callable[[], datetime],
        account_ttl: timedelta = ACCOUNT_TTL,
    ) -> None:
        """Know nothing yet; every fact is read on first need."""
        self._rest = rest
        self._client = client
        self._now = now
        self._ttl = account_ttl
        self._assets: dict[str, AssetFlags | None] = {}
        self._account: AccountFlags | None = None
        self._account_at: datetime | None = None
        self._positions: dict[str, Decimal] | None = None
        self._positions_at: datetime | None = None
        self._day: date | None = None
        self._opened: dict[str, Decimal] = {}
        self._counted: set[str] = set()
        self._new_day_trades = 0
        self._last_price: dict[str, Decimal] = {}
        self._resting: dict[str, tuple[str, RestingOrder]] = {}
        self._sessions: dict[date, tuple[datetime, datetime] | None] = {}
        self._closed_today = False

    # --- reading from the broker ---------------------------------------------------

    def refresh_account(self) -> AccountFlags:
        """Read the account now (at connect, or when the cached flags are stale)."""
        item = self._rest.call(Operation.READ, self._client.get_account, safe=True)
        self._account = account_flags(cast(TradeAccount, item))
        self._account_at = self._now()
        self._new_day_trades = 0
        return self._account

    def load_positions(self) -> None:
        """Read the positions once; later fills move them."""
        items = self._rest.call(
            Operation.READ, self._client.get_all_positions, safe=True
        )
        self._positions = {
            str(p.symbol): decimal(p.qty) or _ZERO
            for p in cast(list[SdkPosition], items)
        }
        self._positions_at = self._now()

    def account(self) -> AccountFlags:
        """The account's flags, re-read when older than the TTL."""
        at = self._account_at
        if self._account is None or at is None or self._now() - at >= self._ttl:
            return self.refresh_account()
        return self._account

    def asset(self, symbol: str) -> AssetFlags | None:
        """The asset's flags (read once per symbol); ``None`` if Alpaca has none."""
        if symbol not in self._assets:
            try:
                item = self._rest.call(
                    Operation.READ, lambda: self._client.get_asset(symbol), safe=True
                )
            except OrderNotFound:  # a 404: no such asset
                self._assets[symbol] = None
            else:
                self._assets[symbol] = asset_flags(cast(Asset, item))
        return self._assets[symbol]

    def session(self, day: date) -> tuple[datetime, datetime] | None:
        """The open and close (UTC) of the session on ``day``, read once per date."""
        if day not in self._sessions:
            query = GetCalendarRequest(start=day, end=day)
            items = self._rest.call(
                Operation.READ, lambda: self._client.get_calendar(query), safe=True
            )
            found = [c for c in cast(list[SdkCalendar], items) if c.date == day]
            self._sessions[day] = None
            if found:
                opens = found[0].open.replace(tzinfo=NEW_YORK)
                closes = found[0].close.replace(tzinfo=NEW_YORK)
                self._sessions[day] = (opens, closes)
        return self._sessions[day]

    # --- the context ----------------------------------------------------------------

    def context(self, spec: OrderSpec) -> RuleContext | None:
        """The context ``spec`` is checked in (``None``: the asset is unknown)."""
        asset = self.asset(spec.symbol)
        if asset is None:
            return None
        account = self.account()
        if account.daytrade_count is not None and self._new_day_trades:
            count = account.daytrade_count + self._new_day_trades
            account = AccountFlags(
                multiplier=account.multiplier,
                shorting_enabled=account.shorting_enabled,
                equity=account.equity,
                daytrade_count=count,
                pattern_day_trader=account.pattern_day_trader,
            )
        if self._positions is None:
            self.load_positions()
        assert self._positions is not None
        now = self._now()
        symbol = spec.symbol
        opens = closes = None
        if spec.time_in_force in _AUCTION and (day := self.session(session_date(now))):
            opens, closes = day
        today = session_date(now)
        return RuleContext(
            asset=asset,
            account=account,
            now=now,
            reference_price=self._last_price.get(symbol) or spec.limit_price,
            position=self._positions.get(symbol, _ZERO),
            resting=tuple(r for s, r in self._resting.values() if s == symbol),
            opened_today=self._opened.get(symbol, _ZERO)
            if self._day == today
            else _ZERO,
            session_open=opens,
            session_close=closes,
        )

    # --- keeping the facts current --------------------------------------------------

    def placed(self, order: BrokerOrder) -> None:
        """An order the adapter placed rests until an event ends it."""
        spec = order.spec
        qty = spec.qty if spec.qty is not None else _ZERO
        self._resting[order.broker_order_id] = (
            spec.symbol,
            RestingOrder(
                broker_order_id=order.broker_order_id,
                side=spec.side,
                order_type=spec.order_type,
                open_qty=qty - order.filled_qty,
                limit_price=spec.limit_price,
                stop_price=spec.stop_price,
            ),
        )

    def on_event(self, event: OrderEvent) -> None:
        """Move positions, today's opened shares and resting orders by ``event``."""
        fill = event.fill
        order_id = event.broker_order_id or ""
        if fill is not None:
            self._on_fill(fill.symbol, fill.signed_qty, fill.price, fill.filled_at)
            if fill.client_order_id not in self._counted and self._closed_today:
                self._counted.add(fill.client_order_id)
                self._new_day_trades += 1
            resting = self._resting.get(order_id)
            if resting is not None:
                symbol, order = resting
                left = order.open_qty - fill.qty
                self._resting[order_id] = (
                    symbol,
                    RestingOrder(
                        broker_order_id=order.broker_order_id,
                        side=order.side,
                        order_type=order.order_type,
                        open_qty=max(left, _ZERO),
                        limit_price=order.limit_price,
                        stop_price=order.stop_price,
                    ),
                )
        if event.kind in ENDING_KINDS:
            self._resting.pop(order_id, None)

    def _on_fill(
        self, symbol: str, signed: Decimal, price: Decimal, at: datetime
    ) -> None:
        day = session_date(at)
        if day != self._day:
            self._day, self._opened, self._counted = day, {}, set()
        positions = self._positions
        before = _ZERO if positions is None else positions.get(symbol, _ZERO)
        opened, self._closed_today = after_fill(
            self._opened.get(symbol, _ZERO), before, signed
        )
        self._opened[symbol] = opened
        taken = self._positions_at
        # A fill from before the positions were read (a catch-up after connect) is
        # in them already: it counts for today's opened shares only.
        if positions is not None and (taken is None or at >= taken):
            positions[symbol] = before + signed
        self._last_price[symbol] = price
