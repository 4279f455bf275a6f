"""Adopting the broker's truth: orders we did not send, positions we did not book.

Reconciliation heals by *recording* what the broker already did, never by trading.
Two deterministic representations, both ordinary intents so that every fill in the
ledger belongs to an intent (the store's foreign key) and every later event for the
order finds it:

* **External intent** (:func:`external_intent`): an order at the broker under a client
  order id tradecore never derived (placed in Alpaca's web UI, by another program,
  or a bracket leg of an entry this process did not place: after a restart). It is
  stored under the *broker's* client order id, with ``strategy_id`` and
  ``execution_policy`` ``"external"``; its decision key's signal is the broker's
  order id, and its decision time the broker's submission time. It starts
  SUBMITTED with the broker's order id, then is brought level with the broker like
  any adopted order (its fills are the broker's, or synthesized from the broker's
  filled quantity with a deterministic id).
* **Bracket leg** (:func:`leg_intent`): a take-profit or stop-loss order the broker
  created for a bracketed entry of ours. The order manager adopts it at its first
  event (it learned the leg's broker id from the entry's acknowledgement), under the
  broker's client order id, with the entry's strategy id, so the leg's fills are
  stored like any fill of ours.
* **Position adjustment** (:func:`position_adjustment`): when the broker's position
  differs from the ledger and no order of ours or theirs is working in the symbol
  (so no event can still be on its way), one FILLED intent with one fill for the
  difference. Both ids are ``adj-`` plus a digest of (symbol, broker quantity,
  ledger quantity, how many fills the ledger had in the symbol): a pure function of
  the two books being compared, so two passes (or two processes) over the same
  books record it once, and a later, different drift gets a new id. The price is
  the broker's average entry price (the ledger's when the broker is flat): the
  quantity is exact, the cash of an adjustment is an estimate, and the audit says so.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import OrderSpec, Side

#: ``strategy_id`` and ``execution_policy`` of an order tradecore did not send.
EXTERNAL = "external"
#: ``strategy_id`` of a position adjustment; its ``execution_policy``.
ADJUSTMENT_STRATEGY = "reconcile"
ADJUSTMENT_POLICY = "position_adjustment"
#: ``execution_policy`` of a bracket leg the broker created for an entry of ours.
BRACKET_LEG = "bracket_leg"
_DIGEST = 32


def is_external(intent: OrderIntent) -> bool:
    """Whether ``intent`` stands for an order tradecore did not send."""
    return intent.execution_policy == EXTERNAL


def is_adjustment(intent: OrderIntent) -> bool:
    """Whether ``intent`` is a position adjustment recorded by reconciliation."""
    return intent.execution_policy == ADJUSTMENT_POLICY


def external_intent(
    *,
    client_order_id: str,
    broker_order_id: str,
    spec: OrderSpec,
    submitted_at: datetime,
) -> OrderIntent:
    """The intent that adopts a broker order tradecore did not send (SUBMITTED)."""
    return _adopted(
        client_order_id=client_order_id,
        broker_order_id=broker_order_id,
        spec=spec,
        submitted_at=submitted_at,
        strategy_id=EXTERNAL,
        policy=EXTERNAL,
        reason="external: placed outside tradecore",
    )


def leg_intent(
    *,
    parent: OrderIntent,
    client_order_id: str,
    broker_order_id: str,
    spec: OrderSpec,
    submitted_at: datetime,
) -> OrderIntent:
    """The intent of a bracket leg the broker created for our entry ``parent``.

    The leg is ours (the strategy's protection), not an external order: it carries
    the parent's strategy id, the policy :data:`BRACKET_LEG` and the parent's client
    order id (``parent_client_order_id``). It is not a *slice* of the parent: its
    fills close the position the parent opened, so execution analysis keeps them
    apart from the entry's (:func:`execution_parent`).
    """
    leg = _adopted(
        client_order_id=client_order_id,
        broker_order_id=broker_order_id,
        spec=spec,
        submitted_at=submitted_at,
        strategy_id=parent.decision_key.strategy_id,
        policy=BRACKET_LEG,
        reason=f"bracket leg of {parent.client_order_id}",
    )
    return attrs.evolve(leg, parent_client_order_id=parent.client_order_id)


def execution_parent(intent: OrderIntent) -> str:
    """The order whose execution ``intent``'s fills belong to (TCA's grouping): the
    sliced parent of a child order, else the order itself (a bracket leg is its own
    execution, not part of its entry's)."""
    if intent.parent_client_order_id is None or is_bracket_leg(intent):
        return intent.client_order_id
    return intent.parent_client_order_id


def is_bracket_leg(intent: OrderIntent) -> bool:
    """Whether ``intent`` stands for a leg of one of our bracketed entries."""
    return intent.execution_policy == BRACKET_LEG


def is_adopted(intent: OrderIntent) -> bool:
    """Whether ``intent`` records a broker order the strategy did not decide (an
    external order, a bracket leg, a position adjustment)."""
    return intent.execution_policy in (EXTERNAL, BRACKET_LEG, ADJUSTMENT_POLICY)


def _adopted(
    *,
    client_order_id: str,
    broker_order_id: str,
    spec: OrderSpec,
    submitted_at: datetime,
    strategy_id: str,
    policy: str,
    reason: str,
) -> OrderIntent:
    """A SUBMITTED intent for an order the broker holds under its own id: its
    decision key's signal is the broker's order id (one key per broker order)."""
    key = DecisionKey(
        strategy_id=strategy_id,
        symbol=spec.symbol,
        side=spec.side,
        session_date=submitted_at.date(),
        horizon=policy,
        signal_hash=sha256_hex([policy, broker_order_id])[:_DIGEST],
        qty=spec.qty if spec.qty is not None else spec.notional or Decimal(1),
    )
    return OrderIntent(
        client_order_id=client_order_id,
        decision_key=key,
        attempt=1,
        spec=spec,
        decided_at=submitted_at,
        updated_at=submitted_at,
        execution_policy=policy,
        status=IntentStatus.SUBMITTED,
        broker_order_id=broker_order_id,
        reason=reason,
    )


@attrs.frozen(kw_only=True, slots=True)
class PositionAdjustment:
    """An adjustment's intent (SUBMITTED) and the fill event that completes it."""

    intent: OrderIntent
    event: OrderEvent

    @property
    def fill(self) -> Fill:
        """The adjustment's one fill."""
        assert self.event.fill is not None
        return self.event.fill


def adjustment_id(
    symbol: str, ledger_qty: Decimal, broker_qty: Decimal, fills_in_symbol: int
) -> str:
    """The id of the adjustment that takes ``ledger_qty`` to ``broker_qty``."""
    content = ["position_adjustment", symbol, ledger_qty, broker_qty, fills_in_symbol]
    return "adj-" + sha256_hex(content)[:_DIGEST]


def adjustment_price(
    broker_avg_price: Decimal | None, ledger_avg_price: Decimal
) -> Decimal:
    """The price an adjustment is booked at: the broker's average, else the ledger's.

    Raises:
        InvalidInput: neither is positive (no price to book the difference at).
    """
    for price in (broker_avg_price, abs(ledger_avg_price)):
        if price is not None and price > 0:
            return price
    raise InvalidInput("price", broker_avg_price, "no positive price to adjust at")


def position_adjustment(
    *,
    symbol: str,
    ledger_qty: Decimal,
    broker_qty: Decimal,
    price: Decimal,
    fills_in_symbol: int,
    at: datetime,
) -> PositionAdjustment:
    """The intent and fill that bring the ledger's ``symbol`` to ``broker_qty``.

    Raises:
        InvalidInput: the two quantities are equal (nothing to adjust).
    """
    delta = broker_qty - ledger_qty
    if delta == 0:
        raise InvalidInput("broker_qty", broker_qty, "equals the ledger's quantity")
    side = Side.BUY if delta > 0 else Side.SELL
    qty = abs(delta)
    ident = adjustment_id(symbol, ledger_qty, broker_qty, fills_in_symbol)
    key = DecisionKey(
        strategy_id=ADJUSTMENT_STRATEGY,
        symbol=symbol,
        side=side,
        session_date=at.date(),
        horizon=ADJUSTMENT_POLICY,
        signal_hash=ident,
        qty=qty,
    )
    intent = OrderIntent(
        client_order_id=ident,
        decision_key=key,
        attempt=1,
        spec=OrderSpec(symbol=symbol, side=side, qty=qty),
        decided_at=at,
        updated_at=at,
        execution_policy=ADJUSTMENT_POLICY,
        status=IntentStatus.SUBMITTED,
        reason=f"reconcile: ledger {ledger_qty} -> broker {broker_qty}",
    )
    fill = Fill(
        execution_id=ident,
        client_order_id=ident,
        symbol=symbol,
        side=side,
        qty=qty,
        price=price,
        filled_at=at,
    )
    event = OrderEvent(
        kind=OrderEventKind.FILL,
        client_order_id=ident,
        occurred_at=at,
        fill=fill,
        reason="position_adjustment",
    )
    return PositionAdjustment(intent=intent, event=event)
