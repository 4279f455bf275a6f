"""Per-decision cost of sizing + execution policy + cost estimate (target <= 50 us).

A decision here is what the engine will do for each signal: size it with Bayesian
Kelly (Beta posterior, shrunk payoff, optional model probability), then let the
execution-policy selector pick a style, price it with the cost model (impact, spread,
fees in Decimal) and gate it on the expected edge. Inputs are built outside the timed
loop from a seeded generator and cover every policy (passive, marketable, TWAP, POV)
and the skip.

Reported next to a floor measured in the same run: the same Kelly and impact
arithmetic as bare float expressions, with no records, validation, reasons or
Decimal money. The ratio is what the explainable, audited version costs over it.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import attrs
import numpy as np

from tradecore.domain import (
    BayesianKelly,
    CostModel,
    ExecutionPolicySelector,
    FeeModel,
    KellyConfig,
    MarketContext,
    PlannedOrder,
    Provenance,
    Side,
)
from tradecore.domain.sizing.kelly import beta_interval
from tradecore.domain.strategies.protocol import Target
from tradecore.services.execution.net_of_cost import NetOfCostConfig, NetOfCostPlanner

TARGET_US = 50.0
EQUITY = Decimal(1_000_000)
PROVENANCES = (Provenance.SIP, Provenance.SIP, Provenance.SIP, Provenance.IEX)


def _inputs(n: int, seed: int) -> list[tuple[MarketContext, float, float, float]]:
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        market = MarketContext(
            symbol=f"S{i % 50}",
            price=float(rng.uniform(10, 500)),
            spread_bps=float(rng.choice([2.0, 5.0, 12.0, 40.0])),
            volatility=float(rng.uniform(0.01, 0.05)),
            adv=float(10 ** rng.uniform(4.5, 7.5)),
            liquidity_ratio=float(rng.uniform(0.2, 2.0)),
            provenance=PROVENANCES[i % len(PROVENANCES)],
        )
        urgency = float(rng.choice([5.0, 20.0, 120.0, 390.0]))
        edge = float(rng.uniform(2.0, 40.0))
        model_p = float(rng.uniform(0.5, 0.7))
        cases.append((market, urgency, edge, model_p))
    return cases


def _kelly(seed: int) -> BayesianKelly:
    rng = np.random.default_rng(seed)
    outcomes = np.where(rng.random(400) < 0.56, 0.02, -0.015) * rng.uniform(0.5, 1.5)
    config = KellyConfig(kelly_fraction=0.5, max_fraction=0.15)
    return BayesianKelly(config=config).update_all(outcomes.tolist())


def _planner(
    cases: list[tuple[MarketContext, float, float, float]], kelly: BayesianKelly
) -> NetOfCostPlanner:
    """The engine's planner, its features warmed on a liquid market per symbol."""
    planner = NetOfCostPlanner(
        NetOfCostConfig(fees=FeeModel.us_regulatory(per_share=Decimal("0.002")))
    )
    planner.kelly = attrs.evolve(kelly)
    for market, *_ in cases[:50]:
        for i in range(30):
            price = market.price * (1.0 + 0.001 * (i % 3))
            planner.update(market.symbol, price, market.adv / 390)
    return planner


def _best_per_call(action: Callable[[], object], calls: int, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def run(quick: bool) -> list[str]:
    """Time full decisions, their parts, and the bare-arithmetic floor."""
    n, repeats = (2_000, 3) if quick else (20_000, 5)
    cases = _inputs(n, seed=7)
    kelly = _kelly(seed=11)
    selector = ExecutionPolicySelector(
        cost_model=CostModel(fees=FeeModel.us_regulatory(per_share=Decimal("0.002")))
    )
    prices = [Decimal(repr(round(m.price, 2))) for m, *_ in cases]
    outcomes: Counter[str] = Counter()

    def decisions() -> None:
        decide, select = kelly.decide, selector.select
        for (market, urgency, edge, model_p), price in zip(cases, prices, strict=True):
            sizing = decide(equity=EQUITY, price=price, model_probability=model_p)
            if sizing.shares > 0:
                select(
                    side=Side.BUY,
                    qty=sizing.shares,
                    market=market,
                    urgency_minutes=urgency,
                    expected_edge_bps=edge,
                )

    def census() -> None:
        for (market, urgency, edge, model_p), price in zip(cases, prices, strict=True):
            sizing = kelly.decide(equity=EQUITY, price=price, model_probability=model_p)
            if sizing.shares == 0:
                outcomes["no size"] += 1
                continue
            choice = selector.select(
                side=Side.BUY,
                qty=sizing.shares,
                market=market,
                urgency_minutes=urgency,
                expected_edge_bps=edge,
            )
            outcomes[choice.skip_reason or choice.policy.value] += 1

    def sizing_only() -> None:
        decide = kelly.decide
        for (_, _, _, model_p), price in zip(cases, prices, strict=True):
            decide(equity=EQUITY, price=price, model_probability=model_p)

    orders = [
        PlannedOrder(symbol=m.symbol, side=Side.BUY, qty=Decimal(500))
        for m, *_ in cases
    ]

    def estimate_only() -> None:
        estimate = selector.cost_model.estimate
        for order, (market, *_) in zip(orders, cases, strict=True):
            estimate(order, market)

    floor_inputs = [(m.price, m.volatility, m.adv, m.spread_bps) for m, *_ in cases]

    def floor() -> None:
        p, b, frac, cap = 0.52, 1.3, 0.5, 0.15
        for price, sigma, adv, spread in floor_inputs:
            f = min(max(0.0, p - (1 - p) / b) * frac, cap)
            shares = math.floor(f * 1e6 / price)
            part = shares / (adv / 390 * 5)
            cost = (
                spread / 2
                + 0.142 * sigma * part**0.6 * 1e4
                + 0.157 * sigma * (shares / adv) * 1e4
            )
            _ = cost > 10.0

    planner = _planner(cases, kelly)
    targets = [
        Target(m.symbol, Decimal(100_000), expected_edge_bps=edge, probability=p)
        for m, _, edge, p in cases
    ]
    now = datetime(2026, 1, 5, 15, tzinfo=UTC)

    def engine_path() -> None:
        desired, plan = planner.desired, planner.plan
        for target, price, (market, *_) in zip(targets, prices, cases, strict=True):
            want, sizing = desired(target, price, 1_000_000.0)
            if want:
                plan(
                    target,
                    current=Decimal(0),
                    desired=want,
                    close=market.price,
                    now=now,
                    sizing=sizing,
                )

    census()
    full = _best_per_call(decisions, n, repeats)
    wired = _best_per_call(engine_path, n, repeats)
    sizing = _best_per_call(sizing_only, n, repeats)
    estimate = _best_per_call(estimate_only, n, repeats)
    bare = _best_per_call(floor, n, repeats)
    beta_interval.cache_clear()
    alpha, beta = kelly.alpha, kelly.beta
    uncached = _best_per_call(
        lambda: [
            (beta_interval.cache_clear(), beta_interval(alpha, beta, 0.9))
            for _ in range(200)
        ],
        200,
        repeats,
    )
    verdict = "meets" if full <= TARGET_US else "MISSES"
    mix = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    return [
        f"decision (sizing + policy + cost estimate + gate): {full:6.1f} us "
        f"| target <= {TARGET_US:.0f} us: {verdict}",
        f"  as the engine runs it (NetOfCostPlanner: features, sizing, stale check, "
        f"policy, limit spec, details): {wired:6.1f} us",
        f"  sizing alone {sizing:5.1f} us | cost estimate alone {estimate:5.1f} us",
        f"  floor (bare float arithmetic, same formulas): {bare:5.2f} us "
        f"| ratio {full / bare:5.1f}x",
        f"  beta.ppf interval uncached: {uncached:6.1f} us per call "
        "(cached per posterior, so paid once per outcome, not per decision)",
        f"  {n:,} decisions: {mix}",
    ]
