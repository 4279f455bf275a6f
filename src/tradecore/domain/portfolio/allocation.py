"""What the allocator returns: one target book and the story of how it was made."""

from __future__ import annotations

from decimal import Decimal

import attrs

from tradecore.domain.portfolio.inputs import Method

#: Strategy key for weight a turnover limit kept from the current book.
CURRENT_BOOK = "_current"


@attrs.frozen(slots=True)
class Binding:
    """A constraint that changed the book: which (``name_cap``, ``sector_cap``,
    ``gross_target``, ``net_max``, ``net_min``, ``turnover_limit``, ``lot_rounding``,
    ``strategy_correlation_cap``), on what (a symbol, sector, group or ``book``) and
    by how much (weight removed, or budget share for the correlation cap)."""

    constraint: str
    subject: str
    amount: float


@attrs.frozen(kw_only=True, slots=True)
class Allocation:
    """One target book.

    ``weights`` are the target weights after every constraint but lot rounding;
    ``shares`` the whole-lot positions to trade toward; ``contributions`` split each
    symbol's weight among the strategies that asked for it (they sum to ``weights``;
    :data:`CURRENT_BOOK` holds what a turnover limit kept of the current book).
    """

    method: Method
    #: Per strategy, the method actually used (an equal-weight fallback differs).
    methods_used: tuple[tuple[str, Method], ...]
    weights: tuple[tuple[str, float], ...]
    shares: tuple[tuple[str, Decimal], ...]
    contributions: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    budgets: tuple[tuple[str, float], ...]
    bindings: tuple[Binding, ...]
    warnings: tuple[str, ...]
    gross: float
    net: float
    turnover: float
    #: Gross dollars lot rounding left uninvested (kept as cash, not re-spent).
    rounding_residual: Decimal
    #: Equity minus the signed notional of ``shares`` (short proceeds count).
    cash_after: Decimal

    def weight_of(self, symbol: str) -> float:
        return dict(self.weights).get(symbol, 0.0)

    def shares_of(self, symbol: str) -> Decimal:
        return dict(self.shares).get(symbol, Decimal(0))

    def contribution(self, symbol: str, strategy: str) -> float:
        return dict(dict(self.contributions).get(symbol, ())).get(strategy, 0.0)

    def bound(self, constraint: str) -> tuple[Binding, ...]:
        return tuple(b for b in self.bindings if b.constraint == constraint)
