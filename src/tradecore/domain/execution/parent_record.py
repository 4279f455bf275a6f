"""A sliced parent's order, written into its decision record and read back after a restart.

Why: a TWAP/POV parent is never sent, so the store holds no intent for it; only its
children are intents. A restarted engine that must go on slicing needs the parent's
exact decision key (the children's ids derive from it) and its schedule (policy,
slice count, horizon, participation cap, start). Both go into the parent decision's
details under :data:`PARENT_ORDER` / ``policy`` (JSON, no schema change), and
:func:`parent_from_details` rebuilds the very intent the first process sliced — it
checks the rebuilt id against the stored one, so a mismatch is an error, never a
second order under another id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.policy import ExecutionPolicy
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce

#: The decision-details entry that describes a sliced parent's order.
PARENT_ORDER = "parent_order"
#: The decision-details entry naming a parent canceled before its end (its
#: decision's outcome is ``skipped(parent_canceled)``): a restart leaves it over.
CANCELED_PARENT = "canceled_parent"
PARENT_CANCELED = "parent_canceled"


@attrs.frozen(kw_only=True, slots=True)
class ParentSchedule:
    """How a parent is sliced: what :meth:`ExecutionBook.add_parent` needs."""

    policy: ExecutionPolicy
    slices: int
    horizon: timedelta
    participation_cap: float | None
    start: datetime


def parent_order_details(parent: OrderIntent) -> dict[str, object]:
    """Return what a restart needs of ``parent`` beyond the rest of its decision."""
    key, spec = parent.decision_key, parent.spec
    return {
        "horizon": key.horizon,
        "signal_hash": key.signal_hash,
        "side": key.side.value,
        "qty": str(key.qty),
        "session_date": key.session_date.isoformat(),
        "key_version": key.version,
        "order_type": spec.order_type.value,
        "time_in_force": spec.time_in_force.value,
        "limit_price": None if spec.limit_price is None else str(spec.limit_price),
        "arrival_price": (
            None if parent.arrival_price is None else str(parent.arrival_price)
        ),
        "expected_edge_bps": parent.expected_edge_bps,
    }


def parent_from_details(
    *,
    strategy_id: str,
    symbol: str,
    decided_at: datetime,
    details: Mapping[str, object],
    hashes: tuple[str, str, str],
) -> tuple[OrderIntent, ParentSchedule]:
    """Rebuild a parent intent and its schedule from its decision record.

    ``hashes`` are the decision's config, model and cost-model hashes.

    Raises:
        InvalidInput: an entry is missing or malformed, or the rebuilt client order
            id is not the one the decision recorded.
    """
    order = _mapping(details, PARENT_ORDER)
    policy = _mapping(details, "policy")
    side = Side(_text(order, "side"))
    qty = Decimal(_text(order, "qty"))
    key = DecisionKey(
        strategy_id=strategy_id,
        symbol=symbol,
        side=side,
        session_date=date.fromisoformat(_text(order, "session_date")),
        horizon=_text(order, "horizon"),
        signal_hash=_text(order, "signal_hash"),
        qty=qty,
        version=_int(order, "key_version"),
    )
    spec = OrderSpec(
        symbol=symbol,
        side=side,
        qty=qty,
        order_type=OrderType(_text(order, "order_type")),
        time_in_force=TimeInForce(_text(order, "time_in_force")),
        limit_price=_decimal_or_none(order, "limit_price"),
    )
    config_hash, model_hash, cost_model_hash = hashes
    parent = OrderIntent.create(
        key,
        spec,
        decided_at=decided_at,
        arrival_price=_decimal_or_none(order, "arrival_price"),
        expected_edge_bps=_float_or_none(order, "expected_edge_bps"),
        execution_policy=_text(policy, "policy"),
        config_hash=config_hash,
        model_hash=model_hash,
        cost_model_hash=cost_model_hash,
    )
    recorded = details.get("client_order_id")
    if parent.client_order_id != recorded:
        raise InvalidInput(
            "parent_order",
            recorded,
            f"rebuilds to client order id {parent.client_order_id}",
        )
    cap = _float_or_none(policy, "participation_cap")
    schedule = ParentSchedule(
        policy=ExecutionPolicy(_text(policy, "policy")),
        slices=_int(policy, "slices"),
        horizon=timedelta(minutes=_number(policy, "horizon_minutes")),
        participation_cap=cap,
        start=decided_at,
    )
    return parent, schedule


def _mapping(values: Mapping[str, object], name: str) -> Mapping[str, object]:
    found = values.get(name)
    if not isinstance(found, Mapping):
        raise InvalidInput(name, found, "expected a mapping in the decision details")
    return found


def _text(values: Mapping[str, object], name: str) -> str:
    found = values.get(name)
    if not isinstance(found, str) or not found:
        raise InvalidInput(name, found, "expected a non-empty string")
    return found


def _int(values: Mapping[str, object], name: str) -> int:
    found = values.get(name)
    if isinstance(found, bool) or not isinstance(found, int):
        raise InvalidInput(name, found, "expected an int")
    return found


def _number(values: Mapping[str, object], name: str) -> float:
    found = values.get(name)
    if isinstance(found, bool) or not isinstance(found, int | float):
        raise InvalidInput(name, found, "expected a number")
    return float(found)


def _float_or_none(values: Mapping[str, object], name: str) -> float | None:
    return None if values.get(name) is None else _number(values, name)


def _decimal_or_none(values: Mapping[str, object], name: str) -> Decimal | None:
    return None if values.get(name) is None else Decimal(_text(values, name))
