"""Every pre-trade rule at, just under and just over its limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.calendars import xnys_hours
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce
from tradecore.domain.risk.checks import RiskVerdict, check_order
from tradecore.domain.risk.inputs import ExposureSnapshot
from tradecore.domain.risk.limits import MarketHours, RiskLimits, RiskLimitSet
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.risk.rates import OrderRateTracker, RateWindow
from tradecore.domain.risk.trading_state import TradingState

D = Decimal
MONDAY_OPEN = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)  # 09:30 New York (EST)
AT = MONDAY_OPEN + timedelta(hours=1)


def book(
    positions: dict[str, str] | None = None,
    marks: dict[str, str] | None = None,
    *,
    day_pnl: str = "0",
    drawdown: str = "0",
    references: dict[str, str] | None = None,
) -> ExposureSnapshot:
    marks = marks or {"AAPL": "100"}
    return ExposureSnapshot.build(
        {s: D(q) for s, q in (positions or {}).items()},
        {s: D(p) for s, p in marks.items()},
        references={s: D(p) for s, p in (references or marks).items()},
        day_pnl=D(day_pnl),
        drawdown=D(drawdown),
    )


def buy(qty: str, symbol: str = "AAPL") -> OrderSpec:
    return OrderSpec(symbol=symbol, side=Side.BUY, qty=D(qty))


def sell(qty: str, symbol: str = "AAPL") -> OrderSpec:
    return OrderSpec(symbol=symbol, side=Side.SELL, qty=D(qty))


def limit_buy(qty: str, price: str, *, extended: bool = False) -> OrderSpec:
    return OrderSpec(
        symbol="AAPL",
        side=Side.BUY,
        qty=D(qty),
        order_type=OrderType.LIMIT,
        limit_price=D(price),
        time_in_force=TimeInForce.DAY,
        extended_hours=extended,
    )


def check(
    limits: RiskLimits,
    spec: OrderSpec,
    b: ExposureSnapshot | None = None,
    *,
    at: datetime = AT,
    state: TradingState = TradingState.ACTIVE,
    rates: OrderRateTracker | None = None,
    strategy_id: str = "s1",
) -> RiskVerdict:
    return PreTradeChecker(limits, xnys_hours()).check(
        spec,
        strategy_id=strategy_id,
        at=at,
        book=b or book(),
        state=state,
        rates=rates,
    )


def rule(verdict: RiskVerdict) -> str | None:
    return verdict.rule


# --- order size -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qty", "refused"), [("99", False), ("100", False), ("100.01", True), ("101", True)]
)
def test_max_order_shares(qty: str, refused: bool) -> None:
    verdict = check(RiskLimits(max_order_shares=D(100)), buy(qty))
    assert rule(verdict) == ("max_order_shares" if refused else None)
    if refused:
        assert verdict.values == {"limit": "100", "value": qty}


@pytest.mark.parametrize(
    ("qty", "refused"), [("99.99", False), ("100", False), ("100.01", True)]
)
def test_max_order_notional(qty: str, refused: bool) -> None:
    verdict = check(RiskLimits(max_order_notional=D(10_000)), buy(qty))
    assert rule(verdict) == ("max_order_notional" if refused else None)
    if refused:
        assert verdict.values["value"] == str(D(qty) * 100)


def test_order_notional_uses_the_limit_price_of_a_limit_order() -> None:
    limits = RiskLimits(max_order_notional=D(10_000))
    assert check(limits, limit_buy("100", "100")).passed
    assert rule(check(limits, limit_buy("100", "100.01"))) == "max_order_notional"


# --- positions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qty", "refused"), [("99", False), ("100", False), ("101", True)]
)
@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
def test_max_position_shares(qty: str, refused: bool, side: Side) -> None:
    start = "400" if side is Side.BUY else "-400"
    spec = buy(qty) if side is Side.BUY else sell(qty)
    verdict = check(RiskLimits(max_position_shares=D(500)), spec, book({"AAPL": start}))
    assert rule(verdict) == ("max_position_shares" if refused else None)


def test_position_over_its_limit_may_still_be_reduced() -> None:
    limits = RiskLimits(max_position_shares=D(500))
    over = book({"AAPL": "800"})
    assert check(limits, sell("100"), over).passed
    assert rule(check(limits, buy("1"), over)) == "max_position_shares"


@pytest.mark.parametrize(
    ("qty", "refused"), [("99", False), ("100", False), ("100.5", True)]
)
def test_max_position_notional(qty: str, refused: bool) -> None:
    verdict = check(
        RiskLimits(max_position_notional=D(50_000)), buy(qty), book({"AAPL": "400"})
    )
    assert rule(verdict) == ("max_position_notional" if refused else None)


# --- exposure -------------------------------------------------------------------------


def _two_symbol_book() -> ExposureSnapshot:
    # gross = 10_000 + 10_000 = 20_000; net = 10_000 - 10_000 = 0
    return book({"AAPL": "100", "MSFT": "-200"}, {"AAPL": "100", "MSFT": "50"})


@pytest.mark.parametrize(
    ("qty", "refused"), [("99", False), ("100", False), ("101", True)]
)
def test_max_gross_exposure(qty: str, refused: bool) -> None:
    verdict = check(
        RiskLimits(max_gross_exposure=D(30_000)), buy(qty), _two_symbol_book()
    )
    assert rule(verdict) == ("max_gross_exposure" if refused else None)
    if refused:
        assert verdict.values == {
            "limit": "30000",
            "value": str(D(20_000) + D(qty) * 100),
            "before": "20000",
        }


def test_gross_exposure_counts_a_short_cover_as_a_reduction() -> None:
    limits = RiskLimits(max_gross_exposure=D(15_000))  # already over, at 20_000
    assert check(limits, buy("200", "MSFT"), _two_symbol_book()).passed
    assert rule(check(limits, sell("1", "MSFT"), _two_symbol_book())) == (
        "max_gross_exposure"
    )


@pytest.mark.parametrize(
    ("spec", "refused"),
    [
        (buy("49"), False),
        (buy("50"), False),
        (buy("51"), True),
        (sell("50"), False),
        (sell("51"), True),
    ],
)
def test_max_net_exposure(spec: OrderSpec, refused: bool) -> None:
    verdict = check(RiskLimits(max_net_exposure=D(5_000)), spec, _two_symbol_book())
    assert rule(verdict) == ("max_net_exposure" if refused else None)


# --- price collar ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "refused"), [("100.99", False), ("101.00", False), ("101.01", True)]
)
@pytest.mark.parametrize(
    "limits",
    [RiskLimits(price_collar_bps=D(100)), RiskLimits(price_collar_pct=D(1))],
    ids=["bps", "pct"],
)
def test_price_collar_on_the_limit_price(
    price: str, refused: bool, limits: RiskLimits
) -> None:
    verdict = check(limits, limit_buy("1", price))
    assert rule(verdict) == ("price_collar" if refused else None)
    if refused:
        assert verdict.values["deviation_bps"] == "101.00"
        assert verdict.values["reference"] == "100"


def test_price_collar_on_the_last_price_of_a_market_order() -> None:
    limits = RiskLimits(price_collar_bps=D(100))
    moved = book(marks={"AAPL": "98.99"}, references={"AAPL": "100"})
    assert rule(check(limits, buy("1"), moved)) == "price_collar"
    at_edge = book(marks={"AAPL": "99.00"}, references={"AAPL": "100"})
    assert check(limits, buy("1"), at_edge).passed


def test_price_collar_without_a_reference_fails_closed() -> None:
    b = ExposureSnapshot.build({}, {"AAPL": D(100)})
    verdict = check(RiskLimits(price_collar_bps=D(100)), buy("1"), b)
    assert verdict == RiskVerdict(
        "price_collar", {"limit_bps": "100", "reference": "unknown"}
    )


# --- restricted, shorting, hours ------------------------------------------------------


def test_restricted_symbol() -> None:
    limits = RiskLimits(restricted_symbols=["GME", "AMC"])
    b = book(marks={"AAPL": "100", "GME": "20"})
    assert check(limits, buy("1", "GME"), b) == RiskVerdict(
        "restricted_symbol", {"symbol": "GME"}
    )
    assert check(limits, buy("1"), b).passed
    assert limits.restricted_symbols == ("AMC", "GME")


@pytest.mark.parametrize(
    ("start", "spec", "refused"),
    [
        ("100", sell("99"), False),  # under: ends long 1
        ("100", sell("100"), False),  # at: ends flat
        ("100", sell("101"), True),  # over: ends short 1
        ("0", sell("1"), True),
        ("-100", buy("50"), False),  # covering an existing short is fine
        ("-100", sell("1"), True),  # growing it is not
    ],
)
def test_no_short(start: str, spec: OrderSpec, refused: bool) -> None:
    verdict = check(RiskLimits(allow_short=False), spec, book({"AAPL": start}))
    assert rule(verdict) == ("no_short" if refused else None)


@pytest.mark.parametrize(
    ("at", "refused"),
    [
        (MONDAY_OPEN - timedelta(microseconds=1), True),
        (MONDAY_OPEN, False),
        (MONDAY_OPEN.replace(hour=20, minute=59, second=59), False),  # 15:59:59 EST
        (MONDAY_OPEN.replace(hour=21, minute=0), True),  # the close
        (MONDAY_OPEN + timedelta(days=5), True),  # Saturday
        (datetime(2026, 7, 6, 13, 30, tzinfo=UTC), False),  # 09:30 EDT in summer
        (datetime(2026, 7, 6, 20, 30, tzinfo=UTC), True),  # 16:30 EDT: closed
        (datetime(2026, 7, 3, 15, 0, tzinfo=UTC), True),  # observed July 4th
        (datetime(2025, 11, 28, 17, 59, tzinfo=UTC), False),  # 12:59 before early close
        (datetime(2025, 11, 28, 18, 0, tzinfo=UTC), True),  # 13:00 early close
        (datetime(2026, 3, 9, 13, 30, tzinfo=UTC), False),  # first EDT Monday 09:30
        (datetime(2026, 3, 6, 14, 29, tzinfo=UTC), True),  # last EST Friday 09:29
    ],
)
def test_market_hours_regular_only(at: datetime, refused: bool) -> None:
    limits = RiskLimits(market_hours=MarketHours.REGULAR)
    verdict = check(limits, limit_buy("1", "100", extended=True), at=at)
    assert rule(verdict) == ("market_hours" if refused else None)


@pytest.mark.parametrize(
    ("hour", "extended", "refused"),
    [
        (12, True, False),  # 07:00 EST pre-market, explicitly extended
        (12, False, True),  # pre-market, regular order
        (8, True, True),  # 03:00 EST: before the extended session
        (9, True, False),  # 04:00 EST: the extended session starts
        (22, True, False),  # 17:00 EST after hours, explicitly extended
        (0, True, True),  # Monday 00:00 UTC = Sunday 19:00 EST: closed
    ],
)
def test_market_hours_extended(hour: int, extended: bool, refused: bool) -> None:
    limits = RiskLimits(market_hours=MarketHours.EXTENDED)
    at = MONDAY_OPEN.replace(hour=hour, minute=0)
    verdict = check(limits, limit_buy("1", "100", extended=extended), at=at)
    assert rule(verdict) == ("market_hours" if refused else None)
    if refused:
        assert verdict.values["policy"] == "extended"


# --- rates ----------------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "refused"), [(1, False), (2, False), (3, True)])
def test_max_orders_per_second(sent: int, refused: bool) -> None:
    rates = OrderRateTracker()
    for i in reversed(range(sent)):
        rates.record_order("AAPL", AT - timedelta(milliseconds=100 * (i + 1)))
    rates.record_order("MSFT", AT)  # another symbol does not count
    verdict = check(RiskLimits(max_orders_per_second=3), buy("1"), rates=rates)
    assert rule(verdict) == ("max_orders_per_second" if refused else None)


def test_orders_exactly_one_window_old_no_longer_count() -> None:
    rates = OrderRateTracker()
    rates.record_order("AAPL", AT - timedelta(seconds=1))
    rates.record_order("AAPL", AT - timedelta(milliseconds=999))
    limits = RiskLimits(max_orders_per_second=2)
    assert check(limits, buy("1"), rates=rates).passed
    rates.record_order("AAPL", AT)
    assert rule(check(limits, buy("1"), rates=rates)) == "max_orders_per_second"


@pytest.mark.parametrize(("sent", "refused"), [(8, False), (9, False), (10, True)])
def test_max_orders_per_minute(sent: int, refused: bool) -> None:
    rates = OrderRateTracker()
    for i in range(sent):
        rates.record_order("AAPL", AT - timedelta(seconds=59 - i))
    verdict = check(RiskLimits(max_orders_per_minute=10), buy("1"), rates=rates)
    assert rule(verdict) == ("max_orders_per_minute" if refused else None)
    if refused:
        assert verdict.values == {"limit": "10", "value": "11", "symbol": "AAPL"}


@pytest.mark.parametrize(("sent", "refused"), [(3, False), (4, False), (5, True)])
def test_max_cancels_per_minute(sent: int, refused: bool) -> None:
    rates = OrderRateTracker()
    for i in reversed(range(sent)):
        rates.record_cancel("AAPL", AT - timedelta(seconds=10 * i))
    checker = PreTradeChecker(RiskLimits(max_cancels_per_minute=5))
    verdict = checker.check_cancel("AAPL", strategy_id="s1", at=AT, rates=rates)
    assert rule(verdict) == ("max_cancels_per_minute" if refused else None)


def test_rate_window_refuses_time_going_back() -> None:
    window = RateWindow(timedelta(seconds=1))
    window.record("AAPL", AT)
    with pytest.raises(InvalidInput, match="before the latest event"):
        window.record("AAPL", AT - timedelta(microseconds=1))


# --- P&L ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pnl", "refused"), [("-999.99", False), ("-1000", False), ("-1000.01", True)]
)
def test_max_daily_loss(pnl: str, refused: bool) -> None:
    limits = RiskLimits(max_daily_loss=D(1000))
    b = book({"AAPL": "10"}, day_pnl=pnl)
    assert rule(check(limits, buy("1"), b)) == ("max_daily_loss" if refused else None)
    assert check(limits, sell("10"), b).passed  # closing out is always allowed


def test_daily_loss_unknown_fails_closed_for_new_risk() -> None:
    b = ExposureSnapshot.build({}, {"AAPL": D(100)})
    verdict = check(RiskLimits(max_daily_loss=D(1000)), buy("1"), b)
    assert verdict.values == {"limit": "1000", "value": "unknown"}


@pytest.mark.parametrize(
    ("dd", "refused"), [("499.99", False), ("500", False), ("500.01", True)]
)
def test_max_drawdown(dd: str, refused: bool) -> None:
    limits = RiskLimits(max_drawdown=D(500))
    b = book({"AAPL": "-10"}, drawdown=dd)
    assert rule(check(limits, sell("1"), b)) == ("max_drawdown" if refused else None)
    assert check(limits, buy("5"), b).passed


# --- trading state --------------------------------------------------------------------


def test_halted_refuses_everything_even_exits() -> None:
    verdict = check(
        RiskLimits(), sell("10"), book({"AAPL": "10"}), state=TradingState.HALTED
    )
    assert verdict == RiskVerdict("trading_halted", {"state": "halted"})


@pytest.mark.parametrize(
    ("start", "spec", "refused"),
    [
        ("100", sell("40"), False),  # shrink a long
        ("100", sell("100"), False),  # close it
        ("100", sell("101"), True),  # flip through zero
        ("100", buy("1"), True),  # grow
        ("0", buy("1"), True),  # new entry
        ("-50", buy("50"), False),  # cover a short
    ],
)
def test_reducing_lets_only_reductions_through(
    start: str, spec: OrderSpec, refused: bool
) -> None:
    verdict = check(
        RiskLimits(), spec, book({"AAPL": start}), state=TradingState.REDUCING
    )
    assert rule(verdict) == ("trading_reducing" if refused else None)


def test_order_without_a_price_is_refused() -> None:
    verdict = check(RiskLimits(), buy("1", "ZZZ"))
    assert verdict == RiskVerdict("price_unknown", {"symbol": "ZZZ"})


def test_first_failing_rule_is_the_one_reported() -> None:
    limits = RiskLimits(restricted_symbols=["AAPL"], max_order_shares=D(1))
    assert rule(check(limits, buy("5"))) == "restricted_symbol"


# --- per-strategy limits --------------------------------------------------------------


def test_strategy_limits_tighten_but_never_loosen() -> None:
    limits = RiskLimitSet(
        global_limits=RiskLimits(max_order_shares=D(1000), allow_short=True),
        strategies={
            "tight": RiskLimits(max_order_shares=D(500), allow_short=False),
            "loose": RiskLimits(max_order_shares=D(2000)),
        },
    )
    checker = PreTradeChecker(limits)

    def verdict(strategy: str, spec: OrderSpec) -> str | None:
        return checker.check(spec, strategy_id=strategy, at=AT, book=book()).rule

    assert verdict("tight", buy("501")) == "max_order_shares"
    assert verdict("tight", sell("1")) == "no_short"
    assert verdict("other", buy("501")) is None
    assert verdict("loose", buy("1001")) == "max_order_shares"
    assert verdict("loose", buy("1000")) is None


def test_tightening_merges_collars_given_in_different_units() -> None:
    merged = RiskLimits(price_collar_pct=D(2)).tightened_by(
        RiskLimits(price_collar_bps=D(150), market_hours=MarketHours.EXTENDED)
    )
    assert merged.collar_bps == D(150)
    assert merged.market_hours is MarketHours.EXTENDED
    stricter = merged.tightened_by(RiskLimits(market_hours=MarketHours.REGULAR))
    assert stricter.market_hours is MarketHours.REGULAR


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_order_shares": D(-1)}, "max_order_shares"),
        ({"max_order_notional": 100.0}, "max_order_notional"),
        ({"max_orders_per_second": 0}, "max_orders_per_second"),
        ({"restricted_symbols": ["bad symbol"]}, "restricted_symbols"),
        ({"restricted_symbols": "GME"}, "restricted_symbols"),
        (
            {"price_collar_pct": D(1), "price_collar_bps": D(100)},
            "price_collar_pct/price_collar_bps",
        ),
    ],
)
def test_bad_limits_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        RiskLimits(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_a_held_symbol_without_a_price_cannot_be_valued() -> None:
    with pytest.raises(InvalidInput, match="no price for a held symbol"):
        ExposureSnapshot.build({"AAPL": D(1)}, {})


def test_check_order_keeps_its_simple_contract() -> None:
    limits = RiskLimits(max_order_shares=D(10), allow_short=False)
    ok = check_order(limits, side=Side.BUY, qty=D(10), price=D(5), position=D(0))
    assert ok.passed
    over = check_order(limits, side=Side.BUY, qty=D(11), price=D(5), position=D(0))
    assert over == RiskVerdict("max_order_shares", {"limit": "10", "value": "11"})
    short = check_order(limits, side=Side.SELL, qty=D(1), price=D(5), position=D(0))
    assert short.rule == "no_short"


def test_a_market_hours_limit_without_the_calendars_hours_is_refused() -> None:
    limits = RiskLimitSet(
        strategies={"s1": RiskLimits(market_hours=MarketHours.REGULAR)}
    )
    with pytest.raises(InvalidInput, match="hours"):
        PreTradeChecker(limits)
    PreTradeChecker(RiskLimits())  # no market-hours limit: no hours needed
