"""Strategy budgets: correlation caps and the capital/risk basis.

Correlation cap rule: two strategies whose past return streams correlate above
``strategy_correlation_cap`` (Pearson, over the streams handed in) are linked, and
linked strategies form groups (connected components, so A~B and B~C group A, B, C).
A group gets the budget of its *largest* member -- near-duplicates count once, not
n times -- split among its members in proportion to their own budgets. The budget
taken away is reported as a binding of the group. Budgets are relative: after the
cap they are normalised again, so the freed share goes to the other strategies.

Basis: ``CAPITAL`` gives each sleeve ``budget`` share of the gross; ``RISK`` scales
each sleeve by ``budget / sigma_sleeve`` (its standalone volatility under the window
covariance) so standalone risks are in the budget ratio -- the naive risk-budgeting
of Qian (2005), "Risk parity portfolios", PanAgora -- falling back to ``CAPITAL``
without enough history.
"""

from __future__ import annotations

import numpy as np

from tradecore.domain.portfolio.inputs import FloatArray

CORRELATION_CAP = "strategy_correlation_cap"


def correlation_groups(
    names: list[str], streams: dict[str, FloatArray], cap: float
) -> list[list[str]]:
    """Groups (sorted, each sorted) of strategies linked by correlation > ``cap``."""
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    measured = [n for n in names if n in streams and np.std(streams[n]) > 0]
    for i, first in enumerate(measured):
        for second in measured[i + 1 :]:
            rho = float(np.corrcoef(streams[first], streams[second])[0, 1])
            if rho > cap:
                a, b = sorted((root(first), root(second)))
                parent[b] = a
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(root(name), []).append(name)
    return sorted(sorted(group) for group in groups.values())


def capped_budgets(
    budgets: dict[str, float], groups: list[list[str]]
) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Budgets after the correlation cap, and ``(group, budget removed)`` per group
    that shared; removed amounts are in the normalised (sum 1) budget units."""
    total = sum(budgets.values())
    result = dict(budgets)
    removed: list[tuple[str, float]] = []
    for group in groups:
        if len(group) < 2:
            continue
        group_total = sum(budgets[name] for name in group)
        largest = max(budgets[name] for name in group)
        for name in group:
            result[name] = budgets[name] * largest / group_total
        removed.append(("+".join(group), (group_total - largest) / total))
    return result, removed
