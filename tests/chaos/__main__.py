"""``python -m tests.chaos [--crashes N] [--stores sqlite,postgres] [--seed S] [--json F]``.

Runs a chaos campaign on each store (at least N SIGKILLs each), prints the table and
writes it as JSON; exits 1 if any invariant count is not zero.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from tests.chaos.campaign import campaign
from tests.chaos.report import MUST_BE_ZERO, table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos")
    parser.add_argument("--crashes", type=int, default=200, help="SIGKILLs per store")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--per-scenario", type=int, default=10)
    parser.add_argument("--json", type=Path, default=Path("chaos-report.json"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    stores = args.stores.split(",")
    # The stores' campaigns are independent processes: run them side by side.
    with ThreadPoolExecutor(len(stores)) as pool:
        tallies = pool.map(
            lambda store: campaign(
                store,
                crashes=args.crashes,
                seed=args.seed,
                per_scenario=args.per_scenario,
                log=partial(print, flush=True),
            ),
            stores,
        )
        results = [t.as_json() for t in tallies]
    elapsed = round(time.monotonic() - started, 1)
    print(table(results))
    print(f"elapsed: {elapsed} s")
    args.json.write_text(
        json.dumps({"elapsed_s": elapsed, "stores": results}, indent=2)
    )
    print(f"written: {args.json}")
    bad = [r["store"] for r in results if any(r[k] for k in MUST_BE_ZERO)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
