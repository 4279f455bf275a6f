"""A scripted strategy for the net-of-cost restart tests (engine level and CLI).

Its targets depend only on the bar's time (minutes since :data:`START`), never on
what it saw before, so a restarted process emits exactly what an uninterrupted one
would from the same bar on. The script has three closed round trips sized by
Bayesian Kelly with model probabilities (the calibrator is refitted on them), then
a parent large enough to be sliced (TWAP), whose round trip closes after any
restart, then two more Kelly-sized entries: their sizes show what was learned.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from tradecore.domain.strategies.protocol import NO_TARGETS, PortfolioView, Target

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
_START_NS = int(START.timestamp()) * 1_000_000_000
_MINUTE_NS = 60_000_000_000
#: Bar index -> (target shares, model probability).
SCRIPT: dict[int, tuple[int, float | None]] = {
    5: (10_000, 0.72),
    10: (0, None),
    15: (10_000, 0.80),
    20: (0, None),
    25: (10_000, 0.70),
    30: (0, None),
    40: (12_000, None),  # a quarter of five minutes' volume: a TWAP parent
    75: (0, None),  # its close: another TWAP parent, slices at 75, 80, 85 and 90
    # After the close's last slice: a buy while our own sell rests would be a wash
    # trade Alpaca refuses (skipped(broker_rules:wash_trade) ends the parent).
    96: (10_000, 0.75),
    106: (0, None),
    111: (10_000, 0.78),
}
#: The bar the parent is decided on (its first slice goes out then).
PARENT_BAR = 40


#: Environment variable: the bar index at which a process under test announces
#: ``holding N`` on stdout and stops (so a test can SIGKILL it mid-run, mid-cycle).
HOLD_AT_ENV = "TC_TEST_HOLD_AT"


class ScriptedTargets:
    """Emits :data:`SCRIPT`'s target at its bar (by time), nothing otherwise."""

    strategy_id = "scripted"

    def __init__(self, symbol: str = "AAA") -> None:
        self.symbol = symbol
        hold = os.environ.get(HOLD_AT_ENV)
        self.hold_at = None if hold is None else int(hold)

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        index = (timestamp_ns - _START_NS) // _MINUTE_NS
        if index == self.hold_at:
            print(f"holding {index}", flush=True)
            time.sleep(120.0)  # the test kills the process meanwhile
        step = SCRIPT.get(index)
        if symbol != self.symbol or step is None:
            return NO_TARGETS
        qty, probability = step
        strength = None if probability is None else 1.0
        return (
            Target(
                symbol,
                Decimal(qty),
                signal=f"step-{index}",
                probability=probability,
                strength=strength,
            ),
        )
