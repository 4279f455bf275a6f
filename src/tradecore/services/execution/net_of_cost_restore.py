"""After a restart: rebuild the net-of-cost state the engine kept in memory.

Why: the engine's :class:`ExecutionBook` (parents still being sliced) and the
planner's learning (Kelly posterior, isotonic calibrator, open round trips) live in
memory, so a process that died mid-parent would forget the parent's unsent slices
until the strategy spoke again, and would size its next trade from the prior. Both
are facts the store already has:

* a parent's decision record holds its exact order and schedule
  (:mod:`tradecore.domain.execution.parent_record`), its children are the intents naming it;
  rebuilding the same schedule from the same start yields the same next slice
  under the same client order id;
* the stored fills, replayed through the planner in the order the engine booked
  them, close the same round trips with the same returns, and each trip's opening
  order's decision recorded the model probability it was sized with.

Not on the hot path: it runs once, in :meth:`TradingEngine.restore`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from tradecore.domain.execution.parent_record import (
    CANCELED_PARENT,
    PARENT_ORDER,
    parent_from_details,
)
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import Side
from tradecore.ports.store import UnitOfWork
from tradecore.services.execution.execution_book import ExecutionBook
from tradecore.services.execution.net_of_cost import NetOfCostPlanner

_ZERO = Decimal(0)


def relearn(
    planner: NetOfCostPlanner,
    opening_cash: Decimal,
    fills: Sequence[Fill],
    decisions: Iterable[DecisionRecord],
) -> None:
    """Reset the planner's learning and replay the stored trades through it."""
    planner.forget_trades()
    for cid, probability in order_probabilities(decisions).items():
        planner.sized_order(cid, probability)
    ledger = Ledger.opening(opening_cash)
    for fill in fills:
        ledger = ledger.apply(fill)
        planner.on_fill(
            fill.symbol,
            fill.client_order_id,
            fill.signed_qty * fill.price,
            ledger.position(fill.symbol),
            ledger.realized_pnl,
        )


def order_probabilities(decisions: Iterable[DecisionRecord]) -> dict[str, float]:
    """Client order id -> the model probability its decision was sized with.

    A child slice's decision names its parent and carries the parent's probability.
    """
    found: dict[str, float] = {}
    children: list[tuple[str, str]] = []
    for decision in decisions:
        details = decision.details
        cid = details.get("client_order_id")
        if not isinstance(cid, str):
            continue
        parent = details.get("parent_client_order_id")
        if isinstance(parent, str):
            children.append((cid, parent))
            continue
        probability = _sized_probability(details)
        if probability is not None:
            found[cid] = probability
    for cid, parent in children:
        if parent in found:
            found[cid] = found[parent]
    return found


def _sized_probability(details: Mapping[str, object]) -> float | None:
    sizing = details.get("sizing")
    if not isinstance(sizing, Mapping):
        return None
    raw = sizing.get("raw_probability")
    return float(raw) if isinstance(raw, int | float) else None


def resume_parents(
    uow: UnitOfWork, book: ExecutionBook, now: datetime
) -> dict[str, Decimal]:
    """Put the sliced parents that are not over back into ``book``.

    A parent is over once it was canceled (:meth:`NetOfCostSteps.cancel_parent`
    stores a decision naming it), or once its deadline passed with no child left
    open; one whose deadline passed with children open is resumed so the next bar
    ends it and cancels them, as the first process would have. Returns the signed
    quantity the resumed parents have not sent yet, by symbol (the engine counts it
    as working).
    """
    children = _children(uow.intents.by_status(*IntentStatus))
    decisions = uow.decisions.all_decisions()
    canceled = {d.details.get(CANCELED_PARENT) for d in decisions}
    unsent: dict[str, Decimal] = {}
    for decision in decisions:
        if PARENT_ORDER not in decision.details:
            continue
        if decision.details.get("client_order_id") in canceled:
            continue  # canceled by its owner: over
        parent, schedule = parent_from_details(
            strategy_id=decision.strategy_id,
            symbol=decision.symbol,
            decided_at=decision.decided_at,
            details=decision.details,
            hashes=(
                decision.config_hash,
                decision.model_hash,
                decision.cost_model_hash,
            ),
        )
        sent = children.get(parent.client_order_id, [])
        working = book.resume_parent(parent, schedule, decision.decision_id, sent)
        if working.deadline <= now and all(c.is_terminal for c in sent):
            book.cancel_parent(parent.client_order_id)  # over: nothing to resume
            continue
        signed = working.unsent if parent.spec.side is Side.BUY else -working.unsent
        unsent[parent.spec.symbol] = unsent.get(parent.spec.symbol, _ZERO) + signed
    return unsent


def _children(intents: Iterable[OrderIntent]) -> dict[str, list[OrderIntent]]:
    found: dict[str, list[OrderIntent]] = {}
    for intent in sorted(intents, key=lambda i: (i.decided_at, i.client_order_id)):
        if intent.parent_client_order_id:
            found.setdefault(intent.parent_client_order_id, []).append(intent)
    return found
