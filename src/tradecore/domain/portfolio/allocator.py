"""The allocator: strategy sleeves in, one target book out.

Steps (docs/portfolio-allocator.md has the why of each):

1. each sleeve's signals -> signed weights of gross one by the method (:mod:`.sleeves`);
2. budgets: correlation caps, then the capital or risk basis (:mod:`.budgets`); a
   sleeve that wants nothing leaves its budget share in cash;
3. the budget-weighted sum is the combined book, scaled to the gross goal
   (``gross_target`` times the budget share of the sleeves that want something);
4. caps, net and turnover (:mod:`.constraints`); lot rounding (:mod:`.lots`).

Pure and deterministic: symbols and strategies are processed in sorted order, there
is no randomness, and equal requests give equal allocations.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs
import numpy as np

from tradecore.domain.portfolio import constraints as limits_
from tradecore.domain.portfolio import covariance as cov
from tradecore.domain.portfolio.allocation import CURRENT_BOOK, Allocation, Binding
from tradecore.domain.portfolio.budgets import (
    CORRELATION_CAP,
    capped_budgets,
    correlation_groups,
)
from tradecore.domain.portfolio.inputs import (
    AllocationRequest,
    BudgetBasis,
    FloatArray,
)
from tradecore.domain.portfolio.lots import to_shares, trim_to_gross
from tradecore.domain.portfolio.sleeves import SleeveWeights, sleeve_weights


@attrs.define
class _Draft:
    """The book while it is being built: sleeve rows (S x N), their sum, and what
    bound or was worth a warning on the way."""

    symbols: tuple[str, ...]
    sized: list[SleeveWeights]
    matrix: FloatArray
    budgets: dict[str, float]
    bindings: list[Binding] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)

    @property
    def combined(self) -> FloatArray:
        total: FloatArray = self.matrix.sum(axis=0)
        return total


def allocate(request: AllocationRequest) -> Allocation:
    """Combine the request's sleeves into one constrained target book."""
    draft = _combine(request)
    weights = _constrain(request, draft)
    current = _current_weights(request, draft.symbols)
    alpha, bound = limits_.limit_turnover(
        weights, current, request.constraints.turnover_limit
    )
    draft.bindings += bound
    sectors = dict(request.market.sectors)
    if bound and not limits_.within_caps(
        current, request.constraints, draft.symbols, sectors
    ):
        draft.warnings.append(
            "the current book breaks a cap; the turnover limit won, caps may not hold"
        )
    final = current + alpha * (weights - current)
    contributions = _contributions(
        draft.sized, draft.symbols, draft.matrix * alpha, current * (1 - alpha)
    )
    return _finish(request, draft, final, current, contributions, bool(bound))


def _combine(request: AllocationRequest) -> _Draft:
    """Steps 1-3: size each sleeve, budget it, scale the sum to the gross goal."""
    market = request.market
    sleeves = sorted(request.sleeves, key=lambda s: s.strategy)
    sized = [
        sleeve_weights(s, request.method, market, request.estimation) for s in sleeves
    ]
    symbols = tuple(
        sorted(
            {sym for s in sized for sym, _ in s.weights}
            | {sym for sym, _ in market.current}
        )
    )
    names = [s.strategy for s in sleeves]
    budgets, bindings = _budgets(request, names)
    scales, warnings = _scales(request, sized, symbols, budgets)
    warnings = [f"{s.strategy}: {s.fallback}" for s in sized if s.fallback] + warnings
    streams = dict(market.strategy_returns)
    if request.constraints.strategy_correlation_cap is not None and (
        unmeasured := [n for n in names if n not in streams]
    ):
        warnings.append(
            f"no return stream, so not correlation-capped: {', '.join(unmeasured)}"
        )
    warnings += [
        f"{s.strategy}: wants nothing; its budget stays in cash"
        for s in sized
        if not s.weights
    ]
    matrix = _sleeve_matrix(sized, symbols) * scales[:, None]
    draft = _Draft(symbols, sized, matrix, budgets, bindings, warnings)
    gross = float(np.abs(draft.combined).sum())
    if gross > 0:
        draft.matrix *= _goal(request, draft) / gross
    return draft


def _goal(request: AllocationRequest, draft: _Draft) -> float:
    """The gross target, less the budget share of sleeves that want nothing."""
    active = sum(draft.budgets[s.strategy] for s in draft.sized if s.weights)
    return request.constraints.gross_target * active / sum(draft.budgets.values())


def _constrain(request: AllocationRequest, draft: _Draft) -> FloatArray:
    """Step 4 up to turnover: caps and net; the sleeve rows scale with each name."""
    limits, sectors = request.constraints, dict(request.market.sectors)
    loose = [s for s in draft.symbols if s not in sectors]
    if limits.sector_cap is not None and loose:
        draft.warnings.append(f"no sector, so not sector-capped: {', '.join(loose)}")
    combined = draft.combined
    weights, cap_bindings = limits_.fill_to_caps(
        combined, _goal(request, draft), limits, draft.symbols, sectors
    )
    weights, net_bindings = limits_.limit_net(weights, limits)
    draft.bindings += cap_bindings + net_bindings
    ratio = np.divide(weights, combined, out=np.ones_like(weights), where=combined != 0)
    draft.matrix = draft.matrix * ratio[None, :]
    return weights


def _budgets(
    request: AllocationRequest, names: list[str]
) -> tuple[dict[str, float], list[Binding]]:
    ordered = sorted(request.sleeves, key=lambda s: s.strategy)
    budgets = {s.strategy: s.budget for s in ordered}
    cap = request.constraints.strategy_correlation_cap
    if cap is None:
        return budgets, []
    groups = correlation_groups(names, dict(request.market.strategy_returns), cap)
    capped, removed = capped_budgets(budgets, groups)
    return capped, [
        Binding(CORRELATION_CAP, group, amount) for group, amount in removed
    ]


def _scales(
    request: AllocationRequest,
    sized: list[SleeveWeights],
    symbols: tuple[str, ...],
    budgets: dict[str, float],
) -> tuple[FloatArray, list[str]]:
    """Per sleeve, the multiplier of its gross-one weights."""
    capital = np.array([budgets[s.strategy] for s in sized])
    if request.constraints.budget_basis is BudgetBasis.CAPITAL or not symbols:
        return capital, []
    market = request.market
    held = [sym for sym in symbols if sym in market.symbols]
    columns = [market.symbols.index(sym) for sym in held]
    estimate, reason = cov.estimate(market.returns, columns, request.estimation)
    if estimate is None:
        return capital, [f"risk budgets fell back to capital budgets: {reason}"]
    matrix = _sleeve_matrix(sized, tuple(held))
    variances = np.einsum("si,ij,sj->s", matrix, estimate.covariance, matrix)
    vols = np.sqrt(np.clip(variances, 0.0, None))
    scales: FloatArray = np.divide(
        capital, vols, out=np.zeros_like(capital), where=vols > 0
    )
    return scales, []


def _sleeve_matrix(sized: list[SleeveWeights], symbols: tuple[str, ...]) -> FloatArray:
    index = {sym: i for i, sym in enumerate(symbols)}
    matrix = np.zeros((len(sized), len(symbols)))
    for row, sleeve in enumerate(sized):
        for sym, weight in sleeve.weights:
            if sym in index:
                matrix[row, index[sym]] = weight
    return matrix


def _current_weights(
    request: AllocationRequest, symbols: tuple[str, ...]
) -> FloatArray:
    market = request.market
    held, prices = dict(market.current), dict(market.prices)
    return np.array(
        [
            float(held.get(sym, Decimal(0)) * prices[sym] / market.equity)
            for sym in symbols
        ]
    )


def _contributions(
    sized: list[SleeveWeights],
    symbols: tuple[str, ...],
    matrix: FloatArray,
    kept: FloatArray,
) -> tuple[tuple[str, tuple[tuple[str, float], ...]], ...]:
    rows = []
    for col, sym in enumerate(symbols):
        parts = [
            (s.strategy, float(matrix[r, col]))
            for r, s in enumerate(sized)
            if matrix[r, col]
        ]
        if kept[col]:
            parts.append((CURRENT_BOOK, float(kept[col])))
        rows.append((sym, tuple(sorted(parts))))
    return tuple(rows)


def _finish(
    request: AllocationRequest,
    draft: _Draft,
    final: FloatArray,
    current: FloatArray,
    contributions: tuple[tuple[str, tuple[tuple[str, float], ...]], ...],
    turnover_bound: bool,
) -> Allocation:
    """Step 5: whole lots, and the record of everything that happened."""
    symbols, bindings, budgets = draft.symbols, draft.bindings, draft.budgets
    prices = dict(request.market.prices)
    market, lot = request.market, request.constraints.lot_size
    held = dict(market.current)

    def rounded(bound: bool) -> list[Decimal]:
        return [
            to_shares(
                float(w),
                held.get(sym, Decimal(0)),
                prices[sym],
                market.equity,
                lot,
                bound,
            )
            for sym, w in zip(symbols, final, strict=True)
        ]

    shares = rounded(turnover_bound)
    # A limit the weights kept under can still be topped by rounding: positions
    # rounded toward zero sell a little more of each reduced name. Then every trade
    # is rounded toward zero instead (never more than the weights traded).
    turnover_limit = request.constraints.turnover_limit
    if not turnover_bound and turnover_limit is not None:
        over = _traded(shares, symbols, held, prices, market.equity) - turnover_limit
        if over > 0:
            turnover_bound = True
            shares = rounded(True)
            bindings.append(Binding("turnover_limit", "book", over))
    if turnover_bound:
        trimmed = dict(zip(symbols, shares, strict=True))
        for limit, members in _exposure_limits(request, symbols):
            trimmed = trim_to_gross(trimmed, held, prices, limit, lot, members)
        shares = [trimmed[sym] for sym in symbols]
    notional = [q * prices[sym] for sym, q in zip(symbols, shares, strict=True)]
    residual = sum(
        (
            abs(Decimal(repr(float(w)))) * market.equity - abs(n)
            for w, n in zip(final, notional, strict=True)
        ),
        Decimal(0),
    )
    if residual > 0:
        bindings.append(
            Binding("lot_rounding", "book", float(residual / market.equity))
        )
    total_budget = sum(budgets.values())
    return Allocation(
        method=request.method,
        methods_used=tuple((s.strategy, s.method_used) for s in draft.sized),
        weights=tuple((sym, float(w)) for sym, w in zip(symbols, final, strict=True)),
        shares=tuple(zip(symbols, shares, strict=True)),
        contributions=contributions,
        budgets=tuple(sorted((name, b / total_budget) for name, b in budgets.items())),
        bindings=tuple(bindings),
        warnings=tuple(draft.warnings),
        gross=float(np.abs(final).sum()),
        net=float(final.sum()),
        turnover=float(np.abs(final - current).sum()),
        rounding_residual=residual,
        cash_after=market.equity - sum(notional, Decimal(0)),
    )


def _exposure_limits(
    request: AllocationRequest, symbols: Sequence[str]
) -> list[tuple[Decimal, frozenset[str] | None]]:
    """The notional limits rounding must not top: each capped sector's members,
    then the whole book's gross (``None``: every name)."""
    limits, equity = request.constraints, request.market.equity
    found: list[tuple[Decimal, frozenset[str] | None]] = []
    if limits.sector_cap is not None:
        sectors = dict(request.market.sectors)
        cap = Decimal(repr(limits.sector_cap)) * equity
        for sector in sorted(set(sectors.values())):
            members = frozenset(s for s in symbols if sectors.get(s) == sector)
            found.append((cap, members))
    found.append((Decimal(repr(limits.gross_target)) * equity, None))
    return found


def _traded(
    shares: Sequence[Decimal],
    symbols: Sequence[str],
    held: dict[str, Decimal],
    prices: dict[str, Decimal],
    equity: Decimal,
) -> float:
    """The turnover (traded notional over equity) of moving ``held`` to ``shares``."""
    total = sum(
        (
            abs(q - held.get(sym, Decimal(0))) * prices[sym]
            for sym, q in zip(symbols, shares, strict=True)
        ),
        Decimal(0),
    )
    return float(total / equity)
