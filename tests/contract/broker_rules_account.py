"""Asset, account, day-trading and market-hours rules, alike on every adapter (BRK-70…).

Each case builds its own harness with the asset flags and account it needs:
``make_broker(assets=..., account=..., start=..., starting_cash=...)`` (the simulated
venue's config, or the Alpaca emulator's, which serves them as ``GET /v2/assets`` and
``GET /v2/account``). ``make_broker(unlimited=True)`` lifts the Alpaca harness's rate
limits for the case that places hundreds of orders. As in
:mod:`tests.contract.broker_rules_contract`, a rule is checked both before sending
(``Broker.rule_breach``: the engine's ``skipped(broker_rules:<rule>)``) and when the
order is sent anyway (``BrokerRuleBreached`` naming the rule).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.contract.broker_contract import (
    K,
    calm_bar,
    cid,
    fill_until_done,
    fills,
    limit,
    market,
    of,
)
from tests.contract.broker_rules_contract import refused_for
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags
from tradecore.domain.orders.spec import OrderSpec, Side, TimeInForce
from tradecore.ports.broker import Capability

SYMBOL = "AAPL"  # every harness's symbol
#: A margin account under $25,000 that already made three day trades this week.
PDT_ACCOUNT = AccountFlags(daytrade_count=3)
PDT_CASH = Decimal(20_000)
#: Sessions after the pattern-day-trader rule was retired (2026-06-04) and after
#: Alpaca dropped its account fields (2026-07-06): 10:30 New York (EDT).
AFTER_RETIREMENT = datetime(2026, 6, 8, 14, 30, tzinfo=UTC)
AFTER_FIELDS_REMOVED = datetime(2026, 7, 7, 14, 30, tzinfo=UTC)
#: 08:00 New York on Monday 2026-01-05, before the opening auction's cut-off.
PRE_MARKET = datetime(2026, 1, 5, 13, 0, tzinfo=UTC)
DAY = 86_400.0


def asset(**flags: object) -> dict[str, AssetFlags]:
    return {SYMBOL: AssetFlags(symbol=SYMBOL, **flags)}  # type: ignore[arg-type]


def bought(h, qty: int = 10) -> str:
    """Buy ``qty`` and wait until it is filled; return its client order id."""
    client_id = cid("acct")
    h.broker.submit(client_id, market(h, Side.BUY, qty))
    fill_until_done(h, client_id)
    h.drain()
    return client_id


class AccountRulesContract:
    """Asset flags, account flags, dated PDT, auction windows (BRK-70 … BRK-84)."""

    def test_inactive_asset_is_refused(self, make_broker):
        """BRK-70 an order in an inactive asset is refused before and when sent."""
        h = make_broker(assets=asset(status="inactive"))
        refused = refused_for(h, market(h, Side.BUY, 1), "asset_not_active")
        assert refused.breach.status == 422

    def test_untradable_asset_is_refused(self, make_broker):
        """BRK-71 an order in an asset that is not tradable is refused."""
        h = make_broker(assets=asset(tradable=False))
        refused_for(h, market(h, Side.BUY, 1), "asset_not_tradable")

    def test_short_of_a_non_shortable_asset_is_refused(self, make_broker):
        """BRK-72 selling past the position in a non-shortable asset is refused;
        selling what is held is not."""
        h = make_broker(assets=asset(shortable=False))
        refused = refused_for(h, market(h, Side.SELL, 5), "asset_not_shortable")
        assert refused.breach.message == f'asset "{SYMBOL}" cannot be sold short'
        bought(h, 10)
        assert h.broker.rule_breach(market(h, Side.SELL, 10)) is None
        refused_for(h, market(h, Side.SELL, 15), "asset_not_shortable")

    def test_hard_to_borrow_shorts_are_day_orders_only(self, make_broker):
        """BRK-73 a hard-to-borrow short is refused unless it is a day order."""
        h = make_broker(assets=asset(easy_to_borrow=False))
        gtc = limit(h, Side.SELL, 5, "120.00", TimeInForce.GTC)
        refused_for(h, gtc, "hard_to_borrow")
        day = limit(h, Side.SELL, 5, "120.00")
        assert h.broker.rule_breach(day) is None
        assert h.broker.submit(cid("acct"), day).broker_order_id

    def test_an_account_with_shorting_disabled_cannot_short(self, make_broker):
        """BRK-74 shorting_enabled false: a short is refused (403); a buy is not."""
        h = make_broker(account=AccountFlags(shorting_enabled=False))
        refused = refused_for(h, market(h, Side.SELL, 5), "shorting_not_allowed")
        assert refused.breach.status == 403
        assert refused.breach.message == "account is not allowed to short"
        assert h.broker.rule_breach(market(h, Side.BUY, 5)) is None

    def test_a_cash_account_cannot_short_and_buys_with_its_cash(self, make_broker):
        """BRK-75 multiplier 1: no shorts, and buying power is the cash."""
        h = make_broker(account=AccountFlags(multiplier=1))
        refused_for(h, market(h, Side.SELL, 5), "shorting_not_allowed")
        snapshot = h.broker.account()
        assert snapshot.buying_power == snapshot.cash == h.starting_cash

    def test_capabilities_follow_the_account(self, make_broker):
        """BRK-76 SHORT_SELL is declared only by an account that can short."""
        margin = make_broker()
        assert Capability.SHORT_SELL in margin.broker.capabilities
        for flags in (AccountFlags(multiplier=1), AccountFlags(shorting_enabled=False)):
            h = make_broker(account=flags)
            assert Capability.SHORT_SELL not in h.broker.capabilities
            assert Capability.REPLACE in h.broker.capabilities

    def test_the_fourth_day_trade_is_refused_before_june_2026(self, make_broker):
        """BRK-77 2026-01: under $25,000 with three day trades, closing today's
        position is refused (403, 40310100, pattern day trading protection)."""
        h = make_broker(account=PDT_ACCOUNT, starting_cash=PDT_CASH)
        bought(h, 10)
        refused = refused_for(h, market(h, Side.SELL, 10), "pattern_day_trading")
        assert (refused.breach.status, refused.breach.code) == (403, 40310100)
        assert "pattern day trading protection" in refused.breach.message
        assert h.broker.rule_breach(market(h, Side.BUY, 5)) is None  # opens more

    def test_a_position_from_an_earlier_session_is_no_day_trade(self, make_broker):
        """BRK-78 closing yesterday's position is not a day trade: not refused."""
        h = make_broker(account=PDT_ACCOUNT, starting_cash=PDT_CASH)
        bought(h, 10)
        h.advance(DAY)
        calm_bar(h)
        sell = market(h, Side.SELL, 10)
        assert h.broker.rule_breach(sell) is None
        assert h.broker.submit(cid("acct"), sell).broker_order_id

    def test_day_trades_are_not_refused_after_the_rule_was_retired(self, make_broker):
        """BRK-79 2026-06-08 (FINRA retired the PDT rule on 2026-06-04): the same
        round trip is taken."""
        h = make_broker(
            account=PDT_ACCOUNT, starting_cash=PDT_CASH, start=AFTER_RETIREMENT
        )
        bought(h, 10)
        sell = market(h, Side.SELL, 10)
        assert h.broker.rule_breach(sell) is None
        client_id = cid("acct")
        h.broker.submit(client_id, sell)
        fill_until_done(h, client_id)
        assert sum(f.qty for f in fills(h.drain(), client_id)) == 10

    def test_the_check_works_without_the_accounts_pdt_fields(self, make_broker):
        """BRK-80 2026-07-07: the account no longer carries the PDT fields; the
        pre-send check still applies the other rules, and day trades are taken."""
        h = make_broker(
            account=PDT_ACCOUNT,
            starting_cash=PDT_CASH,
            start=AFTER_FIELDS_REMOVED,
            assets=asset(shortable=False),
        )
        bought(h, 10)
        assert h.broker.rule_breach(market(h, Side.SELL, 10)) is None
        refused_for(h, market(h, Side.SELL, 11), "asset_not_shortable")

    def test_opg_inside_its_cut_off_is_refused_cls_before_its_own_is_not(
        self, make_broker
    ):
        """BRK-81 at 09:30 New York an opg order is refused (after 9:28) while a
        cls order is taken; at 15:50 the cls order is refused."""
        h = make_broker()
        opg = OrderSpec(
            symbol=h.symbol,
            side=Side.BUY,
            qty=Decimal(1),
            time_in_force=TimeInForce.OPG,
        )
        refused_for(h, opg, "opg_window")
        cls = limit(h, Side.BUY, 1, "90.00", TimeInForce.CLS)
        assert h.broker.rule_breach(cls) is None
        assert h.broker.submit(cid("acct"), cls).broker_order_id
        h.advance(6 * 3600 + 19 * 60)  # 15:50 New York (EST)
        refused_for(h, limit(h, Side.BUY, 1, "90.00", TimeInForce.CLS), "cls_window")

    def test_an_opg_order_fills_at_the_sessions_open(self, make_broker):
        """BRK-82 an opg order sent at 08:00 New York fills in the open's bar."""
        h = make_broker(start=PRE_MARKET)
        client_id = cid("acct")
        spec = limit(h, Side.BUY, 5, "101.00", TimeInForce.OPG)
        assert h.broker.rule_breach(spec) is None
        h.broker.submit(client_id, spec)
        h.advance(3600.0)  # 09:00: still before the open
        calm_bar(h)
        assert not fills(h.drain(), client_id)
        opens = PRE_MARKET + timedelta(minutes=90)
        h.advance((opens - h.now()).total_seconds())
        calm_bar(h)
        got = fills(h.drain(), client_id)
        assert sum(f.qty for f in got) == 5
        assert all(opens <= f.filled_at < opens + timedelta(minutes=1) for f in got)

    def test_a_cls_order_fills_in_the_sessions_last_bar(self, make_broker):
        """BRK-83 a cls order sent in the morning fills in the last bar, not before."""
        h = make_broker()
        client_id = cid("acct")
        h.broker.submit(client_id, limit(h, Side.BUY, 5, "101.00", TimeInForce.CLS))
        calm_bar(h)
        assert not fills(h.drain(), client_id)
        last = datetime(2026, 1, 5, 20, 59, tzinfo=UTC)  # 15:59 New York
        h.advance((last - h.now()).total_seconds())
        calm_bar(h)
        got = fills(h.drain(), client_id)
        assert sum(f.qty for f in got) == 5
        assert all(last <= f.filled_at < last + timedelta(minutes=1) for f in got)

    def test_open_orders_lists_more_than_one_page(self, make_broker):
        """BRK-84 510 working orders are all listed (Alpaca pages at 500).

        Sent in groups of 100 a millisecond apart: Alpaca pages by submission time
        (``after``), so orders sharing one instant past a full page could not be
        reached through the API (real Alpaca stamps each order in nanoseconds; the
        emulator's virtual clock stands still between control calls).
        """
        h = make_broker(unlimited=True)
        placed = set()
        for n in range(510):
            if n and n % 100 == 0:
                h.advance(0.001)
            client_id = cid("page")
            h.broker.submit(client_id, limit(h, Side.BUY, 1, "50.00"))
            placed.add(client_id)
        h.drain()
        listed = {o.client_order_id for o in h.broker.open_orders()}
        assert placed <= listed
        assert not [e for e in of(h.drain(), next(iter(placed))) if e.kind is K.FILL]
