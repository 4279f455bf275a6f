"""Flatten stored fills, decisions and outcomes into report rows (plain dicts)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.records import DecisionRecord, OutcomeRecord


def fill_rows(fills: Sequence[Fill]) -> list[dict[str, object]]:
    """One row per fill, in execution order."""
    return [
        {
            "filled_at": f.filled_at.isoformat(),
            "symbol": f.symbol,
            "side": f.side.value,
            "qty": f.qty,
            "price": f.price,
            "fee": f.fee,
            "client_order_id": f.client_order_id,
            "execution_id": f.execution_id,
        }
        for f in fills
    ]


def record_rows(
    decisions: Sequence[DecisionRecord], outcomes: Sequence[OutcomeRecord]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """One row per decision and one per outcome."""
    decision_rows: list[dict[str, object]] = [
        {
            "decision_id": d.decision_id,
            "decided_at": d.decided_at.isoformat(),
            "strategy_id": d.strategy_id,
            "symbol": d.symbol,
            "inputs_hash": d.inputs_hash,
            "config_hash": d.config_hash,
            "details": json.dumps(d.details, sort_keys=True, default=str),
        }
        for d in decisions
    ]
    outcome_rows: list[dict[str, object]] = [
        {
            "decision_id": o.decision_id,
            "kind": o.kind.value,
            "reason": o.reason or "",
            "client_order_id": o.client_order_id or "",
            "recorded_at": o.recorded_at.isoformat(),
        }
        for o in outcomes
    ]
    return decision_rows, outcome_rows
