"""What must hold after every chaos scenario, checked from the store and the broker.

The broker's side comes from the emulator's REST API (what Alpaca would say); ours
from the store, opened fresh after every process has stopped. One invariant is over
the whole run, not just its end: the fills, in the order they happened, never take
the long-only chaos strategy's position below zero, and no kill's flatten fill flips
a position's sign.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import attrs

from tradecore.adapters.sqlstore import open_store
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import TERMINAL, IntentStatus
from tradecore.domain.orders.spec import Side
from tradecore.services.controls.kill_switch import KILL_STRATEGY_ID

#: Alpaca statuses after which an order can no longer fill.
BROKER_FINAL = {"filled", "canceled", "expired", "rejected", "replaced"}
#: The most orders one ``GET /v2/orders`` returns (the emulator's cap, as Alpaca's).
MAX_LISTED = 500
#: Our statuses that say "the broker never had it / gave it up".
NEVER_LIVE = {IntentStatus.CREATED, IntentStatus.FAILED, IntentStatus.REJECTED}


@attrs.frozen(kw_only=True)
class Verdict:
    """The invariant counts of one scenario; every field but ``orders`` must be 0."""

    orders: int
    duplicates: int
    intents_lost: int
    intents_non_terminal: int
    position_mismatches: int
    sign_flips: int
    decisions_without_one_outcome: int
    audit_broken: int
    problems: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """True when every invariant holds."""
        return not self.problems


def check(
    database_url: str,
    orders: list[dict[str, Any]],
    positions: dict[str, Decimal],
    audit_ok: bool,
) -> Verdict:
    """Check every invariant; ``orders``/``positions`` are the broker's."""
    store = open_store(database_url)
    try:
        with store.unit_of_work() as uow:
            intents = list(uow.intents.by_status(*IntentStatus))
            fills = list(uow.fills.all())
            decisions = list(uow.decisions.all_decisions())
            outcomes = list(uow.decisions.all_outcomes())
            without = list(uow.decisions.decisions_without_outcome())
    finally:
        store.close()
    if len(orders) >= MAX_LISTED:
        raise AssertionError(f"{len(orders)} broker orders: the list may be cut short")
    problems: list[str] = []
    at_broker = {o["client_order_id"]: o for o in orders}
    dup = _duplicates(intents, orders, at_broker, problems)
    lost = _lost(intents, at_broker, problems)
    open_ = _non_terminal(intents, at_broker, problems)
    pos = _positions(fills, positions, problems)
    flips = _sign_flips(fills, intents, problems)
    one_outcome = len(without) + abs(len(outcomes) - len(decisions) + len(without))
    if one_outcome:
        problems.append(f"{len(without)} decision(s) without an outcome")
    if not audit_ok:
        problems.append("audit verify failed")
    return Verdict(
        orders=len(orders),
        duplicates=dup,
        intents_lost=lost,
        intents_non_terminal=open_,
        position_mismatches=pos,
        sign_flips=flips,
        decisions_without_one_outcome=one_outcome,
        audit_broken=0 if audit_ok else 1,
        problems=tuple(problems),
    )


def _duplicates(
    intents: list[OrderIntent],
    orders: list[dict[str, Any]],
    at_broker: dict[str, Any],
    problems: list[str],
) -> int:
    """Two broker orders under one id, or two live attempts for one decision."""
    count = 0
    for cid, n in Counter(o["client_order_id"] for o in orders).items():
        if n > 1:
            count += n - 1
            problems.append(f"{n} broker orders under {cid}")
    live_per_decision: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for intent in intents:
        if intent.client_order_id in at_broker:
            live_per_decision[_decision_slot(intent)].append(intent.client_order_id)
    for slot, cids in live_per_decision.items():
        if len(cids) > 1:
            count += len(cids) - 1
            problems.append(f"decision {slot} reached the broker {len(cids)} times")
    return count


def _decision_slot(intent: OrderIntent) -> tuple[object, ...]:
    """What one decision is, whatever quantity or attempt it ended up with.

    A strategy decides once per bar and symbol (its signal): two orders for that at
    the broker are a duplicate even with different quantities. A kill's flatten is
    decided per quantity: the rest of a position that filled after the cancels is
    a new decision, flattened by a later carry-out.
    """
    key = intent.decision_key
    slot = (key.strategy_id, key.symbol, key.session_date, key.horizon, key.signal_hash)
    return (*slot, key.qty) if key.strategy_id == KILL_STRATEGY_ID else slot


def _lost(
    intents: list[OrderIntent], at_broker: dict[str, Any], problems: list[str]
) -> int:
    """Orders at the broker we do not track, or track as never sent."""
    ours = {i.client_order_id: i for i in intents}
    lost = 0
    for cid, order in at_broker.items():
        intent = ours.get(cid)
        if intent is None:
            lost += 1
            problems.append(f"broker order {cid} ({order['status']}) has no intent")
        elif intent.status in NEVER_LIVE and order["status"] != "rejected":
            lost += 1
            problems.append(
                f"intent {cid} is {intent.status.value} but the broker has it "
                f"{order['status']}"
            )
        elif Decimal(order["filled_qty"] or 0) != intent.filled_qty and (
            order["status"] in BROKER_FINAL
        ):
            lost += 1
            problems.append(
                f"intent {cid} filled {intent.filled_qty}, broker {order['filled_qty']}"
            )
    return lost


def _non_terminal(
    intents: list[OrderIntent], at_broker: dict[str, Any], problems: list[str]
) -> int:
    """Open intents whose order the broker no longer has open."""
    count = 0
    for intent in intents:
        if intent.status in TERMINAL:
            continue
        order = at_broker.get(intent.client_order_id)
        if order is None or order["status"] in BROKER_FINAL:
            count += 1
            theirs = "absent" if order is None else order["status"]
            problems.append(
                f"intent {intent.client_order_id} is {intent.status.value}; "
                f"broker: {theirs}"
            )
    return count


def _positions(
    fills: list[Any], positions: dict[str, Decimal], problems: list[str]
) -> int:
    """Symbols where the ledger (stored fills) and the broker disagree."""
    ledger: dict[str, Decimal] = defaultdict(Decimal)
    for fill in fills:
        ledger[fill.symbol] += fill.qty if fill.side is Side.BUY else -fill.qty
    count = 0
    for symbol in sorted(set(ledger) | set(positions)):
        ours, theirs = ledger.get(symbol, Decimal(0)), positions.get(symbol, Decimal(0))
        if ours != theirs:
            count += 1
            problems.append(f"position {symbol}: ledger {ours}, broker {theirs}")
    return count


def _sign_flips(
    fills: list[Any], intents: list[OrderIntent], problems: list[str]
) -> int:
    """Fills after which a (long-only) position is short, or a flatten flipped one.

    The fills are replayed in the order they happened (the broker's fill time; ties
    in the order they were stored), tracking each symbol's running position.
    """
    flattens = {
        i.client_order_id
        for i in intents
        if i.decision_key.strategy_id == KILL_STRATEGY_ID
    }
    running: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    ordered = sorted(
        enumerate(fills), key=lambda n_fill: (n_fill[1].filled_at, n_fill[0])
    )
    for _, fill in ordered:
        before = running[fill.symbol]
        after = before + (fill.qty if fill.side is Side.BUY else -fill.qty)
        running[fill.symbol] = after
        flipped = before * after < 0 and fill.client_order_id in flattens
        if after < 0 or flipped:
            count += 1
            what = "flatten flipped" if flipped else "went short"
            problems.append(
                f"{fill.symbol} {what}: {before} -> {after} at {fill.filled_at} "
                f"({fill.client_order_id})"
            )
    return count
