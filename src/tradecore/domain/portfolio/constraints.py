"""Constraints on the combined book, applied in a fixed order.

1. Gross, name and sector caps together, by water-filling: scale the names not yet
   held by a cap so the book's gross meets the goal, clip names above ``name_cap``,
   scale down sectors above ``sector_cap``; names a cap touched are frozen and the
   rest re-scaled, until nothing new binds (at most one pass per name). What the caps
   leave unfillable is a ``gross_target`` shortfall.
2. Net: above ``net_max`` the long side is scaled down, below ``net_min`` the short
   side (never adding exposure, so the caps still hold; the gross falls short).
3. Turnover: beyond ``turnover_limit`` the book moves only part way,
   ``w = u + alpha (w_target - u)``, ``alpha = limit / turnover``. Every cap set is
   convex, so when the current book ``u`` meets the caps so does the result; when it
   does not, the limit wins and a warning says so.

Every step but the last multiplies each name's weight by a factor, so the strategies'
contributions are scaled by the same factor and keep summing to the weight.
"""

from __future__ import annotations

import numpy as np

from tradecore.domain.portfolio.allocation import Binding
from tradecore.domain.portfolio.inputs import Constraints, FloatArray

_EPS = 1e-12


def _sector_index(symbols: tuple[str, ...], sectors: dict[str, str]) -> list[list[int]]:
    """Member indices per sector (sorted by sector name); symbols without a sector
    belong to none, so the sector cap does not bind them."""
    groups: dict[str, list[int]] = {}
    for i, symbol in enumerate(symbols):
        if symbol in sectors:
            groups.setdefault(sectors[symbol], []).append(i)
    return [groups[name] for name in sorted(groups)]


def fill_to_caps(
    weights: FloatArray,
    goal: float,
    limits: Constraints,
    symbols: tuple[str, ...],
    sectors: dict[str, str],
) -> tuple[FloatArray, list[Binding]]:
    """Water-fill ``weights`` to gross ``goal`` under the name and sector caps."""
    w = weights.copy()
    frozen = np.zeros(len(w), dtype=bool)
    cut: dict[tuple[str, str], float] = {}
    groups = _sector_index(symbols, sectors)
    for _ in range(len(w) + 1):
        free = ~frozen & (w != 0)
        free_gross = float(np.abs(w[free]).sum())
        if free_gross == 0.0:
            break
        w[free] *= (goal - float(np.abs(w[frozen]).sum())) / free_gross
        newly = _clip(w, limits, symbols, sectors, groups, cut)
        if not (newly & ~frozen).any():
            break
        frozen |= newly
    bindings = [Binding(c, s, amount) for (c, s), amount in sorted(cut.items())]
    shortfall = goal - float(np.abs(w).sum())
    if shortfall > 1e-9:
        bindings.append(Binding("gross_target", "book", shortfall))
    return w, bindings


def _clip(
    w: FloatArray,
    limits: Constraints,
    symbols: tuple[str, ...],
    sectors: dict[str, str],
    groups: list[list[int]],
    cut: dict[tuple[str, str], float],
) -> FloatArray:
    """Apply the caps in place; return the names they touched."""
    touched = np.zeros(len(w), dtype=bool)
    if limits.name_cap is not None:
        over = np.abs(w) > limits.name_cap + _EPS
        for i in np.flatnonzero(over):
            key = ("name_cap", symbols[i])
            cut[key] = cut.get(key, 0.0) + abs(float(w[i])) - limits.name_cap
        w[over] = np.sign(w[over]) * limits.name_cap
        touched |= over
    if limits.sector_cap is not None:
        for members in groups:
            gross = float(np.abs(w[members]).sum())
            if gross > limits.sector_cap + _EPS:
                key = ("sector_cap", sectors[symbols[members[0]]])
                cut[key] = cut.get(key, 0.0) + gross - limits.sector_cap
                w[members] *= limits.sector_cap / gross
                touched[members] = True
    return touched


def limit_net(
    weights: FloatArray, limits: Constraints
) -> tuple[FloatArray, list[Binding]]:
    """Scale the dominant side down until the net is within the bounds."""
    w = weights.copy()
    longs, shorts = w > 0, w < 0
    net = float(w.sum())
    if limits.net_max is not None and net > limits.net_max + _EPS:
        long_sum = float(w[longs].sum())
        keep = max(limits.net_max - float(w[shorts].sum()), 0.0)
        w[longs] *= keep / long_sum
        return w, [Binding("net_max", "book", net - float(w.sum()))]
    if limits.net_min is not None and net < limits.net_min - _EPS:
        short_sum = float(-w[shorts].sum())
        keep = max(float(w[longs].sum()) - limits.net_min, 0.0)
        w[shorts] *= keep / short_sum
        return w, [Binding("net_min", "book", float(w.sum()) - net)]
    return w, []


def limit_turnover(
    target: FloatArray, current: FloatArray, limit: float | None
) -> tuple[float, list[Binding]]:
    """``alpha`` in (0, 1] for the move ``current -> target`` under ``limit``."""
    turnover = float(np.abs(target - current).sum())
    if limit is None or turnover <= limit:
        return 1.0, []
    return limit / turnover, [Binding("turnover_limit", "book", turnover - limit)]


def within_caps(
    weights: FloatArray,
    limits: Constraints,
    symbols: tuple[str, ...],
    sectors: dict[str, str],
) -> bool:
    """Whether ``weights`` meet the name, sector, gross and net limits."""
    tolerance = 1e-9
    if float(np.abs(weights).sum()) > limits.gross_target + tolerance:
        return False
    if (
        limits.name_cap is not None
        and (np.abs(weights) > limits.name_cap + tolerance).any()
    ):
        return False
    if limits.sector_cap is not None:
        for members in _sector_index(symbols, sectors):
            if float(np.abs(weights[members]).sum()) > limits.sector_cap + tolerance:
                return False
    net = float(weights.sum())
    if limits.net_max is not None and net > limits.net_max + tolerance:
        return False
    return not (limits.net_min is not None and net < limits.net_min - tolerance)
