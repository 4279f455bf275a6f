"""Replay report adapter: summary.json, CSV tables, and a self-contained report.html."""

from tradecore.adapters.report.canonical import canonical_json
from tradecore.adapters.report.downsample import minmax_indices
from tradecore.adapters.report.writer import write_report

__all__ = ["canonical_json", "minmax_indices", "write_report"]
