"""The allocator end to end on small books whose answers are known by hand."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.portfolio import (
    CURRENT_BOOK,
    AllocationRequest,
    BudgetBasis,
    Constraints,
    CovarianceKind,
    EstimationConfig,
    MarketInputs,
    Method,
    SignalKind,
    Sleeve,
    allocate,
)

SYMBOLS = ("AAA", "BBB", "CCC", "DDD")
VOLS = np.array([0.01, 0.02, 0.04, 0.08])


def market(rows: int = 252, **kwargs: object) -> MarketInputs:
    rng = np.random.default_rng(11)
    returns = rng.normal(size=(rows, 4))
    returns = (returns - returns.mean(0)) / returns.std(0) * VOLS  # exact vols
    fields: dict[str, object] = {
        "symbols": SYMBOLS,
        "returns": returns,
        "prices": {s: Decimal("50") for s in SYMBOLS},
        "equity": Decimal("100000"),
    }
    fields.update(kwargs)
    return MarketInputs(**fields)  # type: ignore[arg-type]


def weights(**signals: float) -> Sleeve:
    return Sleeve("s", 1.0, SignalKind.WEIGHTS, signals)


def request(
    sleeves: list[Sleeve],
    method: Method = Method.EQUAL_WEIGHT,
    constraints: Constraints | None = None,
    **market_kwargs: object,
) -> AllocationRequest:
    return AllocationRequest(
        sleeves=sleeves,
        market=market(**market_kwargs),
        method=method,
        constraints=constraints or Constraints(),
        estimation=EstimationConfig(min_observations=60),
    )


def test_equal_weight_keeps_the_sides_and_splits_the_gross() -> None:
    result = allocate(request([weights(AAA=0.3, BBB=-0.1, CCC=0.05)]))
    assert dict(result.weights) == pytest.approx(
        {"AAA": 1 / 3, "BBB": -1 / 3, "CCC": 1 / 3}
    )
    assert dict(result.shares) == {
        "AAA": Decimal(666),
        "BBB": Decimal(-666),
        "CCC": Decimal(666),
    }
    assert result.gross == pytest.approx(1.0)
    assert result.cash_after == Decimal(100000 - 666 * 50)


def test_inverse_vol_weights_are_proportional_to_one_over_vol() -> None:
    result = allocate(
        request([weights(AAA=1, BBB=1, CCC=1, DDD=1)], Method.INVERSE_VOL)
    )
    inverse = (1 / VOLS) / (1 / VOLS).sum()
    # Ledoit-Wolf shrinks the vols toward their mean; the sample window is exact.
    assert [result.weight_of(s) for s in SYMBOLS] != pytest.approx(list(inverse))
    sample = AllocationRequest(
        sleeves=[weights(AAA=1, BBB=1, CCC=1, DDD=1)],
        market=market(),
        method=Method.INVERSE_VOL,
        estimation=EstimationConfig(covariance=CovarianceKind.SAMPLE),
    )
    assert [allocate(sample).weight_of(s) for s in SYMBOLS] == pytest.approx(
        list(inverse), abs=1e-12
    )


def test_too_little_history_falls_back_to_equal_weight_and_says_why() -> None:
    result = allocate(request([weights(AAA=1, BBB=1)], Method.RISK_PARITY, rows=20))
    assert dict(result.methods_used) == {"s": Method.EQUAL_WEIGHT}
    assert result.weight_of("AAA") == pytest.approx(0.5)
    assert any("insufficient_history: 20 complete rows" in w for w in result.warnings)


def test_two_strategies_combine_by_budget_and_contributions_add_up() -> None:
    sleeves = [
        Sleeve("alpha", 3.0, SignalKind.WEIGHTS, {"AAA": 0.5}),
        Sleeve(
            "beta", 1.0, SignalKind.SHARES, {"AAA": Decimal(10), "BBB": Decimal(-5)}
        ),
    ]
    result = allocate(request(sleeves))
    assert result.weight_of("AAA") == pytest.approx(0.75 + 0.125)
    assert result.weight_of("BBB") == pytest.approx(-0.125)
    assert result.contribution("AAA", "alpha") == pytest.approx(0.75)
    assert result.contribution("AAA", "beta") == pytest.approx(0.125)
    for symbol, parts in result.contributions:
        assert sum(w for _, w in parts) == pytest.approx(result.weight_of(symbol))


def test_a_flat_sleeve_leaves_its_budget_in_cash() -> None:
    sleeves = [
        Sleeve("alpha", 1.0, SignalKind.WEIGHTS, {"AAA": 0.5}),
        Sleeve("flat", 1.0, SignalKind.WEIGHTS, {"BBB": 0.0}),
    ]
    result = allocate(request(sleeves))
    assert result.gross == pytest.approx(0.5)
    assert any("flat: wants nothing" in w for w in result.warnings)


def test_name_cap_redistributes_to_the_other_names() -> None:
    capped = AllocationRequest(
        sleeves=[weights(AAA=1, BBB=1, CCC=1)],
        market=market(),
        method=Method.INVERSE_VOL,
        constraints=Constraints(name_cap=0.5),
        estimation=EstimationConfig(covariance=CovarianceKind.SAMPLE),
    )
    result = allocate(capped)  # uncapped: 4/7, 2/7, 1/7
    got = [result.weight_of(s) for s in ("AAA", "BBB", "CCC")]
    assert got == pytest.approx([0.5, 1 / 3, 1 / 6], abs=1e-12)
    assert result.bound("name_cap")[0].amount == pytest.approx(4 / 7 - 0.5)


def test_caps_too_tight_for_the_gross_report_the_shortfall() -> None:
    result = allocate(
        request([weights(AAA=1, BBB=1, CCC=1)], constraints=Constraints(name_cap=0.3))
    )
    assert result.gross == pytest.approx(0.9)
    assert result.bound("gross_target")[0].amount == pytest.approx(0.1)


def test_sector_cap_binds_and_the_rest_fills() -> None:
    result = allocate(
        request(
            [weights(AAA=1, BBB=1, CCC=1, DDD=1)],
            constraints=Constraints(sector_cap=0.3),
            sectors={"AAA": "tech", "BBB": "tech"},
        )
    )
    assert result.weight_of("AAA") + result.weight_of("BBB") == pytest.approx(0.3)
    assert result.weight_of("CCC") == pytest.approx(0.35)
    (binding,) = result.bound("sector_cap")
    assert binding.subject == "tech"
    assert binding.amount == pytest.approx(0.2)
    assert any("not sector-capped: CCC, DDD" in w for w in result.warnings)


def test_net_max_scales_the_long_side_down() -> None:
    result = allocate(
        request([weights(AAA=1, BBB=1, CCC=-1)], constraints=Constraints(net_max=0.0))
    )
    assert result.net == pytest.approx(0.0)
    assert result.weight_of("AAA") == pytest.approx(1 / 6)
    assert result.bound("net_max")[0].amount == pytest.approx(1 / 3)


def test_turnover_limit_moves_part_way_and_credits_the_current_book() -> None:
    result = allocate(
        request(
            [weights(BBB=1.0)],
            constraints=Constraints(turnover_limit=0.5),
            current={"AAA": Decimal(2000)},  # 100% in AAA
        )
    )
    assert result.turnover == pytest.approx(0.5)
    assert result.weight_of("AAA") == pytest.approx(0.75)
    assert result.weight_of("BBB") == pytest.approx(0.25)
    assert result.contribution("AAA", CURRENT_BOOK) == pytest.approx(0.75)
    assert result.shares_of("AAA") == Decimal(1500)


def test_a_current_book_beyond_the_caps_is_flagged_when_turnover_binds() -> None:
    result = allocate(
        request(
            [weights(BBB=1.0)],
            constraints=Constraints(turnover_limit=0.5, name_cap=0.6),
            current={"AAA": Decimal(2000)},  # 100% in AAA, over the 60% cap
        )
    )
    # BBB capped at 0.6; alpha = 0.5 / 1.6: AAA keeps 0.6875 > the cap
    assert result.weight_of("AAA") == pytest.approx(1 - 0.5 / 1.6)
    assert any("current book breaks a cap" in w for w in result.warnings)


def test_lots_round_toward_zero_and_the_rest_stays_cash() -> None:
    result = allocate(
        request(
            [weights(AAA=1, BBB=-1, CCC=1)],
            constraints=Constraints(lot_size=100),
        )
    )
    assert dict(result.shares) == {
        "AAA": Decimal(600),
        "BBB": Decimal(-600),
        "CCC": Decimal(600),
    }
    assert float(result.rounding_residual) == pytest.approx(100000 - 1800 * 50)
    assert result.bound("lot_rounding")[0].amount == pytest.approx(0.1, abs=1e-3)


def test_correlated_strategies_share_one_budget() -> None:
    rng = np.random.default_rng(2)
    base = rng.normal(size=100)
    streams = {
        "a": base,
        "b": base + 0.01 * rng.normal(size=100),
        "c": rng.normal(size=100),
    }
    sleeves = [
        Sleeve(name, 1.0, SignalKind.WEIGHTS, {symbol: 1.0})
        for name, symbol in (("a", "AAA"), ("b", "BBB"), ("c", "CCC"))
    ]
    result = allocate(
        request(
            sleeves,
            constraints=Constraints(strategy_correlation_cap=0.8),
            strategy_returns=streams,
        )
    )
    assert dict(result.budgets) == pytest.approx({"a": 0.25, "b": 0.25, "c": 0.5})
    assert result.weight_of("CCC") == pytest.approx(0.5)
    (binding,) = result.bound("strategy_correlation_cap")
    assert binding.subject == "a+b"
    assert binding.amount == pytest.approx(1 / 3)


def test_a_strategy_without_a_stream_is_not_correlation_capped_and_says_so() -> None:
    result = allocate(
        request(
            [weights(AAA=1.0)],
            constraints=Constraints(strategy_correlation_cap=0.5),
        )
    )
    assert "no return stream, so not correlation-capped: s" in result.warnings


def test_risk_budgets_equalise_standalone_vols() -> None:
    sleeves = [
        Sleeve("calm", 1.0, SignalKind.WEIGHTS, {"AAA": 1.0}),
        Sleeve("wild", 1.0, SignalKind.WEIGHTS, {"DDD": 1.0}),
    ]
    result = allocate(
        AllocationRequest(
            sleeves=sleeves,
            market=market(),
            method=Method.EQUAL_WEIGHT,
            constraints=Constraints(budget_basis=BudgetBasis.RISK),
            estimation=EstimationConfig(covariance=CovarianceKind.SAMPLE),
        )
    )
    assert result.weight_of("AAA") * 0.01 == pytest.approx(
        result.weight_of("DDD") * 0.08
    )
    assert result.gross == pytest.approx(1.0)


def test_rank_aggregation_averages_demeaned_ranks() -> None:
    sleeves = [
        Sleeve("x", 1.0, SignalKind.SCORES, {"AAA": 3, "BBB": 2, "CCC": 1}),
        Sleeve("y", 1.0, SignalKind.SCORES, {"AAA": 1, "BBB": 2, "CCC": 3}),
        Sleeve("z", 2.0, SignalKind.SCORES, {"AAA": 5, "DDD": 1}),
    ]
    result = allocate(request(sleeves, Method.RANK))
    # x: AAA +1/2, CCC -1/2; y: the mirror; z: AAA +1/2, DDD -1/2 -> z only survives
    got = {s: result.weight_of(s) for s in SYMBOLS}
    assert got == pytest.approx({"AAA": 0.5, "BBB": 0.0, "CCC": 0.0, "DDD": -0.5})


def test_mean_variance_without_views_is_the_minimum_variance_sleeve() -> None:
    result = allocate(
        AllocationRequest(
            sleeves=[weights(AAA=1, BBB=1, CCC=1)],
            market=market(),
            method=Method.MEAN_VARIANCE,
            estimation=EstimationConfig(covariance=CovarianceKind.SAMPLE),
        )
    )
    # (nearly) uncorrelated: w ∝ 1/sigma^2 -> 16 : 4 : 1
    got = [result.weight_of(s) for s in ("AAA", "BBB", "CCC")]
    assert got == pytest.approx([16 / 21, 4 / 21, 1 / 21], abs=0.02)


def test_mean_variance_views_tilt_toward_the_higher_expected_return() -> None:
    plain = allocate(request([weights(AAA=1, BBB=1)], Method.MEAN_VARIANCE))
    tilted = allocate(
        request(
            [weights(AAA=1, BBB=1)],
            Method.MEAN_VARIANCE,
            expected_returns={"BBB": 0.001},
        )
    )
    assert tilted.weight_of("BBB") > plain.weight_of("BBB") + 0.1


def test_equal_requests_give_equal_allocations_whatever_the_order() -> None:
    sleeves = [
        Sleeve("b", 1.0, SignalKind.WEIGHTS, {"CCC": 0.2, "AAA": -0.3}),
        Sleeve("a", 2.0, SignalKind.SCORES, {"DDD": 1.0, "BBB": 2.0}),
    ]
    first = allocate(request(sleeves, Method.HRP, Constraints(name_cap=0.3)))
    second = allocate(request(sleeves[::-1], Method.HRP, Constraints(name_cap=0.3)))
    assert first == second


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Sleeve("s", "1", SignalKind.WEIGHTS, {"AAA": 1.0}), "budget"),
        (lambda: Sleeve("s", 1.0, SignalKind.WEIGHTS, {"aaa": 1.0}), "symbol"),
        (lambda: Sleeve("s", 1.0, SignalKind.WEIGHTS, {"AAA": "x"}), "signal[AAA]"),
        (lambda: Constraints(name_cap=-0.1), "name_cap"),
        (lambda: Constraints(net_min=0.5, net_max=0.1), "net_min"),
        (lambda: Constraints(lot_size=0), "lot_size"),
        (lambda: request([weights(ZZZ=1.0)]), "signals"),
        (lambda: market(returns=np.zeros(3)), "returns"),
    ],
)
def test_bad_inputs_name_the_field(build: object, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field


def test_rounding_under_a_turnover_limit_keeps_the_sector_cap() -> None:
    """Regression (found by the property suite): a turnover-limited move inside one
    sector -- out of BBB and CCC, into AAA, at the sector's cap -- rounded the
    reductions toward the holding and the increase toward zero, one share each, and
    the sector ended 1 share over its cap. Rounding now trims the increase."""
    result = allocate(
        request(
            [weights(AAA=1.0)],
            constraints=Constraints(
                gross_target=1.0, sector_cap=0.25, turnover_limit=1.0, lot_size=1
            ),
            prices={s: Decimal(1) for s in SYMBOLS},
            equity=Decimal(10_000),
            current={
                "AAA": Decimal(833),
                "BBB": Decimal(833),
                "CCC": Decimal(833),
                "DDD": Decimal(7500),
            },
            sectors={"AAA": "tech", "BBB": "tech", "CCC": "tech"},
        )
    )
    shares = dict(result.shares)
    assert shares["AAA"] + shares["BBB"] + shares["CCC"] <= 2500  # 0.25 of 10,000
    assert result.turnover <= 1.0 + 1e-9
    assert shares["AAA"] > 833  # it still moved toward the target


def test_rounding_never_trades_past_a_turnover_limit_the_weights_kept() -> None:
    """Regression (found by the property suite in CI): the weights traded 0.429 of
    equity under a 0.44 limit, so the limit did not bind; rounding BBB's position
    toward zero (349.65 -> 300 shares at 7.15) then sold 50 more and traded 0.4645.
    Trades are now rounded toward zero whenever rounding positions would top it."""
    prices = {s: Decimal(1) for s in SYMBOLS} | {"BBB": Decimal("7.15")}
    result = allocate(
        request(
            [weights(AAA=1.0, BBB=1.0)],
            constraints=Constraints(
                gross_target=0.5, turnover_limit=0.44, lot_size=100
            ),
            prices=prices,
            equity=Decimal(10_000),
            current={"BBB": Decimal(600)},
        )
    )
    shares = dict(result.shares)
    traded = (
        abs(shares["AAA"]) * prices["AAA"] + abs(shares["BBB"] - 600) * prices["BBB"]
    )
    assert traded / 10_000 <= Decimal("0.44")
    assert shares["BBB"] == 400  # the 250.35-share sale rounded down to 200
    # ... which leaves more BBB than its weight: AAA's buy is trimmed to keep the
    # gross within 0.5 (2,100 + 400 x 7.15 = 4,960 of 10,000).
    assert shares["AAA"] == 2100
    assert result.bound("turnover_limit")  # rounding would have topped it
