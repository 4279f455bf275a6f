"""Portfolio construction: strategy sleeves in, one constrained target book out.

Pure domain code (numpy; scipy imported on use). Entry point: :func:`allocate`.
Methods, sources, constraints and fallbacks: docs/portfolio-allocator.md.
"""

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
