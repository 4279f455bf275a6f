"""backtrader, NautilusTrader and vectorbt scripts (benchmarks/compare) agree with tradecore.

Each script runs as its own process over a bar folder, as ``nox -s bench`` runs it on
1,000,000 bars; here on a tiny one cut to end on a signal change, so the final bar
carries an order that must never fill (there is no next open). The generator opens
each bar at the previous close, which would hide a fill at the signal bar's close
instead of the next open: the opens here are moved off the previous close. Fills and
final equity must equal ``tc.replay(..., fill_model="ideal")`` exactly, replayed on a
market that never closes (``calendar="24/7"``) as the bars are around the clock: on
tradecore's default XNYS calendar the orders decided at night would queue for the
open, which none of the frameworks models. The frameworks are
bench-only dependencies: without them these tests skip, saying how to install them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pytest

import tradecore as tc
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import Shape, generate_bars
from tradecore.domain.strategies import SmaCross

COMPARE = Path(__file__).parents[2] / "benchmarks" / "compare"
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
CASH = Decimal(10_000_000)
PARAMS = {"fast": 5, "slow": 20, "qty": 50}
COLUMNS = ("timestamps", "open", "high", "low", "close", "volume")


class _Flat:
    def position(self, symbol: str) -> Decimal:
        return Decimal(0)

    def equity(self) -> float:
        return 0.0


def _cut_after_last_signal(frames: list[BarFrame]) -> list[BarFrame]:
    """End every frame on the bar where the first symbol last changed its signal."""
    strategy, first = SmaCross(**PARAMS), frames[0]
    last = max(
        row
        for row, (stamp, close) in enumerate(
            zip(first.timestamps.tolist(), first.close.tolist(), strict=True)
        )
        if strategy.on_bar(first.symbol, stamp, close, 0.0, _Flat())
    )
    return [
        attrs.evolve(frame, **{c: getattr(frame, c)[: last + 1] for c in COLUMNS})
        for frame in frames
    ]


def _gapped_opens(frame: BarFrame, rng: np.random.Generator) -> BarFrame:
    """Move each open up to 20 cents off the previous close (high/low follow)."""
    opens = np.maximum(
        np.round(frame.open + rng.integers(-20, 21, len(frame)) / 100, 2), 0.01
    )
    return attrs.evolve(
        frame,
        open=opens,
        high=np.maximum(frame.high, opens),
        low=np.minimum(frame.low, opens),
    )


@pytest.mark.parametrize(
    ("module", "script"),
    [
        ("backtrader", "bt_sma_cross.py"),
        ("nautilus_trader", "nautilus_sma_cross.py"),
        ("vectorbt", "vbt_sma_cross.py"),
    ],
)
def test_the_framework_script_matches_tradecore_ideal_replay(
    module: str, script: str, tmp_path: Path
) -> None:
    hint = f"{module} is a bench-only dependency: pip install -e '.[bench]'"
    pytest.importorskip(module, reason=hint)
    pytest.importorskip("pandas", reason=hint)
    rng = np.random.default_rng(5)
    frames = _cut_after_last_signal(
        [
            _gapped_opens(frame, rng)
            for frame in generate_bars(
                ["AAA", "BBB"], 800, start=START, seed=12, shape=Shape.MEAN_REVERTING
            )
        ]
    )
    write_bar_files(tmp_path, frames, fmt="csv")
    ours = tc.replay(
        frames, "sma_cross", PARAMS, fill_model="ideal", cash=CASH, calendar="24/7"
    )
    argv = [sys.executable, str(COMPARE / script), "--data", str(tmp_path)]
    argv += [f"--{k}={v}" for k, v in PARAMS.items()] + [f"--cash={CASH}"]
    done = subprocess.run(
        argv, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    theirs = json.loads(done.stdout.splitlines()[-1])
    assert ours.summary["orders"] == ours.summary["fills"] + 1  # the unfilled last one
    assert ours.summary["fills"] > 40
    assert theirs["bars"] == ours.summary["bars"] == sum(len(f) for f in frames)
    assert theirs["fills"] == ours.summary["fills"]
    assert Decimal(theirs["final_equity"]) == ours.summary["final_equity"]
