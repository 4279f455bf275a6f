"""Cost-model invariants: AC optimality, cost monotonicity, exact TCA sums,
calibration that never leaves its clamps, slices that add up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.factories import T0, key
from tradecore.domain import (
    CalibrationConfig,
    CostModel,
    CostModelParams,
    Fill,
    ImpactObservation,
    ImpactParams,
    LotRules,
    MarketContext,
    ParamBounds,
    ParentExecution,
    PlannedOrder,
    Side,
    almgren_chriss_trajectory,
    analyze_execution,
    calibrate_impact,
    observe_impact,
    twap_slices,
)
from tradecore.domain.execution.fees import FeeModel

# --- Almgren–Chriss -------------------------------------------------------------------


@st.composite
def ac_inputs(draw: st.DrawFn) -> dict[str, float | int]:
    n = draw(st.integers(1, 60))
    horizon = draw(st.floats(0.1, 1_000.0))
    eta = draw(st.floats(1e-6, 10.0))
    # keep η̃ = η − γτ/2 > 0 (otherwise the model has no optimum)
    gamma = draw(st.floats(0.0, 0.9)) * 2 * eta / (horizon / n)
    return {
        "shares": draw(st.floats(1.0, 1e7)),
        "horizon": horizon,
        "n_intervals": n,
        "sigma": draw(st.floats(0.0, 10.0)),
        "eta": eta,
        "gamma": gamma,
        "risk_aversion": draw(st.floats(0.0, 1.0)),
    }


@given(ac_inputs())
def test_ac_schedule_sells_exactly_x_and_never_buys_back(args: dict) -> None:  # type: ignore[type-arg]
    run = almgren_chriss_trajectory(**args)
    x = args["shares"]
    assert run.holdings[0] == x
    assert run.holdings[-1] == 0.0
    assert all(t >= -1e-9 * x for t in run.trades)
    assert abs(sum(run.trades) - x) <= 1e-9 * x


@given(ac_inputs())
def test_ac_objective_is_never_worse_than_twap(args: dict) -> None:  # type: ignore[type-arg]
    lam = args["risk_aversion"]
    optimal = almgren_chriss_trajectory(**args)
    twap = almgren_chriss_trajectory(**{**args, "risk_aversion": 0.0})
    # TWAP's own variance is what the λ-objective charges it.
    u_opt = optimal.expected_cost + lam * optimal.variance
    u_twap = twap.expected_cost + lam * twap.variance
    assert u_opt <= u_twap * (1 + 1e-9) + 1e-9


# --- pre-trade cost ---------------------------------------------------------------------

markets = st.builds(
    MarketContext,
    symbol=st.just("AAPL"),
    price=st.floats(1.0, 5_000.0),
    spread_bps=st.floats(0.0, 200.0),
    volatility=st.floats(0.001, 0.2),
    adv=st.floats(1e3, 1e8),
    liquidity_ratio=st.floats(0.05, 5.0),
)
impact_params = st.builds(
    ImpactParams,
    eta=st.floats(0.0, 2.0),
    beta=st.floats(0.1, 1.5),
    gamma=st.floats(0.0, 2.0),
)


@given(markets, impact_params, st.integers(1, 10**6), st.integers(1, 10**6))
def test_cost_bps_never_falls_as_the_order_grows(
    market: MarketContext, params: ImpactParams, q1: int, q2: int
) -> None:
    model = CostModel(params=CostModelParams(default=params))
    small, large = sorted((q1, q2))

    def bps(qty: int) -> float:
        order = PlannedOrder(
            symbol="AAPL", side=Side.BUY, qty=Decimal(qty), horizon_minutes=30.0
        )
        estimate = model.estimate(order, market)
        assert (
            min(
                estimate.half_spread_bps,
                estimate.temporary_impact_bps,
                estimate.permanent_impact_bps,
            )
            >= 0.0
        )
        return estimate.total_bps

    assert bps(small) <= bps(large) * (1 + 1e-12)


@given(markets, impact_params, st.floats(1.0, 390.0), st.floats(1.0, 390.0))
def test_more_time_never_costs_more(
    market: MarketContext, params: ImpactParams, h1: float, h2: float
) -> None:
    model = CostModel(params=CostModelParams(default=params))
    short, long = sorted((h1, h2))

    def bps(horizon: float) -> float:
        order = PlannedOrder(
            symbol="AAPL", side=Side.SELL, qty=Decimal(5_000), horizon_minutes=horizon
        )
        return model.estimate(order, market).total_bps

    assert bps(long) <= bps(short) * (1 + 1e-12)


# --- TCA and calibration from fills -------------------------------------------------------

cents = st.integers(100, 1_000_000).map(lambda c: Decimal(c) / 100)


@st.composite
def executions(draw: st.DrawFn) -> ParentExecution:
    side = draw(st.sampled_from(list(Side)))
    ordered = draw(st.integers(1, 100_000))
    sizes = draw(st.lists(st.integers(1, 10_000), max_size=8))
    fills, left = [], ordered
    for i, size in enumerate(sizes):
        qty = min(size, left)
        if qty == 0:
            break
        left -= qty
        fills.append(
            Fill(
                execution_id=f"x{i}",
                client_order_id="p",
                symbol="AAPL",
                side=side,
                qty=Decimal(qty),
                price=draw(cents),
                fee=Decimal(draw(st.integers(0, 10_000))) / 100,
                filled_at=T0,
            )
        )
    return ParentExecution(
        client_order_id="p",
        strategy_id="s",
        symbol="AAPL",
        side=side,
        session_date=date(2026, 1, 5),
        policy="twap",
        ordered_qty=Decimal(ordered),
        decision_price=draw(cents),
        arrival_price=draw(cents),
        end_price=draw(cents),
        mark_price=draw(cents),
        fills=tuple(fills),
        arrival_spread_bps=draw(st.floats(0.0, 500.0)),
        spread_paid=draw(st.floats(0.0, 1.0)),
    )


@given(executions())
def test_shortfall_parts_always_add_up_exactly(parent: ParentExecution) -> None:
    a = analyze_execution(parent)
    assert a.delay_cost + a.execution_cost + a.opportunity_cost + a.fees == (
        a.total_shortfall
    )
    assert a.spread_cost + a.impact_cost == a.execution_cost
    assert a.net_pnl == a.gross_alpha + a.timing - a.execution_cost - a.fees
    assert 0.0 <= a.fill_ratio <= 1.0


@st.composite
def configs(draw: st.DrawFn) -> CalibrationConfig:
    def bounds() -> ParamBounds:
        low = draw(st.floats(1e-6, 10.0))
        return ParamBounds(low=low, high=low * draw(st.floats(1.001, 1e4)))

    return CalibrationConfig(
        eta_bounds=bounds(),
        gamma_bounds=bounds(),
        smoothing=draw(st.floats(0.001, 1.0)),
        max_step=draw(st.floats(1e-6, 100.0)),
    )


any_finite = st.floats(allow_nan=False, allow_infinity=False)
observations = st.builds(
    ImpactObservation,
    symbol=st.sampled_from(["AAPL", "MSFT"]),
    execution_ids=st.lists(st.text("abc123", min_size=1, max_size=4), min_size=1),
    participation=st.floats(1e-300, 1e6),
    volatility=st.floats(1e-300, 1e3),
    impact_bps=any_finite,
    size_over_adv=st.floats(0.0, 1e6),
    permanent_bps=st.none() | any_finite,
)
start_params = st.builds(
    CostModelParams,
    default=st.builds(
        ImpactParams,
        eta=st.floats(0.0, 1e6),
        beta=st.floats(1e-3, 3.0),
        gamma=st.floats(0.0, 1e6),
    ),
)


def _inside(params: CostModelParams, config: CalibrationConfig) -> bool:
    return all(
        config.eta_bounds.low <= p.eta <= config.eta_bounds.high
        and config.gamma_bounds.low <= p.gamma <= config.gamma_bounds.high
        for p in params.per_symbol.values()
    )


@given(start_params, st.lists(observations, min_size=1, max_size=30), configs())
def test_calibration_never_leaves_its_clamps_whatever_it_is_fed(
    start: CostModelParams,
    fed: list[ImpactObservation],
    config: CalibrationConfig,
) -> None:
    fitted = calibrate_impact(start, fed, config)
    assert set(fitted.per_symbol) == {o.symbol for o in fed}
    assert _inside(fitted, config)
    assert set(fitted.fills_used) == {i for o in fed for i in o.execution_ids}


@given(
    st.lists(executions(), min_size=1, max_size=10),
    configs(),
    st.floats(1e-4, 1.0),
    st.floats(1.0, 1e9),
)
def test_calibration_from_real_fills_stays_inside_its_clamps(
    parents: list[ParentExecution],
    config: CalibrationConfig,
    volatility: float,
    volume: float,
) -> None:
    fed = [
        observe_impact(
            analyze_execution(p),
            volatility=volatility,
            market_volume=volume,
            adv=volume,
            post_price=p.end_price,
        )
        for p in parents
    ]
    usable = [o for o in fed if o is not None]
    fitted = calibrate_impact(CostModelParams(), usable, config)
    assert _inside(fitted, config)


# --- slicing ----------------------------------------------------------------------------


@given(
    st.integers(1, 10**7),
    st.integers(1, 200),
    st.sampled_from([(1, 1), (1, 100), (100, 100), (10, 50)]),
)
def test_twap_children_add_up_and_respect_the_minimum(
    qty: int, slices: int, lot_rule: tuple[int, int]
) -> None:
    lots = LotRules(lot=Decimal(lot_rule[0]), min_qty=Decimal(lot_rule[1]))
    children = twap_slices(
        key(qty=Decimal(qty)),
        slices=slices,
        start=T0,
        horizon=timedelta(hours=1),
        lots=lots,
    )
    sizes = [c.qty for c in children]
    assert sum(sizes) == qty
    assert 1 <= len(children) <= slices
    assert all(s > 0 for s in sizes)
    if qty >= lot_rule[1]:
        assert all(s >= lots.min_qty for s in sizes)
    assert max(sizes[:-1] or [0]) - min(sizes[:-1] or [0]) <= lots.lot
    assert len({c.client_order_id for c in children}) == len(children)


# --- fees -----------------------------------------------------------------------------

_fee_rates = st.one_of(
    st.just(Decimal(0)),
    st.decimals(min_value=Decimal(0), max_value=Decimal(5), places=6),
)


@given(
    per_share=_fee_rates,
    bps=_fee_rates,
    sec=_fee_rates,
    taf=_fee_rates,
    side=st.sampled_from(Side),
    qty=st.one_of(
        st.integers(1, 10**7).map(Decimal),
        st.decimals(min_value=Decimal("1e-9"), max_value=Decimal(10**6), places=9),
    ),
    price=st.decimals(min_value=Decimal("1e-4"), max_value=Decimal(10**6), places=4),
)
def test_fee_shortcut_equals_the_computation(
    per_share: Decimal,
    bps: Decimal,
    sec: Decimal,
    taf: Decimal,
    side: Side,
    qty: Decimal,
    price: Decimal,
) -> None:
    """A model without rates answers without the arithmetic: the same Decimal, to
    its exponent (fills carry the fee as text), as the term-by-term computation."""
    model = FeeModel(
        per_share=per_share, bps=bps, sec_fee_bps=sec, finra_taf_per_share=taf
    )
    fee = model.fee(side, qty, price)
    full = model._charged(side, qty, price)
    assert fee == full
    assert str(fee) == str(full)
