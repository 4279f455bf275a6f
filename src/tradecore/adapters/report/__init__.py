"""Replay report adapter: summary.json, CSV tables, and a self-contained report.html."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.adapters.report.canonical import canonical_json
    from tradecore.adapters.report.downsample import minmax_indices
    from tradecore.adapters.report.writer import write_report

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.adapters.report.canonical": ("canonical_json",),
    "tradecore.adapters.report.downsample": ("minmax_indices",),
    "tradecore.adapters.report.writer": ("write_report",),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = ["canonical_json", "minmax_indices", "write_report"]
