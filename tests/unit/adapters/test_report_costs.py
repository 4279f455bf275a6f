"""The report's cost charts and decision explanations."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from tests.factories import T0
from tradecore.adapters.report.cost_section import (
    EXPLAINED_ROWS,
    _explained_by_id,
    _explained_in_order,
    cost_sections,
    policy_bars_svg,
    scatter_svg,
)
from tradecore.domain.execution.tca import ParentExecution, analyze_execution
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side

D = Decimal


def _analysis(cid: str, policy: str, price: str, predicted: float | None) -> object:
    fill = Fill(
        execution_id=f"x-{cid}",
        client_order_id=cid,
        symbol="AAA",
        side=Side.BUY,
        qty=D(100),
        price=D(price),
        fee=D("0.50"),
        filled_at=T0,
    )
    return analyze_execution(
        ParentExecution(
            client_order_id=cid,
            strategy_id="s",
            symbol="AAA",
            side=Side.BUY,
            session_date=date(2026, 1, 5),
            policy=policy,
            ordered_qty=D(100),
            decision_price=D(100),
            arrival_price=D(100),
            end_price=D(100),
            fills=(fill,),
            arrival_spread_bps=4.0,
            predicted_cost_bps=predicted,
        )
    )


ANALYSES = [
    _analysis("a", "twap", "100.05", 4.0),
    _analysis("b", "passive_limit", "100.01", 1.0),
    _analysis("c", "market", "100.10", None),
]


def test_the_scatter_has_one_dot_per_forecast_order() -> None:
    svg = scatter_svg(ANALYSES)  # type: ignore[arg-type]
    assert svg.count('fill-opacity="0.6"') == 2  # "c" had no forecast
    assert "twap: predicted 4.00, realized 5.50 bps" in svg
    assert 'stroke-dasharray="4 3"' in svg  # the perfect-forecast diagonal


def test_cost_by_policy_shows_each_policy_and_its_total() -> None:
    svg = policy_bars_svg(ANALYSES)  # type: ignore[arg-type]
    for policy in ("twap", "passive_limit", "market"):
        assert f">{policy}<" in svg
    assert "twap impact" in svg
    assert ">5.50<" in svg  # 5 bps paid over arrival + 0.5 bps fees


def test_decisions_are_explained_with_policy_sizing_and_skips() -> None:
    details = {
        "policy": {
            "policy": "marketable_limit",
            "cost": {"total_bps": 3.2},
            "expected_edge_bps": 9.0,
            "reasons": ["urgent and tight spread: marketable limit"],
        },
        "sizing": {
            "conservative_probability": 0.61,
            "final_fraction": 0.05,
            "shares": "500",
            "reason": None,
        },
    }
    decisions = [
        {
            "decision_id": "d1",
            "symbol": "AAA",
            "decided_at": "t1",
            "details": json.dumps(details),
        },
        {"decision_id": "d2", "symbol": "AAA", "decided_at": "t2", "details": "{}"},
    ]
    outcomes = [
        {"decision_id": "d1", "kind": "submitted", "reason": ""},
        {"decision_id": "d2", "kind": "skipped", "reason": "cost_exceeds_edge"},
    ]
    html = cost_sections(ANALYSES, decisions, outcomes)  # type: ignore[arg-type]
    assert "urgent and tight spread: marketable limit" in html
    assert "3.20 / 9.00" in html
    assert "p=0.61 f=0.05 500 sh" in html
    assert "<td>cost_exceeds_edge</td><td class='num'>1</td>" in html
    assert "first 1 of 1 net-of-cost decisions" in html


def _explained_rows(n: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    sizing = {"sizing": {"conservative_probability": 0.6, "shares": "1"}}
    decisions: list[dict[str, object]] = [
        {
            "decision_id": f"d{k:03}",
            "symbol": "AAA",
            "decided_at": f"t{k:03}",
            "details": json.dumps(sizing) if k % 3 else "{}",
        }
        for k in range(n)
    ]
    outcomes: list[dict[str, object]] = [
        {"decision_id": f"d{k:03}", "kind": "skipped" if k % 2 else "submitted",
         "reason": f"r{k % 4}"}
        for k in range(n) if k % 5
    ]  # fmt: skip
    return decisions, outcomes


class _Reads(list[dict[str, object]]):
    """Rows that count how often they are read."""

    reads = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        self.reads += 1
        return super().__iter__()


def test_explained_decisions_are_streamed_in_one_pass_keeping_the_first_rows() -> None:
    decisions, outcomes = _explained_rows(150)
    streamed = _Reads(outcomes)
    shown, count, skips = _explained_in_order(decisions, streamed)  # type: ignore[arg-type,misc]
    assert streamed.reads == 1
    assert count == 100  # every decision with sizing details
    assert len(shown) == EXPLAINED_ROWS
    assert sum(skips.values()) == sum(1 for o in outcomes if o["kind"] == "skipped")
    assert (shown, count, skips) == _explained_by_id(decisions, outcomes)  # type: ignore[arg-type]
    html = cost_sections([], decisions, outcomes)  # type: ignore[arg-type]
    assert f"first {EXPLAINED_ROWS} of 100 net-of-cost decisions" in html


def test_outcomes_in_another_order_give_the_same_section() -> None:
    decisions, outcomes = _explained_rows(60)
    expected = cost_sections([], decisions, outcomes)  # type: ignore[arg-type]
    assert _explained_in_order(decisions, outcomes[::-1]) is None  # type: ignore[arg-type]
    assert cost_sections([], decisions, outcomes[::-1]) == expected  # type: ignore[arg-type]
    orphan = [*outcomes, {"decision_id": "zz", "kind": "skipped", "reason": "r9"}]
    assert _explained_in_order(decisions, orphan) is None  # type: ignore[arg-type]
    assert "<td>r9</td><td class='num'>1</td>" in cost_sections([], decisions, orphan)  # type: ignore[arg-type]
