"""Print how the source tree is laid out: module sizes and modules per package.

Run from the repository root: ``python tools/layout_report.py [SRC]`` (default
``src/tradecore``). It reads files only; the figures are what a review of the
package layout quotes (histogram of module lengths, the largest modules, and how
many modules sit directly in each package).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

_BUCKETS = (50, 100, 200, 300, 400, 500, 1000)


def _lines(path: Path) -> int:
    return sum(1 for _ in path.open(encoding="utf-8"))


def _bucket(n: int) -> str:
    for top in _BUCKETS:
        if n <= top:
            return f"<= {top}"
    return f"> {_BUCKETS[-1]}"


def main(argv: list[str]) -> int:
    """Print the report for the tree named in ``argv`` (or ``src/tradecore``)."""
    root = Path(argv[0] if argv else "src/tradecore")
    if not root.is_dir():
        print(f"layout_report: {root} is not a directory", file=sys.stderr)
        return 2
    modules = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    sizes = {p: _lines(p) for p in modules}
    print(f"modules: {len(modules)}, lines: {sum(sizes.values())}")
    print("\nmodule length (lines) histogram:")
    hist = Counter(_bucket(n) for n in sizes.values())
    for label in [f"<= {t}" for t in _BUCKETS] + [f"> {_BUCKETS[-1]}"]:
        print(f"  {label:>8}: {hist.get(label, 0):4d} {'#' * hist.get(label, 0)}")
    print("\nlargest modules:")
    for path, n in sorted(sizes.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {n:5d}  {path.relative_to(root.parent)}")
    print("\nmodules directly in each package (excluding __init__.py):")
    packages = sorted({p.parent for p in modules})
    for pkg in packages:
        direct = [p for p in pkg.glob("*.py") if p.name != "__init__.py"]
        print(f"  {len(direct):4d}  {pkg.relative_to(root.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
