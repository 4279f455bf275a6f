"""One process taking tokens from a shared store bucket (run as a subprocess).

``python -m tests.integration.rate_limit_worker URL NAME ATTEMPTS GO_FILE`` waits
for ``GO_FILE`` to exist (so the processes start together), then acquires up to
``ATTEMPTS`` tokens from the bucket ``NAME`` as fast as it can. The bucket barely
refills (one token an hour), so the first time it would have to wait, the budget is
spent and it stops. It prints how many tokens it was granted.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tradecore.adapters.sqlstore import make_engine
from tradecore.adapters.sqlstore.rate_limiter import StoreRateLimiter

CAPACITY = 50
RATE = 1 / 3600


class BudgetSpent(Exception):
    """The bucket asked this process to wait."""


def _refuse_to_wait(seconds: float) -> None:
    raise BudgetSpent(seconds)


def main(url: str, name: str, attempts: int, go_file: Path) -> int:
    engine = make_engine(url, durability="normal")
    limiter = StoreRateLimiter(
        engine, name, rate=RATE, capacity=CAPACITY, sleep=_refuse_to_wait
    )
    deadline = time.monotonic() + 30
    while not go_file.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    granted = 0
    try:
        for _ in range(attempts):
            limiter.acquire()
            granted += 1
    except BudgetSpent:
        pass
    finally:
        engine.dispose()
    return granted


if __name__ == "__main__":
    url, name, attempts, go = sys.argv[1:5]
    print(main(url, name, int(attempts), Path(go)))
