"""The venue's opening match answers as the general match it stands for.

Under a model that takes any size of a bar at no cost (the ideal one), a market
order without a stop, ready at the bar's start, with no quote and the bar's
liquidity unlimited, is matched by :func:`opening_match` instead of
:func:`match_order`: the same :class:`Match` (all it has left at the open, or no
fill when nothing is left), or the same error for a price that is not one.
A venue taking the opening match shows the events and books of one that never
does, over random order flows (which also place limit and bracket orders).
A fill's execution id, derived from the venue's kept ``"exec"`` prefix, is
``derive_id(seed, "exec", broker id, n)``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.property.sim_flow import make_broker, random_steps, run_flow
from tradecore.domain.errors import InvalidInput
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.market.bars import Bar
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.spec import OrderSpec, Side, TimeInForce
from tradecore.domain.venue.fill_models import (
    FillModel,
    LiquidityConfig,
    SpreadConfig,
)
from tradecore.domain.venue.matching import (
    Match,
    fills_any_size_free,
    match_order,
    ohlc_path,
    opening_match,
)
from tradecore.domain.venue.sim_order import SimOrder, derive_from, derive_id, id_prefix

T0 = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)
#: Bars with any open, valid or not (the general match raises on a bad price).
_any_bar = trusted_builder(Bar)

_prices = st.floats(1.0, 1000.0, allow_nan=False)
_bad_opens = st.sampled_from([0.0, -1.5, math.nan, math.inf, -math.inf])


def _order(
    side: Side, qty: int, committed: int, tif: TimeInForce, triggered: bool
) -> SimOrder:
    order = SimOrder(
        broker_order_id="b-1",
        client_order_id="c-1",
        spec=OrderSpec(symbol="AAA", side=side, qty=Decimal(qty), time_in_force=tif),
        qty=Decimal(qty),
        status=BrokerOrderStatus.NEW,
        submitted_at=T0,
        updated_at=T0,
        ready_at=T0,
    )
    order.committed_qty = Decimal(min(committed, qty))
    order.triggered = triggered
    order.queue_ahead = 12.5  # kept by a match without a fill, dropped by a fill
    return order


def _match_or_error(match: object, *args: object) -> Match | type[Exception]:
    try:
        return match(*args)  # type: ignore[operator, no-any-return]
    except InvalidInput as error:
        return type(error)


_orders = st.builds(
    _order,
    st.sampled_from(list(Side)),
    st.integers(1, 10**12),
    st.integers(0, 10**12),
    st.sampled_from([TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC]),
    st.booleans(),
)


@given(
    _orders,
    st.one_of(_prices, _bad_opens),
    st.tuples(_prices, _prices, _prices),
    st.floats(0.0, 1e9),
)
def test_the_opening_match_is_the_general_match(
    order: SimOrder,
    open_: float,
    others: tuple[float, float, float],
    volume: float,
) -> None:
    """Same match (or same error) as ``match_order`` on the whole intrabar path."""
    a, c, d = others
    bar = _any_bar(
        symbol="AAA",
        timestamp=T0,
        open=open_,
        high=max(a, c, d),
        low=min(a, c, d),
        close=c,
        volume=volume,
    )
    model = FillModel.ideal()
    general = _match_or_error(
        match_order, model, order, bar, ohlc_path(bar), None, 0.0, math.inf
    )
    assert _match_or_error(opening_match, order, bar) == general


def test_only_a_model_that_fills_any_size_free_takes_the_opening_match() -> None:
    assert fills_any_size_free(FillModel.ideal())
    assert not fills_any_size_free(FillModel.realistic())
    ideal = FillModel.ideal()
    capped = FillModel(
        name="capped",
        latency=ideal.latency,
        spread=ideal.spread,
        impact=ideal.impact,
        liquidity=LiquidityConfig(max_participation=0.5),
        queue=ideal.queue,
        adverse_selection=ideal.adverse_selection,
    )
    assert not fills_any_size_free(capped)
    costly = FillModel(
        name="costly",
        latency=ideal.latency,
        spread=SpreadConfig(floor_bps=1.0, range_fraction=0.0),
        impact=ideal.impact,
        liquidity=ideal.liquidity,
        queue=ideal.queue,
        adverse_selection=ideal.adverse_selection,
    )
    assert not fills_any_size_free(costly)


@pytest.mark.parametrize("side", list(Side))
def test_an_order_with_nothing_left_gets_no_fill_and_keeps_its_queue(
    side: Side,
) -> None:
    order = _order(side, 100, 100, TimeInForce.DAY, False)
    bar = _any_bar(
        symbol="AAA", timestamp=T0, open=10.0, high=11.0, low=9.0, close=10.5, volume=1
    )
    assert opening_match(order, bar) == Match(Decimal(0), None, 0.0, 12.5, False)


def _flow(steps: list, opening: bool) -> tuple[str, str, str]:
    broker, clock = make_broker(7, FillModel.ideal())
    broker.venue._free_fills = opening  # False: every match is the general one
    events = run_flow(broker, clock, steps)
    fills: dict[str, int] = {}
    for event in events:  # each fill's id: derive_id(seed, "exec", order, n)
        if event.fill is not None:
            n = fills[event.broker_order_id] = fills.get(event.broker_order_id, 0) + 1
            assert event.fill.execution_id == derive_id(
                7, "exec", event.broker_order_id, str(n)
            )
    return repr(events), repr(broker.venue.ledger), repr(broker.open_orders())


@given(st.integers(0, 10_000), st.integers(20, 300))
@settings(max_examples=30, deadline=None)
def test_a_venue_taking_the_opening_match_reports_what_the_general_match_gives(
    flow_seed: int, n: int
) -> None:
    steps = random_steps(flow_seed, n)
    assert _flow(steps, opening=True) == _flow(steps, opening=False)


@given(st.integers(-(2**40), 2**40), st.text(max_size=40), st.integers(1, 10**6))
def test_an_execution_id_from_the_kept_prefix_is_derive_id(
    seed: int, broker_order_id: str, n: int
) -> None:
    kept = id_prefix(seed, "exec")
    assert derive_from(kept, f"{broker_order_id}|{n}") == derive_id(
        seed, "exec", broker_order_id, str(n)
    )
