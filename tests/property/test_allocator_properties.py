"""Allocator invariants on random books: the gross adds up, caps and the turnover
limit hold (on weights and on the rounded shares), lots never overspend, equal
requests give equal books, contributions add up to the weights."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.portfolio import (
    Allocation,
    AllocationRequest,
    Constraints,
    EstimationConfig,
    MarketInputs,
    Method,
    SignalKind,
    Sleeve,
    allocate,
)

NAMES = ("AA", "BB", "CC", "DD", "EE", "FF", "GG", "HH")
SECTORS = ("tech", "energy", "health")
TOL = 1e-9


@st.composite
def sleeves(draw: st.DrawFn, symbols: tuple[str, ...], name: str) -> Sleeve:
    kind = draw(st.sampled_from(SignalKind))
    chosen = draw(st.lists(st.sampled_from(symbols), min_size=1, unique=True))
    values: dict[str, object] = {}
    for symbol in chosen:
        if kind is SignalKind.SHARES:
            values[symbol] = Decimal(draw(st.integers(-500, 500).filter(bool)))
        else:
            values[symbol] = draw(st.floats(-1.0, 1.0).filter(lambda x: abs(x) > 1e-3))
    budget = draw(st.floats(0.1, 5.0))
    return Sleeve(name, budget, kind, values)


@st.composite
def constraints(draw: st.DrawFn, turnover: bool) -> Constraints:
    gross = draw(st.floats(0.2, 2.0))
    net_bounds = draw(st.sampled_from(["none", "max", "min", "both"]))
    net_max = draw(st.floats(0.0, gross)) if net_bounds in ("max", "both") else None
    net_min = draw(st.floats(-gross, 0.0)) if net_bounds in ("min", "both") else None
    return Constraints(
        gross_target=gross,
        net_min=net_min,
        net_max=net_max,
        name_cap=draw(st.none() | st.floats(0.05, 1.0)),
        sector_cap=draw(st.none() | st.floats(0.1, 1.0)),
        turnover_limit=draw(st.floats(0.05, 2.0)) if turnover else None,
        lot_size=draw(st.sampled_from([1, 10, 100])),
    )


@st.composite
def requests(draw: st.DrawFn, turnover: bool = False) -> AllocationRequest:
    size = draw(st.integers(2, len(NAMES)))
    symbols = NAMES[:size]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    factor = rng.normal(0, 0.01, size=(120, 1))
    returns = factor * rng.uniform(0, 1, size) + rng.normal(
        0, 1, size=(120, size)
    ) * rng.uniform(0.005, 0.03, size)
    market = MarketInputs(
        symbols=symbols,
        returns=returns,
        prices={s: Decimal(draw(st.integers(100, 50_000))) / 100 for s in symbols},
        equity=Decimal(draw(st.integers(10_000, 2_000_000))),
        sectors={s: draw(st.sampled_from(SECTORS)) for s in symbols[: size - 1]},
    )
    count = draw(st.integers(1, 3))
    limits = draw(constraints(turnover))
    request = AllocationRequest(
        sleeves=[draw(sleeves(symbols, f"s{i}")) for i in range(count)],
        market=market,
        method=draw(st.sampled_from(Method)),
        constraints=limits,
        estimation=EstimationConfig(min_observations=60),
    )
    if not draw(st.booleans()):
        return request
    # Rebalance from yesterday's book: another allocation under the same limits.
    yesterday = AllocationRequest(
        sleeves=[draw(sleeves(symbols, "old"))],
        market=market,
        method=Method.EQUAL_WEIGHT,
        constraints=Constraints(
            gross_target=limits.gross_target,
            net_min=limits.net_min,
            net_max=limits.net_max,
            name_cap=limits.name_cap,
            sector_cap=limits.sector_cap,
            lot_size=limits.lot_size,
        ),
    )
    held = {s: q for s, q in allocate(yesterday).shares if q}
    return AllocationRequest(
        sleeves=request.sleeves,
        market=MarketInputs(
            symbols=symbols,
            returns=returns,
            prices=dict(market.prices),
            equity=market.equity,
            sectors=dict(market.sectors),
            current=held,
        ),
        method=request.method,
        constraints=limits,
        estimation=request.estimation,
    )


def _goal(request: AllocationRequest, result: Allocation) -> float:
    """The gross target times the budget share of sleeves that want something."""
    idle = {w.split(":")[0] for w in result.warnings if "wants nothing" in w}
    active = sum(b for name, b in result.budgets if name not in idle)
    return request.constraints.gross_target * active


def _share_weights(request: AllocationRequest, result: Allocation) -> np.ndarray:
    prices, equity = dict(request.market.prices), request.market.equity
    return np.array([float(q * prices[s] / equity) for s, q in result.shares])


def _bound(result: Allocation, *kinds: str) -> float:
    return sum(b.amount for b in result.bindings if b.constraint in kinds)


def _lot_slack(request: AllocationRequest) -> float:
    lot, equity = request.constraints.lot_size, request.market.equity
    return sum(float(lot * p / equity) for _, p in request.market.prices)


def _assert_caps(
    request: AllocationRequest, weights: np.ndarray, symbols: list[str], slack: float
) -> None:
    limits = request.constraints
    assert np.abs(weights).sum() <= limits.gross_target + TOL
    if limits.name_cap is not None:
        assert (np.abs(weights) <= limits.name_cap + TOL).all()
    if limits.sector_cap is not None:
        sectors = dict(request.market.sectors)
        for sector in set(sectors.values()):
            members = [i for i, s in enumerate(symbols) if sectors.get(s) == sector]
            assert np.abs(weights[members]).sum() <= limits.sector_cap + TOL
    if limits.net_max is not None:
        assert weights.sum() <= limits.net_max + slack + TOL
    if limits.net_min is not None:
        assert weights.sum() >= limits.net_min - slack - TOL


@given(requests())
def test_the_gross_adds_up_to_the_target(request: AllocationRequest) -> None:
    """Without a turnover limit the book's gross plus what the caps and the net
    bounds removed is exactly the gross goal."""
    result = allocate(request)
    removed = _bound(result, "gross_target", "net_max", "net_min")
    assert abs(result.gross + removed - _goal(request, result)) < 1e-8
    assert result.gross <= request.constraints.gross_target + TOL


@given(requests())
def test_caps_hold_on_weights_and_on_shares(request: AllocationRequest) -> None:
    result = allocate(request)
    symbols = [s for s, _ in result.weights]
    weights = np.array([w for _, w in result.weights])
    _assert_caps(request, weights, symbols, slack=0.0)
    # Rounding can move the net by less than a lot per name.
    _assert_caps(request, _share_weights(request, result), symbols, _lot_slack(request))


@given(requests(turnover=True))
def test_turnover_limit_holds_after_rounding(request: AllocationRequest) -> None:
    result = allocate(request)
    limit = request.constraints.turnover_limit
    assert limit is not None
    assert result.turnover <= limit + TOL
    held = dict(request.market.current)
    prices, equity = dict(request.market.prices), request.market.equity
    traded = sum(
        abs(float((q - held.get(s, Decimal(0))) * prices[s] / equity))
        for s, q in result.shares
    )
    assert traded <= limit + TOL
    symbols = [s for s, _ in result.weights]
    _assert_caps(
        request,
        _share_weights(request, result),
        symbols,
        _lot_slack(request),
    )


@given(requests(turnover=True))
def test_lots_are_whole_and_never_overspend(request: AllocationRequest) -> None:
    result = allocate(request)
    market, limits = request.market, request.constraints
    prices = dict(market.prices)
    for _, qty in result.shares:
        assert qty % limits.lot_size == 0
    notional = sum((abs(q * prices[s]) for s, q in result.shares), Decimal(0))
    assert notional <= Decimal(repr(limits.gross_target)) * market.equity + Decimal(
        "1e-6"
    )
    if not result.bound("turnover_limit"):
        for (symbol, weight), (_, qty) in zip(
            result.weights, result.shares, strict=True
        ):
            assert abs(float(qty * prices[symbol] / market.equity)) <= abs(weight) + TOL
            assert qty == 0 or (qty > 0) == (weight > 0)


@given(requests(turnover=True))
def test_contributions_add_up_to_the_weights(request: AllocationRequest) -> None:
    result = allocate(request)
    for symbol, parts in result.contributions:
        assert abs(sum(w for _, w in parts) - result.weight_of(symbol)) < 1e-9


@given(requests(turnover=True))
def test_equal_requests_give_equal_books(request: AllocationRequest) -> None:
    shuffled = AllocationRequest(
        sleeves=[
            Sleeve(s.strategy, s.budget, s.kind, dict(reversed(s.signals)))
            for s in reversed(request.sleeves)
        ],
        market=request.market,
        method=request.method,
        constraints=request.constraints,
        estimation=request.estimation,
    )
    assert allocate(request) == allocate(request) == allocate(shuffled)
