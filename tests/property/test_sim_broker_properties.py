"""Invariants of the simulated broker for any order flow (hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.property.sim_flow import SYMBOLS, make_broker, run_flow
from tradecore.domain.hashing import canonical_bytes
from tradecore.domain.orders.spec import OrderType, Side
from tradecore.domain.venue.fill_models import FillModel

START_CASH = Decimal(1_000_000)
prices = st.floats(90, 110).map(lambda x: round(x, 2))
models = st.sampled_from([FillModel.ideal(), FillModel.realistic()])


@st.composite
def bar_steps(draw: st.DrawFn) -> tuple[object, ...]:
    o, c = draw(prices), draw(prices)
    up, down = draw(st.floats(0, 2)), draw(st.floats(0, 2))
    high, low = round(max(o, c) + up, 2), round(min(o, c) - down, 2)
    volume = draw(st.integers(0, 5_000))
    return ("bar", draw(st.sampled_from(SYMBOLS)), o, high, low, c, volume)


submit_steps = st.tuples(
    st.just("submit"),
    st.sampled_from(SYMBOLS),
    st.sampled_from(["buy", "sell"]),
    st.integers(1, 500),
    st.none() | st.integers(-50, 50),
)
cancel_steps = st.tuples(st.just("cancel"), st.integers(0, 50))
replace_steps = st.tuples(st.just("replace"), st.integers(0, 50), st.integers(1, 100))
flows = st.lists(
    st.one_of(bar_steps(), bar_steps(), submit_steps, cancel_steps, replace_steps),
    max_size=60,
)


def fills_by_order(events):
    grouped = defaultdict(list)
    for event in events:
        if event.fill is not None:
            grouped[event.client_order_id].append(event.fill)
    return grouped


@given(steps=flows, model=models, seed=st.integers(0, 2**32))
def test_fills_never_exceed_the_order_and_match_its_filled_qty(steps, model, seed):
    broker, clock = make_broker(seed, model)
    grouped = fills_by_order(run_flow(broker, clock, steps))
    for client_id, fills in grouped.items():
        order = broker.get_order_by_client_id(client_id)
        total = sum((f.qty for f in fills), Decimal(0))
        assert total == order.filled_qty
        assert order.spec.qty is not None
        assert total <= order.spec.qty


@given(steps=flows, model=models, seed=st.integers(0, 2**32))
def test_limit_prices_are_always_respected(steps, model, seed):
    broker, clock = make_broker(seed, model)
    for client_id, fills in fills_by_order(run_flow(broker, clock, steps)).items():
        spec = broker.get_order_by_client_id(client_id).spec
        if spec.order_type is not OrderType.LIMIT:
            continue
        assert spec.limit_price is not None
        for fill in fills:
            sign = 1 if spec.side is Side.BUY else -1
            assert (fill.price - spec.limit_price) * sign <= 0


@given(steps=flows, model=models, seed=st.integers(0, 2**32))
def test_cash_and_positions_are_conserved(steps, model, seed):
    broker, clock = make_broker(seed, model)
    events = run_flow(broker, clock, steps)
    fills = [e.fill for e in events if e.fill is not None]
    cash = START_CASH - sum((f.signed_qty * f.price + f.fee for f in fills), Decimal(0))
    held = defaultdict(Decimal)
    for fill in fills:
        held[fill.symbol] += fill.signed_qty
    assert broker.account().cash == cash
    assert {p.symbol: p.qty for p in broker.positions()} == {
        s: q for s, q in held.items() if q != 0
    }


@given(steps=flows, model=models, seed=st.integers(0, 2**32))
def test_events_are_time_ordered_with_unique_execution_ids(steps, model, seed):
    broker, clock = make_broker(seed, model)
    events = run_flow(broker, clock, steps)
    times = [e.occurred_at for e in events]
    assert times == sorted(times)
    ids = [e.fill.execution_id for e in events if e.fill is not None]
    assert len(ids) == len(set(ids))


@given(steps=flows, model=models, seed=st.integers(0, 2**32))
def test_the_same_seed_and_flow_replay_identically(steps, model, seed):
    logs = []
    for _ in range(2):
        broker, clock = make_broker(seed, model)
        logs.append(canonical_bytes(run_flow(broker, clock, steps)))
    assert logs[0] == logs[1]
