"""Run benchmark modules (``benchmarks/bench_*.py``) and print their figures.

Each module exposes ``run(quick: bool) -> list[str]``: lines of figures, each measured
in this run next to the floor or reference it is compared with (ratios, never
absolute timing asserts). ``python -m benchmarks --help`` lists the options and the
modules; ``python -m benchmarks [name ...] [--quick]`` runs them, and
``python -m benchmarks replay --scale 100`` adds 100 symbols x 100,000 bars to the
replay's scaling line.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
import time
from pathlib import Path


def _modules() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )


def _parser(modules: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Print benchmark figures and their ratios against floors or peers "
        "measured in the same run.",
        epilog="modules: " + ", ".join(modules),
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="run only the modules whose name contains NAME (default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes, for a smoke run"
    )
    parser.add_argument("--list", action="store_true", help="list the modules and exit")
    parser.add_argument(
        "--scale",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="replay: add N symbols x 100,000 bars to the scaling line (e.g. 100; "
        "slow, so opt-in); repeat for several",
    )
    return parser


def _options(module: object, args: argparse.Namespace) -> dict[str, object]:
    """The extra options ``module.run`` takes (only ``replay`` takes ``scales``)."""
    taken = inspect.signature(module.run).parameters  # type: ignore[attr-defined]
    return {"scales": args.scale} if "scales" in taken else {}


def main(argv: list[str]) -> int:
    """Run the selected benchmark modules and print their report lines."""
    modules = _modules()
    args = _parser(modules).parse_args(argv)
    if args.list:
        print("\n".join(modules))
        return 0
    chosen = [m for m in modules if not args.names or any(n in m for n in args.names)]
    if not chosen:
        print(
            f"python -m benchmarks: no module matches {' '.join(args.names)}; "
            f"known: {', '.join(modules)}",
            file=sys.stderr,
        )
        return 2
    for name in chosen:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        started = time.perf_counter()
        print(f"== bench_{name}")
        for line in module.run(quick=args.quick, **_options(module, args)):
            print(f"   {line}")
        print(f"   ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
