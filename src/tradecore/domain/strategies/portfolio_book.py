"""From an allocation to the share targets a portfolio sends, in two pure steps.

1. :func:`split_targets`: each strategy's contribution (the allocator's
   per-strategy weights, as shares at the last close) is cut to its
   :class:`~tradecore.domain.strategies.sleeve_limits.SleeveLimits`; a symbol's
   target shrinks by the share of its contributions the caps removed (toward zero,
   whole lots), and is split among the strategies in proportion to what they kept.
2. :func:`within_cash`: a cash account pays for a buy (and reserves for a short)
   when the order is placed, while the proceeds of the same rebalance's reductions
   arrive only when they fill. The *increases* of exposure may use
   :data:`CASH_USABLE` of the free cash; if they need more, each is scaled down
   (toward zero, whole lots) and the caller tries the rest on the next bar.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal

from tradecore.domain.portfolio import Allocation
from tradecore.domain.strategies.sleeve_limits import SleeveLimits

#: The share of the free cash a rebalance's increases may use at once (headroom for
#: the move between the decision's close and the fill).
CASH_USABLE = 0.95

_ZERO = Decimal(0)


def _lots(qty: Decimal, lot: Decimal) -> Decimal:
    return (qty / lot).quantize(Decimal(1), ROUND_DOWN) * lot


def split_targets(
    allocation: Allocation,
    equity: float,
    prices: Mapping[str, float],
    limits: Mapping[str, SleeveLimits],
    lot: int,
) -> tuple[dict[str, Decimal], dict[str, dict[str, float]]]:
    """Target shares per symbol and each one's split among the strategies (step 1
    of the module docstring); a strategy without limits is not capped."""
    raw: dict[str, dict[str, float]] = {}
    for symbol, parts in allocation.contributions:
        for strategy, weight in parts:
            raw.setdefault(strategy, {})[symbol] = weight * equity / prices[symbol]
    capped = {
        strategy: (
            limits[strategy].cap(shares, prices)
            if strategy in limits and limits[strategy].binding
            else shares
        )
        for strategy, shares in raw.items()
    }
    targets: dict[str, Decimal] = {}
    splits: dict[str, dict[str, float]] = {}
    for symbol, allocated in allocation.shares:
        asked = sum(shares.get(symbol, 0.0) for shares in raw.values())
        kept = {s: shares.get(symbol, 0.0) for s, shares in capped.items()}
        total = sum(kept.values())
        ratio = min(max(total / asked, 0.0), 1.0) if asked else 0.0
        qty = (
            allocated
            if ratio == 1.0
            else _lots(allocated * Decimal(repr(ratio)), Decimal(lot))
        )
        targets[symbol] = qty
        splits[symbol] = (
            {s: float(qty) * x / total for s, x in kept.items() if x}
            if qty and total
            else {}
        )
    return targets, splits


def free_cash(
    cash: float, positions: Mapping[str, Decimal], prices: Mapping[str, float]
) -> float:
    """Cash less short proceeds and as much again as collateral (Alpaca's
    cash-account rule, as the simulated venue applies it), shorts at the last close."""
    shorts = sum(
        -float(q) * prices[s] for s, q in positions.items() if q < 0 and s in prices
    )
    return cash - 2 * shorts


def opened(qty: Decimal, held: Decimal) -> Decimal:
    """The signed part of the move ``held -> qty`` that opens exposure."""
    if qty * held < 0:  # a flip: the part past flat
        return qty
    if abs(qty) > abs(held):
        return qty - held
    return _ZERO


def within_cash(
    book: Mapping[str, Decimal],
    held: Mapping[str, Decimal],
    prices: Mapping[str, float],
    cash: float,
    lot: int,
) -> tuple[dict[str, Decimal], bool]:
    """``book`` with its increases scaled to ``CASH_USABLE * cash`` (step 2 of the
    module docstring), and whether any was cut."""
    increases = {s: opened(q, held.get(s, _ZERO)) for s, q in book.items()}
    increases = {s: d for s, d in increases.items() if d}
    need = sum(abs(float(d)) * prices[s] for s, d in increases.items())
    usable = max(cash, 0.0) * CASH_USABLE
    if need <= usable:
        return dict(book), False
    scale = Decimal(repr(usable / need))
    steps = dict(book)
    for symbol, delta in increases.items():
        steps[symbol] = book[symbol] - delta + _lots(delta * scale, Decimal(lot))
    return steps, True
