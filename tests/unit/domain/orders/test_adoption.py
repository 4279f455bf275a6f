"""Adopted intents: external orders, bracket legs, and how each is grouped and retried."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tradecore.domain.orders.adoption import (
    BRACKET_LEG,
    execution_parent,
    external_intent,
    is_adopted,
    is_bracket_leg,
    leg_intent,
)
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side

_AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _entry() -> OrderIntent:
    spec = OrderSpec(symbol="MSFT", side=Side.BUY, qty=Decimal(100))
    key = DecisionKey(
        strategy_id="breakout",
        symbol="MSFT",
        side=Side.BUY,
        session_date=_AT.date(),
        horizon="1bar",
        signal_hash="a" * 32,
        qty=Decimal(100),
    )
    return OrderIntent.create(key, spec, decided_at=_AT)


def _stop() -> OrderSpec:
    return OrderSpec(
        symbol="MSFT",
        side=Side.SELL,
        qty=Decimal(100),
        order_type=OrderType.STOP,
        stop_price=Decimal("95.00"),
    )


def test_a_leg_is_the_entrys_strategy_and_its_own_execution() -> None:
    entry = _entry()
    leg = leg_intent(
        parent=entry,
        client_order_id="leg-cid",
        broker_order_id="leg-broker-id",
        spec=_stop(),
        submitted_at=_AT,
    )
    assert leg.decision_key.strategy_id == "breakout"
    assert leg.execution_policy == BRACKET_LEG
    assert leg.parent_client_order_id == entry.client_order_id
    assert leg.broker_order_id == "leg-broker-id"
    assert is_bracket_leg(leg)
    assert is_adopted(leg)
    # TCA keeps the leg apart from its entry: its fills close what the entry opened.
    assert execution_parent(leg) == "leg-cid"
    assert execution_parent(entry) == entry.client_order_id
    assert not is_adopted(entry)


def test_two_legs_of_one_entry_have_distinct_decision_keys() -> None:
    entry = _entry()
    legs = [
        leg_intent(
            parent=entry,
            client_order_id=f"leg-{n}",
            broker_order_id=f"broker-{n}",
            spec=_stop(),
            submitted_at=_AT,
        )
        for n in (1, 2)
    ]
    assert legs[0].decision_key != legs[1].decision_key


def test_an_external_order_keeps_its_earlier_key() -> None:
    """The key of an external intent is what it was before legs shared its builder
    (stored external intents must be found again under the same key)."""
    spec = _stop()
    intent = external_intent(
        client_order_id="web-1",
        broker_order_id="b-1",
        spec=spec,
        submitted_at=_AT,
    )
    assert intent.decision_key.horizon == "external"
    assert intent.decision_key.strategy_id == "external"
    assert is_adopted(intent)
    assert not is_bracket_leg(intent)
    assert execution_parent(intent) == "web-1"
