"""Asset, account, day-trading and auction-window rules, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradecore.domain.broker_rules import context_breach, first_breach
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags, RuleContext
from tradecore.domain.broker_rules.day_trading import pdt_in_force
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce

#: Monday 2026-01-05 15:00 UTC: 10:00 New York.
NOW = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
OPEN = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
CLOSE = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)


def ctx(**kw: object) -> RuleContext:
    asset = kw.pop("asset", AssetFlags(symbol="AAPL"))
    account = kw.pop("account", AccountFlags())
    settings: dict[str, object] = {"now": NOW, "reference_price": Decimal(100)}
    settings.update(kw)
    return RuleContext(asset=asset, account=account, **settings)  # type: ignore[arg-type]


def order(side: Side = Side.SELL, qty: int = 10, **kw: object) -> OrderSpec:
    return OrderSpec(symbol="AAPL", side=side, qty=Decimal(qty), **kw)  # type: ignore[arg-type]


def rule(spec: OrderSpec, context: RuleContext) -> str | None:
    breach = first_breach(spec, context)
    return None if breach is None else breach.rule


def test_every_flag_on_takes_any_order() -> None:
    assert context_breach(order(), ctx()) is None
    assert context_breach(order(Side.BUY), ctx()) is None


@pytest.mark.parametrize(
    ("asset", "expected"),
    [
        (AssetFlags(symbol="AAPL", status="inactive"), "asset_not_active"),
        (AssetFlags(symbol="AAPL", tradable=False), "asset_not_tradable"),
    ],
)
def test_inactive_or_untradable_assets_refuse_buys_and_sells(asset, expected) -> None:
    assert rule(order(Side.BUY), ctx(asset=asset)) == expected
    breach = first_breach(order(Side.SELL), ctx(asset=asset, position=Decimal(10)))
    assert breach is not None
    assert breach.status == 422
    assert breach.code == 42210000


def test_not_shortable_refuses_only_sales_past_the_position() -> None:
    asset = AssetFlags(symbol="AAPL", shortable=False)
    assert rule(order(qty=10), ctx(asset=asset, position=Decimal(10))) is None
    assert rule(order(qty=11), ctx(asset=asset, position=Decimal(10))) == (
        "asset_not_shortable"
    )
    breach = first_breach(order(), ctx(asset=asset))
    assert breach is not None
    assert breach.message == 'asset "AAPL" cannot be sold short'
    assert rule(order(Side.BUY), ctx(asset=asset)) is None


def test_hard_to_borrow_shorts_must_be_day_orders() -> None:
    asset = AssetFlags(symbol="AAPL", easy_to_borrow=False)
    gtc = order(time_in_force=TimeInForce.GTC)
    assert rule(gtc, ctx(asset=asset)) == "hard_to_borrow"
    assert rule(order(), ctx(asset=asset)) is None
    assert rule(gtc, ctx(asset=asset, position=Decimal(10))) is None  # not a short


@pytest.mark.parametrize(
    "account",
    [AccountFlags(shorting_enabled=False), AccountFlags(multiplier=1)],
)
def test_cash_or_no_shorting_accounts_refuse_shorts(account) -> None:
    breach = first_breach(order(), ctx(account=account))
    assert breach is not None
    assert (breach.rule, breach.status, breach.code) == (
        "shorting_not_allowed",
        403,
        40310000,
    )
    assert breach.message == "account is not allowed to short"
    assert rule(order(), ctx(account=account, position=Decimal(10))) is None


def pdt_account(**kw: object) -> AccountFlags:
    settings: dict[str, object] = {"equity": Decimal(20_000), "daytrade_count": 3}
    settings.update(kw)
    return AccountFlags(**settings)  # type: ignore[arg-type]


def test_the_fourth_day_trade_is_refused_under_25k_before_june_2026() -> None:
    context = ctx(account=pdt_account(), position=Decimal(10))
    closing = order(qty=10)
    assert rule(closing, context) is None  # opened on an earlier day: no day trade
    today = ctx(account=pdt_account(), position=Decimal(10), opened_today=Decimal(10))
    breach = first_breach(closing, today)
    assert breach is not None
    assert (breach.rule, breach.status, breach.code) == (
        "pattern_day_trading",
        403,
        40310100,
    )
    assert breach.message == "trade denied due to pattern day trading protection"


@pytest.mark.parametrize(
    "account",
    [
        pdt_account(daytrade_count=2),
        pdt_account(equity=Decimal(25_000)),
        pdt_account(multiplier=1),
        pdt_account(daytrade_count=None),
    ],
)
def test_pdt_needs_three_trades_low_equity_and_margin(account) -> None:
    today = ctx(account=account, position=Decimal(10), opened_today=Decimal(10))
    assert rule(order(qty=10), today) is None


def test_pdt_is_retired_from_2026_06_04_new_york_time() -> None:
    before = datetime(2026, 6, 4, 3, 59, tzinfo=UTC)  # 23:59 on June 3 in New York
    after = datetime(2026, 6, 4, 4, 0, tzinfo=UTC)
    assert pdt_in_force(before)
    assert not pdt_in_force(after)
    today = ctx(
        account=pdt_account(),
        position=Decimal(10),
        opened_today=Decimal(10),
        now=datetime(2026, 6, 8, 15, 0, tzinfo=UTC),
    )
    assert rule(order(qty=10), today) is None


def auction(tif: TimeInForce, at: datetime, close: datetime = CLOSE) -> str | None:
    spec = order(Side.BUY, time_in_force=tif)
    return rule(spec, ctx(now=at, session_open=OPEN, session_close=close))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 1, 5, 14, 27, 59, tzinfo=UTC), None),  # 9:27:59 ET
        (datetime(2026, 1, 5, 14, 28, tzinfo=UTC), "opg_window"),  # 9:28 ET
        (datetime(2026, 1, 5, 23, 59, tzinfo=UTC), "opg_window"),  # 18:59 ET
        (datetime(2026, 1, 6, 0, 0, tzinfo=UTC), None),  # 19:00 ET: queued
    ],
)
def test_opg_is_refused_from_9_28_until_19_00_new_york(at, expected) -> None:
    assert auction(TimeInForce.OPG, at) == expected


def test_cls_cut_off_is_ten_minutes_before_the_sessions_close() -> None:
    assert auction(TimeInForce.CLS, datetime(2026, 1, 5, 20, 49, tzinfo=UTC)) is None
    assert auction(TimeInForce.CLS, datetime(2026, 1, 5, 20, 50, tzinfo=UTC)) == (
        "cls_window"
    )
    early = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)  # a 13:00 ET early close
    assert auction(TimeInForce.CLS, datetime(2026, 1, 5, 17, 50, tzinfo=UTC), early)


def test_auction_orders_without_a_session_are_not_refused() -> None:
    spec = order(Side.BUY, time_in_force=TimeInForce.OPG)
    late = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)
    assert rule(spec, ctx(now=late)) is None
    limit = order(
        Side.BUY,
        order_type=OrderType.LIMIT,
        limit_price=Decimal("100.00"),
        time_in_force=TimeInForce.DAY,
    )
    assert rule(limit, ctx(now=late, session_open=OPEN, session_close=CLOSE)) is None
