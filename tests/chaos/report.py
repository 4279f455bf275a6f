"""The campaign's table: one column per store, one row per figure."""

from __future__ import annotations

from typing import Any

#: The invariant counts; a campaign passes only when all are 0.
MUST_BE_ZERO = (
    "duplicates",
    "intents_lost",
    "intents_non_terminal",
    "position_mismatches",
    "position_sign_flips",
    "decisions_without_one_outcome",
    "audit_broken",
    "broker_deaths_mishandled",
)
_ROWS = (
    "scenarios",
    "runs",
    "crashes",
    "error_exits",
    "fault_points_not_reached",
    "orders_submitted",
)


def table(results: list[dict[str, Any]]) -> str:
    """Render the figures of each store side by side."""
    rows: list[tuple[str, list[str]]] = [
        (r, [str(x[r]) for x in results]) for r in _ROWS
    ]
    points = sorted({p for x in results for p in x["crashes_by_point"]})
    rows += [
        (f"  crash {p}", [str(x["crashes_by_point"].get(p, 0)) for x in results])
        for p in points
    ]
    kinds = sorted({k for x in results for k in x["faults_by_kind"]})
    rows += [
        (f"  fault {k}", [str(x["faults_by_kind"].get(k, 0)) for x in results])
        for k in kinds
    ]
    rows += [(f"{k} (must be 0)", [str(x[k]) for x in results]) for k in MUST_BE_ZERO]
    width = max(len(name) for name, _ in rows) + 2
    head = "".ljust(width) + "".join(x["store"].rjust(12) for x in results)
    lines = [head, "-" * len(head)]
    lines += [
        name.ljust(width) + "".join(v.rjust(12) for v in vals) for name, vals in rows
    ]
    return "\n".join(lines)
