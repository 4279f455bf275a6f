"""What a replay ran on what, in words: the report's "What this run says" inputs.

The strategy is named as the run names it, with the first paragraph of its class
docstring (the bundled strategies say there what they trade on); the data by where
it came from: the generator (so, by construction, no edge), a lake, files, or
frames handed in from Python.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path

from tradecore.adapters.data.lake_check import is_lake_selection
from tradecore.adapters.report.story import GENERATED
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Provenance


def about_run(
    strategy: str, chosen: object, data: object, frames: Sequence[BarFrame]
) -> dict[str, str]:
    """``strategy``, ``strategy_doc``, ``data`` and ``data_kind`` of a replay."""
    kind, words = _data(data, frames)
    return {
        "strategy": strategy,
        "strategy_doc": first_paragraph(inspect.getdoc(type(chosen)) or ""),
        "data": words,
        "data_kind": kind,
    }


def first_paragraph(doc: str) -> str:
    """The docstring's first paragraph on one line."""
    return " ".join(doc.strip().split("\n\n")[0].split())


def _data(data: object, frames: Sequence[BarFrame]) -> tuple[str, str]:
    spans = [f for f in frames if len(f)]
    if spans and all(f.provenance is Provenance.SIMULATED for f in spans):
        return GENERATED, "generated data: tradecore's synthetic market"
    if is_lake_selection(data):
        return "lake", "read from a market-data lake"
    if isinstance(data, str | Path):
        return "files", f"the bar files in {Path(data).name or data}"
    feeds = sorted({f.provenance.value for f in spans})
    return "frames", "handed in from Python: " + ", ".join(feeds)
