"""``sweep --stress``: does the best combination survive a harsher market?

The sweep picks its best combination on the base market; that combination is then
replayed under each stress scenario (each item alone, then all combined, as
``run --stress``) and compared with its base run in ``DIR/stress.csv`` and
``DIR/stress.md``. Stressing every combination would multiply the sweep's cost by
the number of scenarios and answer another question (which combination is best
under stress); the comparison here is the one a promotion needs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradecore.apps.replay.runner import replay
from tradecore.apps.replay.stress import comparison_row, stress_block, write_comparison
from tradecore.apps.replay.sweep_run import SweepSettings
from tradecore.domain.research.stress import StressScenario


def stress_best(
    data: Any,
    settings: SweepSettings,
    params: Mapping[str, int | float | str],
    scenarios: Sequence[StressScenario],
    out: Path,
) -> dict[str, object]:
    """Replay ``params`` on the base market and under each scenario; write the
    comparison into ``out``; return the ``stress`` block (base row and deltas)."""
    cash = Decimal(settings.cash)

    def summary(scenario: StressScenario | None) -> Mapping[str, object]:
        with tempfile.TemporaryDirectory(prefix="tc-sweep-stress-") as folder:
            result = replay(
                data,
                settings.strategy,
                dict(params),
                fill_model=settings.fill_model,
                cash=cash,
                seed=settings.seed,
                out=Path(folder) / "run",
                signing=settings.signing,
                calendar=settings.calendar,
                stress=scenario,
                **settings.extra,
                progress=False,
            )
            return dict(result.summary)

    base = comparison_row("base", summary(None), cash)
    rows = [comparison_row(s.name, summary(s), cash) for s in scenarios]
    write_comparison(out, base, rows)
    return stress_block(base, rows)
