"""No sequence of orders the checker accepts breaches a position or exposure limit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.inputs import ExposureSnapshot
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker

AT = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
SYMBOLS = ("AAA", "BBB", "CCC")

limit_sets = st.builds(
    RiskLimits,
    max_position_shares=st.integers(1, 2_000).map(Decimal),
    max_position_notional=st.integers(100, 200_000).map(Decimal),
    max_gross_exposure=st.integers(100, 400_000).map(Decimal),
    max_net_exposure=st.integers(100, 300_000).map(Decimal),
)
orders = st.builds(
    lambda symbol, side, qty: OrderSpec(symbol=symbol, side=side, qty=Decimal(qty)),
    st.sampled_from(SYMBOLS),
    st.sampled_from(Side),
    st.integers(1, 800),
)
prices = st.decimals(
    min_value=Decimal("0.5"), max_value=Decimal(500), places=2, allow_nan=False
)
marks = st.fixed_dictionaries({s: prices for s in SYMBOLS})


class Measures(NamedTuple):
    shares: dict[str, Decimal]
    notional: dict[str, Decimal]
    gross: Decimal
    net: Decimal


def measures(positions: dict[str, Decimal], m: dict[str, Decimal]) -> Measures:
    values = {s: q * m[s] for s, q in positions.items()}
    return Measures(
        shares={s: abs(q) for s, q in positions.items()},
        notional={s: abs(v) for s, v in values.items()},
        gross=sum((abs(v) for v in values.values()), Decimal(0)),
        net=abs(sum(values.values(), Decimal(0))),
    )


def within(limits: RiskLimits, got: Measures) -> bool:
    return (
        all(q <= cap(limits.max_position_shares) for q in got.shares.values())
        and all(v <= cap(limits.max_position_notional) for v in got.notional.values())
        and got.gross <= cap(limits.max_gross_exposure)
        and got.net <= cap(limits.max_net_exposure)
    )


def cap(limit: Decimal | None) -> Decimal:
    assert limit is not None
    return limit


def step(
    checker: PreTradeChecker,
    positions: dict[str, Decimal],
    m: dict[str, Decimal],
    spec: OrderSpec,
) -> bool:
    book = ExposureSnapshot.build(positions, m)
    if not checker.check(spec, strategy_id="p", at=AT, book=book).passed:
        return False
    assert spec.qty is not None
    positions[spec.symbol] += spec.qty * spec.side.sign
    return True


@given(limit_sets, marks, st.lists(orders, max_size=60))
def test_accepted_orders_never_breach_at_constant_prices(
    limits: RiskLimits, m: dict[str, Decimal], sequence: list[OrderSpec]
) -> None:
    checker = PreTradeChecker(limits)
    positions = dict.fromkeys(SYMBOLS, Decimal(0))
    for spec in sequence:
        if step(checker, positions, m, spec):
            assert within(limits, measures(positions, m))


@given(limit_sets, st.lists(st.tuples(marks, orders), max_size=60))
def test_an_accepted_order_never_worsens_a_breach_prices_caused(
    limits: RiskLimits, sequence: list[tuple[dict[str, Decimal], OrderSpec]]
) -> None:
    checker = PreTradeChecker(limits)
    positions = dict.fromkeys(SYMBOLS, Decimal(0))
    for m, spec in sequence:
        before = measures(positions, m)
        if not step(checker, positions, m, spec):
            continue
        after = measures(positions, m)
        if after.gross > before.gross:
            assert after.gross <= cap(limits.max_gross_exposure)
        if after.net > before.net:
            assert after.net <= cap(limits.max_net_exposure)
        s = spec.symbol
        if after.shares[s] > before.shares[s]:
            assert after.shares[s] <= cap(limits.max_position_shares)
            assert after.notional[s] <= cap(limits.max_position_notional)
