"""A sliced parent's order written into its decision and rebuilt from it after a restart."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import T0, key
from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.parent_record import (
    PARENT_ORDER,
    parent_from_details,
    parent_order_details,
)
from tradecore.domain.execution.policy import ExecutionPolicy
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side

HASHES = ("cfg", "model", "cost")


def _parent() -> OrderIntent:
    spec = OrderSpec(
        symbol="AAPL",
        side=Side.SELL,
        qty=Decimal(12_000),
        order_type=OrderType.LIMIT,
        limit_price=Decimal("99.95"),
    )
    return OrderIntent.create(
        key(qty=Decimal(12_000), side=Side.SELL, horizon="5bar"),
        spec,
        decided_at=T0,
        arrival_price=Decimal("100.01"),
        expected_edge_bps=12.5,
        execution_policy="twap",
        config_hash=HASHES[0],
        model_hash=HASHES[1],
        cost_model_hash=HASHES[2],
    )


def _details(parent: OrderIntent) -> dict[str, object]:
    details = {
        "client_order_id": parent.client_order_id,
        "policy": {
            "policy": "twap",
            "slices": 4,
            "horizon_minutes": 17.5,
            "participation_cap": 0.1,
        },
        PARENT_ORDER: parent_order_details(parent),
    }
    return json.loads(json.dumps(details))  # as the store gives it back


def _rebuild(details: dict[str, object]) -> tuple[OrderIntent, object]:
    return parent_from_details(
        strategy_id="sma_cross",
        symbol="AAPL",
        decided_at=T0,
        details=details,
        hashes=HASHES,
    )


def test_the_stored_parent_rebuilds_to_the_same_intent_and_schedule() -> None:
    parent = _parent()
    rebuilt, schedule = _rebuild(_details(parent))
    assert rebuilt == parent
    assert schedule.policy is ExecutionPolicy.TWAP  # type: ignore[attr-defined]
    assert schedule.slices == 4  # type: ignore[attr-defined]
    assert schedule.horizon == timedelta(minutes=17.5)  # type: ignore[attr-defined]
    assert schedule.participation_cap == 0.1  # type: ignore[attr-defined]
    assert schedule.start == T0  # type: ignore[attr-defined]


def test_a_parent_that_rebuilds_to_another_id_is_refused() -> None:
    details = _details(_parent())
    details[PARENT_ORDER]["qty"] = "12001"  # type: ignore[index]
    with pytest.raises(InvalidInput, match="rebuilds to client order id"):
        _rebuild(details)


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ((PARENT_ORDER,), PARENT_ORDER),
        ((PARENT_ORDER, "signal_hash"), "signal_hash"),
        ((PARENT_ORDER, "key_version"), "key_version"),
        (("policy", "slices"), "slices"),
        (("policy", "horizon_minutes"), "horizon_minutes"),
    ],
)
def test_a_missing_entry_is_named(path: tuple[str, ...], named: str) -> None:
    details = _details(_parent())
    holder: dict[str, object] = details
    for step in path[:-1]:
        holder = holder[step]  # type: ignore[assignment]
    del holder[path[-1]]
    with pytest.raises(InvalidInput, match=named):
        _rebuild(details)
