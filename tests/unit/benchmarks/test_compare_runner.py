"""The comparison harness: a missing framework, the reference check, the rotation."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from benchmarks.compare.reference import Result
from benchmarks.compare.runner import (
    FRAMEWORKS,
    TRADECORE,
    Framework,
    Outcome,
    Usage,
    measure,
    rotation,
    run_framework,
    verdict,
)

REFERENCE = Result(
    bars=1000,
    orders=13,
    fills=12,
    final_equity=Decimal("10000012.34"),
    cash=Decimal("10000000.00"),
    near_tie=0,
)
USAGE = Usage(wall_s=2.0, cpu_s=1.5, peak_rss_mib=100.0)


def outcome(fills: int = 12, equity: str = "10000012.34", **kw: object) -> Outcome:
    return Outcome("backtrader", "1", 1000, fills, Decimal(equity), USAGE, **kw)  # type: ignore[arg-type]


def test_a_missing_framework_yields_an_install_line_instead_of_a_crash(
    tmp_path: Path,
) -> None:
    ghost = Framework("ghost", "no_such_framework_installed", "bt_sma_cross.py")
    line = run_framework(ghost, tmp_path, {"fast": 10})
    assert isinstance(line, str)
    assert "ghost: not installed (no_such_framework_installed)" in line
    assert 'pip install -e ".[bench]"' in line


def test_every_run_must_match_the_reference_to_the_cent() -> None:
    assert verdict(REFERENCE, [outcome(), outcome()]) == "OK"
    off_by_a_cent = verdict(REFERENCE, [outcome(), outcome(equity="10000012.33")])
    assert off_by_a_cent.startswith("MISMATCH")
    assert "(difference -0.01)" in off_by_a_cent
    assert "fills 13 vs 12" in verdict(REFERENCE, [outcome(fills=13)])
    assert "orders 14 vs 13" in verdict(REFERENCE, [outcome(orders=14)])


def test_the_engine_order_rotates_every_repetition() -> None:
    engines = (TRADECORE, *FRAMEWORKS)
    leaders = [rotation(engines, r)[0] for r in range(len(engines))]
    assert leaders == list(engines)
    assert all(
        sorted(e.name for e in rotation(engines, r)) == sorted(e.name for e in engines)
        for r in range(5)
    )
    assert {f.name for f in FRAMEWORKS} == {"backtrader", "nautilus", "vectorbt"}


def test_a_child_is_measured_on_its_own_cpu_and_memory() -> None:
    code, out, _, usage = measure(
        [sys.executable, "-c", "b = bytearray(64 << 20); print(len(b))"]
    )
    assert code == 0
    assert out.strip() == str(64 << 20)
    assert usage.peak_rss_mib >= 64
    assert usage.cpu_s > 0
    assert usage.wall_s > 0


def test_an_engine_can_run_with_its_own_parameters() -> None:
    idle = Framework("tradecore-idle", "tradecore", None, (("slow", 101),))
    assert idle.params({"fast": 10, "slow": 30}) == {"fast": 10, "slow": 101}
