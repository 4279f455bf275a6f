"""Live-vs-replay parity: compare what two runs decided and ordered, and write it down.

Each side is read from its store: the decision ids in order, and every intent as
(client order id, symbol, side, quantity). Parity means the same decisions in the
same order and the same orders under the same client order ids; every difference
is listed. ``parity.json`` holds the whole comparison, ``parity.txt`` a short table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from tradecore.adapters.sqlstore import open_store
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import OutcomeKind

#: (symbol, side, quantity) of one order, keyed by client order id.
OrderRow = tuple[str, str, str]


@attrs.frozen
class RunRecord:
    """What one run decided and ordered."""

    decisions: Sequence[str]
    orders: Mapping[str, OrderRow]
    #: Each skipped decision's reason (a refusal by risk or degradation, ...).
    skipped: Mapping[str, str] = attrs.field(factory=dict)


def read_run(database_url: str) -> RunRecord:
    """Read a run's decisions and orders from its store (at schema head)."""
    store = open_store(database_url, durability="normal")
    try:
        with store.unit_of_work() as uow:
            decisions = [d.decision_id for d in uow.decisions.all_decisions()]
            orders = {
                i.client_order_id: (i.spec.symbol, i.spec.side.value, str(i.spec.qty))
                for i in uow.intents.by_status(*IntentStatus)
            }
            skipped = {
                o.decision_id: o.reason or ""
                for o in uow.decisions.all_outcomes()
                if o.kind is OutcomeKind.SKIPPED
            }
    finally:
        store.close()
    return RunRecord(decisions=decisions, orders=orders, skipped=skipped)


def compare(live: RunRecord, replay: RunRecord) -> dict[str, Any]:
    """The parity report: counts, matches and every mismatch."""
    mismatches: list[dict[str, Any]] = []
    live_set, replay_set = set(live.decisions), set(replay.decisions)
    for decision in live.decisions:
        if decision not in replay_set:
            mismatches.append({"kind": "decision_only_live", "decision_id": decision})
    for decision in replay.decisions:
        if decision not in live_set:
            mismatches.append({"kind": "decision_only_replay", "decision_id": decision})
    shared = [d for d in live.decisions if d in replay_set]
    if shared != [d for d in replay.decisions if d in live_set]:
        mismatches.append({"kind": "decision_order_differs"})
    for cid in sorted(set(live.orders) | set(replay.orders)):
        ours, theirs = live.orders.get(cid), replay.orders.get(cid)
        if ours != theirs:
            mismatches.append(
                {
                    "kind": "order_differs" if ours and theirs else "order_missing",
                    "client_order_id": cid,
                    "live": list(ours) if ours else None,
                    "replay": list(theirs) if theirs else None,
                }
            )
    for decision in sorted(set(live.skipped) | set(replay.skipped)):
        live_reason = live.skipped.get(decision)
        replay_reason = replay.skipped.get(decision)
        if live_reason != replay_reason:
            mismatches.append(
                {
                    "kind": "skip_differs",
                    "decision_id": decision,
                    "live": live_reason,
                    "replay": replay_reason,
                }
            )
    matched_skips = sum(
        1 for d, reason in live.skipped.items() if replay.skipped.get(d) == reason
    )
    matched_orders = sum(
        1 for cid, row in live.orders.items() if replay.orders.get(cid) == row
    )
    return {
        "parity": not mismatches,
        "decisions": {
            "live": len(live.decisions),
            "replay": len(replay.decisions),
            "matched": len(live_set & replay_set),
        },
        "orders": {
            "live": len(live.orders),
            "replay": len(replay.orders),
            "matched": matched_orders,
        },
        "skipped": {
            "live": len(live.skipped),
            "replay": len(replay.skipped),
            "matched": matched_skips,
        },
        "mismatches": mismatches,
    }


def table(report: Mapping[str, Any]) -> str:
    """The short text table of a report."""
    lines = [f"{'':<10}{'live':>8}{'replay':>8}{'matched':>9}"]
    for what in ("decisions", "orders", "skipped"):
        row = report[what]
        lines.append(f"{what:<10}{row['live']:>8}{row['replay']:>8}{row['matched']:>9}")
    mismatches = report["mismatches"]
    lines.append(f"mismatches: {len(mismatches) or 'none'}")
    lines += [f"  {json.dumps(m, sort_keys=True)}" for m in mismatches[:20]]
    lines.append("PARITY" if report["parity"] else "NO PARITY")
    return "\n".join(lines) + "\n"


def write(folder: Path, report: Mapping[str, Any]) -> None:
    """Write ``parity.json`` and ``parity.txt`` into ``folder``."""
    (folder / "parity.json").write_text(
        json.dumps(report, sort_keys=True, indent=2) + "\n"
    )
    (folder / "parity.txt").write_text(table(report))
