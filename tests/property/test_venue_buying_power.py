"""The venue's incremental buying power equals a from-scratch count, always (hypothesis);
so does its summary of the resting orders the broker rules read.

The venue keeps what its open orders reserve incrementally (``Reservations``), so a
submit is O(1) however many orders rest. The oracle walks every open order
(``reserved_from_scratch``). Flows mix bars, market/limit/stop orders on both sides
(shorts included), fractional sizes, brackets, cancels, replaces, partial fills
(realistic model), rejects, and a session close (day orders expire, later orders
queue), and the comparison runs after every step, also with one order excluded (what
a replace checks).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.calendars import xnys
from tradecore.domain.errors import BrokerError
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.market.bars import Bar
from tradecore.domain.orders.money import to_price
from tradecore.domain.orders.spec import (
    Bracket,
    OrderSpec,
    OrderType,
    Side,
    TimeInForce,
)
from tradecore.domain.venue.buying_power import free_cash, reserved_from_scratch
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.domain.venue.simulated import SimVenue

#: An hour before a regular close: flows with long waits cross it.
START = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)
SYMBOLS = ("AAPL", "MSFT")


#: ("bar", symbol, close move in bps from the last close, range in cents, volume).
bars = st.tuples(
    st.just("bar"),
    st.sampled_from(SYMBOLS),
    st.integers(-200, 200),
    st.integers(0, 200),
    st.integers(0, 20_000),
)


def _bar(step: tuple[object, ...], now: datetime, last: dict[str, float]) -> Bar:
    _, symbol, move_bps, range_cents, volume = step
    assert isinstance(symbol, str)
    assert isinstance(move_bps, int)
    assert isinstance(range_cents, int)
    o = last[symbol]
    c = round(o * (1 + move_bps / 1e4), 2)
    last[symbol] = c
    return Bar(
        symbol=symbol,
        timestamp=now,
        open=o,
        high=round(max(o, c) + range_cents / 100, 2),
        low=round(min(o, c) - range_cents / 100, 2),
        close=c,
        volume=float(volume),
    )


submits = st.tuples(
    st.just("submit"),
    st.sampled_from(SYMBOLS),
    st.sampled_from(Side),
    st.sampled_from([OrderType.MARKET, OrderType.LIMIT, OrderType.STOP]),
    st.integers(1, 300) | st.sampled_from(["0.5", "12.25", "0.000000001"]),
    st.integers(-300, 300),
    st.sampled_from([TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC]),
    st.booleans(),
)
cancels = st.tuples(st.just("cancel"), st.integers(0, 40))
replaces = st.tuples(st.just("replace"), st.integers(0, 40), st.integers(1, 300))
waits = st.tuples(st.just("wait"), st.sampled_from([1, 5, 30, 60, 1_800]))
flows = st.lists(
    st.one_of(bars, bars, submits, submits, cancels, replaces, waits),
    min_size=10,
    max_size=80,
)


def _venue(model: FillModel, seed: int, cash: int) -> SimVenue:
    return SimVenue(
        VenueConfig(
            calendar=xnys(),
            seed=seed,
            fill_model=model,
            fee_model=FeeModel.us_regulatory(per_share=Decimal("0.002")),
            starting_cash=Decimal(cash),
            random_reject_rate=0.05,
        )
    )


def _spec(step: tuple[object, ...], last: dict[str, float]) -> OrderSpec:
    _, symbol, side, kind, qty, offset_bps, tif, bracket = step
    assert isinstance(symbol, str)
    assert isinstance(side, Side)
    assert isinstance(offset_bps, int)
    assert isinstance(tif, TimeInForce)
    price = Decimal(str(round(last[symbol] * (1 + offset_bps / 1e4), 2)))
    amount = Decimal(str(qty))
    legs = None
    if bracket and kind is OrderType.LIMIT and amount == amount.to_integral_value():
        sign = 1 if side is Side.BUY else -1
        legs = Bracket(
            take_profit_limit=price + sign * Decimal(2),
            stop_loss_stop=price - sign * Decimal(2),
        )
        tif = TimeInForce.GTC
    return OrderSpec(
        symbol=symbol,
        side=side,
        qty=amount,
        order_type=kind,
        limit_price=price if kind is OrderType.LIMIT else None,
        stop_price=price if kind is OrderType.STOP else None,
        time_in_force=tif,
        bracket=legs,
    )


def _request(
    v: SimVenue, now: datetime, n: int, step: tuple[object, ...], state: dict
) -> None:
    placed: list[str] = state["placed"]
    if step[0] == "submit":
        placed.append(
            v.submit(now, f"c{n}", _spec(step, state["last"])).broker_order_id
        )
    elif placed and step[0] == "cancel":
        v.cancel(now, placed[int(step[1]) % len(placed)])
    elif placed and step[0] == "replace":
        target = placed[int(step[1]) % len(placed)]
        new = v.replace(
            now, target, client_order_id=f"c{n}r", qty=Decimal(str(step[2]))
        )
        placed.append(new.broker_order_id)


def _check(v: SimVenue, now: datetime, placed: list[str]) -> None:
    assert v.account(now).buying_power == v.buying_power_from_scratch()
    for symbol in SYMBOLS:
        # What the wash-trade and held-quantity rules read, kept incrementally.
        assert v.resting_summary(symbol) == v.resting_from_scratch(symbol)
    for order_id in placed[-3:]:
        # What a replace of ``order_id`` checks: the others' reservations only.
        others = [o for o in v.open_orders() if o.broker_order_id != order_id]
        expected = free_cash(v.ledger) - reserved_from_scratch(
            others,
            v.ledger,
            lambda s: to_price(v.last_bar(s).close),
        )
        assert v._buying_power(exclude=order_id) == expected


@given(
    steps=flows,
    model=st.sampled_from([FillModel.ideal(), FillModel.realistic()]),
    seed=st.integers(0, 2**32),
    cash=st.sampled_from([30_000, 1_000_000]),
)
def test_incremental_buying_power_equals_a_count_from_scratch(steps, model, seed, cash):
    v = _venue(model, seed, cash)
    now = START
    state: dict = {"placed": [], "last": dict.fromkeys(SYMBOLS, 100.0)}
    for n, step in enumerate(steps):
        if step[0] == "bar":
            v.on_bar(now, _bar(step, now, state["last"]))
            _check(v, now, state["placed"])  # fills scheduled, not yet applied
            now += timedelta(minutes=1)
        elif step[0] == "wait":
            now += timedelta(seconds=step[1])
        else:
            with contextlib.suppress(BrokerError):  # refusals are legal outcomes
                _request(v, now, n, step, state)
        v.advance_to(now)
        _check(v, now, state["placed"])
