"""What the named fault points cost when nothing is armed (every production run).

Figures per call, next to the floor measured in the same run: an empty function call
(the least any marker could cost). An order placed passes three points and each fill
one more. Armed-but-elsewhere is shown too (what a chaos run pays).
"""

from __future__ import annotations

import time

from tradecore.services.durability.fault_points import ArmedPoint, arm, fault_point


def _empty(name: str) -> None:
    return None


def _per_call_ns(fn: object, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn("after_submitted_commit")  # type: ignore[operator]
    return (time.perf_counter() - started) / n * 1e9


def run(quick: bool) -> list[str]:
    """Return the report lines."""
    n = 200_000 if quick else 2_000_000
    arm(None)
    floor = min(_per_call_ns(_empty, n) for _ in range(3))
    disarmed = min(_per_call_ns(fault_point, n) for _ in range(3))
    arm(ArmedPoint("during_kill_switch", 1, lambda _: None))
    try:
        elsewhere = min(_per_call_ns(fault_point, n) for _ in range(3))
    finally:
        arm(None)
    return [
        f"fault_point, nothing armed: {disarmed:.0f} ns/call "
        f"({disarmed / floor:.2f}x an empty function call, {floor:.0f} ns)",
        f"fault_point, another point armed: {elsewhere:.0f} ns/call "
        f"({elsewhere / floor:.2f}x)",
        f"per order placed and filled (4 points): {4 * disarmed / 1000:.2f} us",
    ]
