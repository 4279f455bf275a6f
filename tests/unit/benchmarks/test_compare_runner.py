"""The comparison harness reports a missing framework and a parity mismatch clearly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from benchmarks.compare.runner import Framework, Outcome, parity_line, run_framework

OURS = Outcome("tradecore", "0.1.0", 1000, 12, Decimal("10000012.34"), 0.5)


def test_a_missing_framework_yields_an_install_line_instead_of_a_crash(
    tmp_path: Path,
) -> None:
    ghost = Framework("ghost", "no_such_framework_installed", "bt_sma_cross.py", 1)
    line = run_framework(ghost, tmp_path, {"fast": 10})
    assert isinstance(line, str)
    assert "ghost: not installed (no_such_framework_installed)" in line
    assert 'pip install -e ".[bench]"' in line


def test_parity_is_ok_only_when_bars_fills_and_equity_to_the_cent_agree() -> None:
    same = Outcome("backtrader", "1", 1000, 12, Decimal("10000012.34"), 2.0)
    assert parity_line(OURS, same).startswith("parity backtrader vs tradecore: OK")
    off_by_a_cent = Outcome("backtrader", "1", 1000, 12, Decimal("10000012.33"), 2.0)
    line = parity_line(OURS, off_by_a_cent)
    assert "MISMATCH" in line
    assert "(difference -0.01)" in line
    one_fill_more = Outcome("nautilus", "1", 1000, 13, Decimal("10000012.34"), 2.0)
    assert "MISMATCH" in parity_line(OURS, one_fill_more)
