"""The simulated venue's shortcuts give what the plain computation gives.

* The book keeps actions already in time order in a FIFO lane beside its heap:
  they are applied in exactly the (time, sequence) order one heap gives.
* A costless fill model without a quote skips the three cost calls: they would
  add up to 0.0 for any bar.
* The day-trade rule's flags are reused while their equity meets the minimum:
  any two meeting equities answer alike.
* A match at the bar's start reads the path's open (what ``price_at`` gives).
* A reservation's max() and min() are spelled as comparisons: the same amount.
* A latency that acknowledges and readies a submit at once (``instant_submit``)
  skips the draws: they would give the send's instant twice and draw nothing.
"""

from __future__ import annotations

import heapq
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags, RuleContext
from tradecore.domain.broker_rules.day_trading import (
    PDT_EQUITY,
    pattern_day_trading,
)
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.seeded import SeededGenerator
from tradecore.domain.venue.book import Action, ActionKind, VenueBook
from tradecore.domain.venue.buying_power import order_reservation
from tradecore.domain.venue.fill_models import FillModel, LatencyConfig
from tradecore.domain.venue.matching import _cost, _costless, ohlc_path, price_at
from tradecore.domain.venue.simulated import submit_times

T0 = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)
#: The PDT minimum in cents.
MINIMUM_CENTS = int(PDT_EQUITY * 100)


class _RecordingBook(VenueBook):
    """A book that records the actions it applies instead of applying them."""

    applied: list[tuple[datetime, str]]

    def _apply(self, at: datetime, action: Action) -> None:
        self.applied.append((at, action.order_id))


#: Steps: schedule an action this many seconds after the start, or run what is due
#: this many seconds after the start (times only move forward).
steps = st.lists(
    st.tuples(st.sampled_from(("schedule", "run")), st.integers(0, 120)),
    max_size=60,
)


@given(steps)
def test_the_lane_and_the_heap_apply_in_the_order_one_heap_gives(
    plan: list[tuple[str, int]],
) -> None:
    book = _RecordingBook(MarketCalendar.always_open(), Ledger.opening(Decimal(0)))
    book.applied = []
    reference: list[tuple[datetime, int, str]] = []
    expected: list[tuple[datetime, str]] = []
    now = T0
    for n, (kind, seconds) in enumerate(plan):
        at = T0 + timedelta(seconds=seconds)
        if kind == "schedule":
            book.schedule(at, Action(kind=ActionKind.ACK, order_id=str(n)))
            heapq.heappush(reference, (at, n, str(n)))
            continue
        now = max(now, at)
        book.run_due(now)
        while reference and reference[0][0] <= now:
            due, _, order_id = heapq.heappop(reference)
            expected.append((due, order_id))
        assert book.applied == expected
        assert book.next_at() == (reference[0][0] if reference else None)
    assert book.next_at() == (min(reference)[0] if reference else None)
    assert bool(book.heap or book.lane) == bool(reference)


prices = st.floats(1.0, 1000.0, allow_nan=False)


def _bar(a: float, b: float, c: float, d: float, volume: float) -> Bar:
    return Bar(
        symbol="AAA",
        timestamp=T0,
        open=b,
        high=max(a, b, c, d),
        low=min(a, b, c, d),
        close=c,
        volume=volume,
    )


@given(prices, prices, prices, prices)
def test_the_path_at_the_bars_start_is_its_open(
    a: float, b: float, c: float, d: float
) -> None:
    path = ohlc_path(_bar(a, b, c, d, 100.0))
    assert price_at(path, 0.0) == path[0][1] == b


@given(prices, prices, prices, prices, st.floats(0.0, 1e7), st.floats(0.0, 1e6))
def test_a_costless_model_costs_nothing_on_any_bar(
    a: float, b: float, c: float, d: float, volume: float, qty: float
) -> None:
    bar = _bar(a, b, c, d, volume)
    model = FillModel.ideal()
    assert _costless(model)
    for sign in (1, -1):
        assert _cost(model, bar, None, qty, sign) == 0.0
    assert not _costless(FillModel.realistic())


@given(
    st.integers(MINIMUM_CENTS, MINIMUM_CENTS * 10),
    st.integers(MINIMUM_CENTS, MINIMUM_CENTS * 10),
    st.integers(3, 8),
    st.sampled_from(Side),
    st.integers(-300, 300).map(Decimal),
)
def test_any_two_meeting_equities_answer_the_day_trade_rule_alike(
    first: int, second: int, count: int, side: Side, opened_today: Decimal
) -> None:
    spec = OrderSpec(symbol="AAA", side=side, qty=Decimal(1))

    def answer(cents: int) -> object:
        account = AccountFlags(
            multiplier=4, daytrade_count=count, equity=Decimal(cents) / 100
        )
        context = RuleContext(
            asset=AssetFlags(symbol="AAA"),
            account=account,
            now=T0,
            opened_today=opened_today,
        )
        return pattern_day_trading(spec, context)

    assert answer(first) == answer(second)


decimals = st.integers(-10_000, 10_000).map(lambda n: Decimal(n) / 4)


@given(st.sampled_from(Side), decimals, decimals, decimals)
def test_a_reservation_is_what_max_and_min_give(
    side: Side, qty: Decimal, price: Decimal, position: Decimal
) -> None:
    qty, price = abs(qty), abs(price)
    zero = Decimal(0)
    closable = max(-position, zero) if side is Side.BUY else max(position, zero)
    expected = (qty - min(qty, closable)) * price
    got = order_reservation(side, qty, price, position)
    assert got == expected
    assert str(got) == str(expected)


#: Latency parts: zero (as ints and floats, as configs spell them) or not.
latency_parts = st.one_of(
    st.sampled_from((0, 0.0)), st.floats(min_value=0.0, max_value=5.0)
)


@given(latency_parts, latency_parts, latency_parts, latency_parts, st.integers(0, 99))
def test_an_instant_submit_is_what_the_latency_draws_give(
    ack_floor: float, ack_tail: float, fill_floor: float, fill_tail: float, seed: int
) -> None:
    latency = LatencyConfig(
        ack_floor_s=ack_floor,
        ack_tail_s=ack_tail,
        fill_floor_s=fill_floor,
        fill_tail_s=fill_tail,
    )
    rng, twin = SeededGenerator(seed), SeededGenerator(seed)
    times = submit_times(latency, rng, T0)
    if latency.instant_submit:  # the venue then takes (T0, T0) without the calls
        assert times == (T0, T0)
        # ... and the calls drew nothing: the next draw is a fresh generator's.
        assert rng().random() == twin().random()
    else:  # a part is not zero
        assert (ack_floor, ack_tail, fill_floor, fill_tail) != (0, 0, 0, 0)


def test_the_ideal_model_submits_instantly_and_the_realistic_one_does_not() -> None:
    assert FillModel.ideal().latency.instant_submit
    assert not FillModel().latency.instant_submit
