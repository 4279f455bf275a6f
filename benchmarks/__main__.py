"""Run every benchmark module (``benchmarks/bench_*.py``) and print its figures.

Each module exposes ``run(quick: bool) -> list[str]``: lines of figures, each measured
in this run next to the floor or reference it is compared with (ratios, never
absolute timing asserts). ``python -m benchmarks [name ...] [--quick]``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    """Run the selected benchmark modules and print their report lines."""
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    here = Path(__file__).parent
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")
    )
    for name in names:
        if wanted and not any(w in name for w in wanted):
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.perf_counter()
        print(f"== {name}")
        for line in module.run(quick=quick):
            print(f"   {line}")
        print(f"   ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
