"""Decision records built from validated parts equal the validating constructors'."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.strategies.protocol import Target
from tradecore.services.trading.decisions import (
    DecisionStamp,
    decision_record,
    order_intent,
)

_AT = datetime(2024, 1, 2, 15, 21, tzinfo=UTC)


def _stamp(**changes: object) -> DecisionStamp:
    fields: dict[str, object] = {
        "strategy_id": "sma_cross",
        "at": _AT,
        "session_date": date(2024, 1, 2),
        "config_hash": "c",
        "model_hash": "m",
        "cost_model_hash": "k",
        "manifest_hash": None,
    }
    fields.update(changes)
    return DecisionStamp(**fields)  # type: ignore[arg-type]


def test_order_intent_is_what_create_builds() -> None:
    """Key, spec and intent equal OrderIntent.create's from the validated key."""
    target = Target("AAPL", Decimal(100), "up")
    made = order_intent(_stamp(), target, Side.BUY, Decimal(100), Decimal("10.5"))
    key = DecisionKey(
        strategy_id="sma_cross",
        symbol="AAPL",
        side=Side.BUY,
        session_date=date(2024, 1, 2),
        horizon=target.horizon,
        signal_hash=sha256_hex("up")[:16],
        qty=Decimal(100),
    )
    expected = OrderIntent.create(
        key,
        OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(100)),
        decided_at=_AT,
        arrival_price=Decimal("10.5"),
        expected_edge_bps=None,
        execution_policy="market",
        config_hash="c",
        model_hash="m",
        cost_model_hash="k",
    )
    assert made == expected
    assert type(made) is OrderIntent


def test_decision_record_is_what_keyed_builds() -> None:
    """The record and its id equal DecisionRecord.keyed's (the instant spelled once)."""
    target = Target("AAPL", Decimal(100), "up")
    made = decision_record(_stamp(), target, Decimal(0), Decimal("10.5"), None)
    expected = DecisionRecord.keyed(
        strategy_id="sma_cross",
        symbol="AAPL",
        decided_at=_AT,
        inputs_hash=sha256_hex(["up", "100", "0"]),
        config_hash="c",
        model_hash="m",
        cost_model_hash="k",
        manifest_hash=None,
        details={"target": "100", "position": "0", "price": "10.5"},
    )
    assert made == expected


@pytest.mark.parametrize(
    ("what", "call"),
    [
        ("qty", lambda t: order_intent(_stamp(), t, Side.BUY, Decimal(0), None)),
        (
            "horizon",
            lambda t: order_intent(_stamp(), _blank(t), Side.BUY, Decimal(1), None),
        ),
        (
            "arrival_price",
            lambda t: order_intent(_stamp(), t, Side.BUY, Decimal(1), Decimal(-1)),
        ),
    ],
)
def test_what_no_one_checked_before_is_checked(what: str, call: object) -> None:
    """The caller's quantity and price and the target's horizon are still validated."""
    with pytest.raises(InvalidInput, match=what):
        call(Target("AAPL", Decimal(1), "up"))  # type: ignore[operator]


def _blank(target: Target) -> Target:
    return Target(target.symbol, target.qty, target.signal, "")


@pytest.mark.parametrize(
    "changes",
    [{"strategy_id": " "}, {"at": datetime(2024, 1, 2, 15, 21)}, {"session_date": "x"}],
)
def test_the_stamp_validates_what_records_take_from_it(
    changes: dict[str, object],
) -> None:
    """Strategy id, instant and session are checked once, on the stamp."""
    with pytest.raises(InvalidInput):
        _stamp(**changes)
