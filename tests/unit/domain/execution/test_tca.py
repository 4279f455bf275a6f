"""TCA: implementation shortfall and its exact decomposition; rollups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.calendars import xnys
from tests.factories import T0
from tradecore.domain import (
    Fill,
    ParentExecution,
    Side,
    analyze_execution,
    rollup_executions,
)
from tradecore.domain.errors import InvalidInput, Overfill

D = Decimal


def fill(
    qty: str, price: str, fee: str = "0", exec_id: str = "x1", side: Side = Side.BUY
) -> Fill:
    return Fill(
        execution_id=exec_id,
        client_order_id="parent",
        symbol="AAPL",
        side=side,
        qty=D(qty),
        price=D(price),
        fee=D(fee),
        filled_at=T0 + timedelta(seconds=1),
    )


def buy(**overrides: object) -> ParentExecution:
    fields: dict[str, object] = {
        "client_order_id": "parent",
        "strategy_id": "momentum",
        "symbol": "AAPL",
        "side": Side.BUY,
        "session_date": date(2026, 1, 5),
        "policy": "twap",
        "ordered_qty": D(1000),
        "decision_price": D("100.00"),
        "arrival_price": D("100.10"),
        "end_price": D("100.50"),
        "mark_price": D("101.00"),
        "arrival_spread_bps": 10.0,
        "fills": (
            fill("600", "100.20", "1.00", "x1"),
            fill("200", "100.30", "0.50", "x2"),
        ),
        "predicted_cost_bps": 10.0,
    }
    fields.update(overrides)
    return ParentExecution(**fields)  # type: ignore[arg-type]


def test_shortfall_parts_match_hand_computed_values() -> None:
    a = analyze_execution(buy())
    assert a.filled_qty == D(800)
    assert a.fill_ratio == pytest.approx(0.8)
    assert a.average_price == D("100.225")
    assert a.delay_cost == D("80.00")  # 800 x (100.10 - 100.00)
    assert a.execution_cost == D("100.00")  # 80,180 - 800 x 100.10
    assert a.spread_cost == D("40.0400")  # 800 x 100.10 x 5 bps
    assert a.impact_cost == D("59.9600")
    assert a.opportunity_cost == D("100.00")  # 200 x (100.50 - 100.00)
    assert a.fees == D("1.50")
    assert a.total_shortfall == D("281.50")
    assert a.arrival_shortfall == D("181.50")  # 100 + 200 x 0.40 + 1.50
    assert a.bps(a.total_shortfall) == pytest.approx(28.15)


def test_parts_add_up_exactly_to_the_total() -> None:
    a = analyze_execution(buy())
    assert a.delay_cost + a.execution_cost + a.opportunity_cost + a.fees == (
        a.total_shortfall
    )
    assert a.spread_cost + a.impact_cost == a.execution_cost


def test_pnl_splits_into_alpha_timing_and_costs() -> None:
    a = analyze_execution(buy())
    assert a.gross_alpha == D("800.00")  # 800 x (101 - 100)
    assert a.timing == D("-80.00")
    assert a.net_pnl == D("618.50")  # 800 x 101 - 80,180 - 1.50
    assert a.net_pnl == a.gross_alpha + a.timing - a.execution_cost - a.fees


def test_realized_cost_is_comparable_with_the_forecast() -> None:
    a = analyze_execution(buy())
    assert a.realized_cost_bps == pytest.approx(101.50 / 80_080 * 1e4)
    assert a.prediction_error_bps == pytest.approx(a.realized_cost_bps - 10.0)


def test_a_sell_mirrors_a_buy() -> None:
    sell = buy(
        side=Side.SELL,
        arrival_price=D("99.90"),
        end_price=D("99.50"),
        mark_price=D("99.00"),
        fills=(
            fill("600", "99.80", "1.00", "x1", Side.SELL),
            fill("200", "99.70", "0.50", "x2", Side.SELL),
        ),
    )
    a = analyze_execution(sell)
    assert (a.delay_cost, a.execution_cost, a.opportunity_cost) == (
        D("80.00"),
        D("100.00"),
        D("100.00"),
    )
    assert a.gross_alpha == D("800.00")


def test_an_unfilled_order_is_all_opportunity() -> None:
    a = analyze_execution(buy(fills=()))
    assert a.filled_qty == 0
    assert a.average_price is None
    assert a.total_shortfall == a.opportunity_cost == D("500.00")
    assert a.realized_cost_bps is None
    assert a.prediction_error_bps is None


def test_resting_policy_attributes_nothing_to_spread() -> None:
    a = analyze_execution(buy(spread_paid=0.0))
    assert a.spread_cost == 0
    assert a.impact_cost == a.execution_cost


def test_fills_must_belong_to_the_order() -> None:
    with pytest.raises(Overfill):
        buy(fills=(fill("1001", "100.20"),))
    with pytest.raises(InvalidInput, match="duplicate execution id"):
        buy(fills=(fill("1", "100.20", exec_id="x"), fill("1", "100.20", exec_id="x")))
    with pytest.raises(InvalidInput, match="symbol or side differs"):
        buy(fills=(fill("1", "100.20", side=Side.SELL),))


def _book() -> list[ParentExecution]:
    return [
        buy(),
        buy(
            client_order_id="p2",
            policy="marketable_limit",
            fills=(fill("1000", "100.15", "2.00", "x3"),),
            predicted_cost_bps=4.0,
        ),
        buy(
            client_order_id="p3",
            symbol="MSFT",
            session_date=date(2026, 1, 6),
            fills=(),
            predicted_cost_bps=None,
        ),
    ]


def test_rollup_by_policy_sums_and_weights_by_notional() -> None:
    analyses = [analyze_execution(e) for e in _book()]
    by_policy = {r.key: r for r in rollup_executions(analyses, "policy")}
    assert sorted(by_policy) == ["marketable_limit", "twap"]
    twap = by_policy["twap"]
    assert twap.orders == 2
    assert twap.ordered_qty == D(2000)
    assert twap.filled_qty == D(800)
    assert twap.fill_ratio == pytest.approx(0.4)
    total = analyses[0].total_shortfall + analyses[2].total_shortfall
    assert twap.shortfall_bps == pytest.approx(float(total / D(200_000)) * 1e4)
    # only the order that filled and had a forecast enters the forecast stats
    assert twap.predicted_cost_bps == 10.0
    assert twap.mean_error_bps == pytest.approx(analyses[0].prediction_error_bps)
    assert twap.net_pnl == analyses[0].net_pnl + analyses[2].net_pnl


def test_rollup_by_symbol_day_and_strategy() -> None:
    analyses = [analyze_execution(e) for e in _book()]
    assert [r.key for r in rollup_executions(analyses, "symbol")] == ["AAPL", "MSFT"]
    assert [r.key for r in rollup_executions(analyses, "day")] == [
        "2026-01-05",
        "2026-01-06",
    ]
    (strategy,) = rollup_executions(analyses, "strategy")
    assert strategy.orders == 3
    errors = [a.prediction_error_bps for a in analyses[:2]]
    assert strategy.mean_abs_error_bps == pytest.approx(
        sum(abs(e) for e in errors if e is not None) / 2
    )
    msft = rollup_executions(analyses, "symbol")[1]
    assert msft.predicted_cost_bps is None


def decided(*at: datetime) -> list[ParentExecution]:
    """Unfilled orders decided at ``at``, their session date the UTC date (old keys)."""
    return [
        buy(client_order_id=f"p{i}", decided_at=t, session_date=t.date(), fills=())
        for i, t in enumerate(at)
    ]


def days(executions: list[ParentExecution], **calendar: object) -> dict[str, int]:
    analyses = [analyze_execution(e) for e in executions]
    rollups = rollup_executions(analyses, "day", **calendar)  # type: ignore[arg-type]
    return {r.key: r.orders for r in rollups}


@pytest.mark.parametrize(
    "evening",
    [
        datetime(2026, 1, 13, 23, 0, tzinfo=UTC),  # winter: 18:00 New York
        datetime(2025, 7, 15, 23, 0, tzinfo=UTC),  # summer: 19:00 New York
    ],
)
def test_day_rollup_puts_the_evening_before_a_session_into_it(
    evening: datetime,
) -> None:
    morning = evening + timedelta(hours=15, minutes=45)  # 09:45 or 10:45 New York
    book = decided(evening, morning)
    assert days(book, calendar=xnys()) == {morning.date().isoformat(): 2}
    assert days(book) == {  # the UTC dates (old behaviour) split it
        evening.date().isoformat(): 1,
        morning.date().isoformat(): 1,
    }


def test_day_rollup_splits_the_last_minute_from_the_next_morning() -> None:
    book = decided(
        datetime(2026, 1, 13, 20, 30, tzinfo=UTC),  # 15:30 New York
        datetime(2026, 1, 13, 20, 59, tzinfo=UTC),  # 15:59
        datetime(2026, 1, 14, 14, 31, tzinfo=UTC),  # 09:31 next day
    )
    assert days(book, calendar=xnys()) == {"2026-01-13": 2, "2026-01-14": 1}


def test_day_rollup_without_a_decision_time_keeps_the_session_date() -> None:
    assert days([buy(fills=())], calendar=xnys()) == {"2026-01-05": 1}


def test_rollup_refuses_an_unknown_grouping() -> None:
    with pytest.raises(InvalidInput, match="by"):
        rollup_executions([], "venue")
