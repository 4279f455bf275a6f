"""Portfolio construction: strategy sleeves in, one constrained target book out.

Pure domain code (numpy; scipy imported on use). Entry point: :func:`allocate`.
Methods, sources, constraints and fallbacks: docs/portfolio-allocator.md.
"""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.domain.portfolio.allocation import CURRENT_BOOK, Allocation, Binding
    from tradecore.domain.portfolio.allocator import allocate
    from tradecore.domain.portfolio.inputs import (
        AllocationRequest,
        BudgetBasis,
        Constraints,
        CovarianceKind,
        EstimationConfig,
        MarketInputs,
        Method,
        SignalKind,
        Sleeve,
    )

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.domain.portfolio.allocation": (
        "CURRENT_BOOK",
        "Allocation",
        "Binding",
    ),
    "tradecore.domain.portfolio.allocator": ("allocate",),
    "tradecore.domain.portfolio.inputs": (
        "AllocationRequest",
        "BudgetBasis",
        "Constraints",
        "CovarianceKind",
        "EstimationConfig",
        "MarketInputs",
        "Method",
        "SignalKind",
        "Sleeve",
    ),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = [
    "CURRENT_BOOK",
    "Allocation",
    "AllocationRequest",
    "Binding",
    "BudgetBasis",
    "Constraints",
    "CovarianceKind",
    "EstimationConfig",
    "MarketInputs",
    "Method",
    "SignalKind",
    "Sleeve",
    "allocate",
]
