"""A submit reusing its pre-send check's reads answers as the general submit.

When the pre-send check (``SimVenue.rule_breach``) clears a market order without a
rule context, ``submit`` of that order at the same instant and state checks buying
power with the position and mark the check read, instead of reading them again.
Here two venues trade the same random flow (bars with odd moves down to a cent,
symbols with no bar yet, market, limit and notional orders on both sides, fractional
and oversized quantities, cash too small to buy, shorts, waits across sessions) and
every order is sent after a pre-send check of the same order, of another order, after
the state moved, or of none. One venue reuses the reads, the other always checks
buying power the general way: accepted orders, raised errors (type and message),
events, ledger, open orders and account figures (their exact text) agree.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.calendars import xnys
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags
from tradecore.domain.errors import TradecoreError
from tradecore.domain.market.bars import Bar
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.domain.venue.simulated import SimVenue

START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
#: ``NEW`` never gets a bar: its market orders have no price.
SYMBOLS = ("AAPL", "MSFT", "HTB", "NEW")


class _GeneralSubmit(SimVenue):
    """A venue whose submit always checks buying power the general way."""

    def _check_cleared_buying_power(
        self, spec: OrderSpec, qty: Decimal, position: Decimal, mark: Decimal | None
    ) -> None:
        self._check_buying_power(spec, qty, exclude=None)


bars = st.tuples(
    st.just("bar"), st.sampled_from(SYMBOLS[:3]), st.integers(-9_999, 3_000)
)
orders = st.tuples(
    st.just("order"),
    st.sampled_from(SYMBOLS),
    st.sampled_from(Side),
    st.sampled_from(["market", "market", "limit", "notional"]),
    st.sampled_from(["1", "3", "100", "250", "0.5", "5000", "0.001"]),
    st.sampled_from(["same", "same", "none", "other", "moved"]),
)
waits = st.tuples(st.just("wait"), st.sampled_from([0, 60, 1_800, 20 * 3_600]))
flows = st.lists(st.one_of(bars, orders, orders, waits), min_size=3, max_size=40)


def _config(cash: int, multiplier: int, day_trades: int) -> VenueConfig:
    return VenueConfig(
        calendar=xnys(),
        seed=7,
        fill_model=FillModel.ideal(),
        starting_cash=Decimal(cash),
        account=AccountFlags(multiplier=multiplier, daytrade_count=day_trades),
        assets={"HTB": AssetFlags(symbol="HTB", shortable=False)},
    )


def _bar(symbol: str, now: datetime, move_bps: int, last: dict[str, float]) -> Bar:
    o = last[symbol]
    c = max(round(o * (1 + move_bps / 1e4), 2), 0.01)
    last[symbol] = c
    return Bar(
        symbol=symbol,
        timestamp=now,
        open=o,
        high=max(o, c),
        low=min(o, c),
        close=c,
        volume=1e6,
    )


def _order(step: tuple[object, ...]) -> OrderSpec:
    _, symbol, side, kind, qty, _ = step
    assert isinstance(symbol, str)
    assert isinstance(side, Side)
    if kind == "notional":
        return OrderSpec(symbol=symbol, side=side, notional=Decimal(str(qty)) * 10)
    if kind == "limit":
        return OrderSpec(
            symbol=symbol,
            side=side,
            qty=Decimal(str(qty)),
            order_type=OrderType.LIMIT,
            limit_price=Decimal("99.99"),
        )
    return OrderSpec(symbol=symbol, side=side, qty=Decimal(str(qty)))


def _submit(v: SimVenue, now: datetime, cid: str, spec: OrderSpec, how: str) -> str:
    """Send ``spec`` after the pre-send check ``how`` says; the outcome as text."""
    try:
        if how == "same":
            v.rule_breach(now, spec)
        elif how == "other":
            v.rule_breach(now, OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(2)))
        order = v.submit(now, cid, spec)
    except TradecoreError as error:
        return f"{type(error).__name__}: {error}"
    return repr(order)


def _state(v: SimVenue, now: datetime) -> str:
    account = v.account(now)
    return repr(
        (
            v.take_events(),
            v.ledger,
            v.open_orders(),
            str(account.buying_power),
            str(account.equity),
            str(v.buying_power_from_scratch()),
        )
    )


def _bump(v: SimVenue, now: datetime) -> None:
    """Move the venue's state without changing its books (a repeated bar)."""
    last = v.last_bar("AAPL")
    if last is not None:
        v.on_bar(now, last)


#: A sell closing a long when the cash left would not cover it as an opening one.
CLOSING_SELL = [
    ("order", "AAPL", Side.BUY, "market", "3", "same"),
    ("bar", "AAPL", 0),
    ("order", "AAPL", Side.SELL, "market", "3", "same"),
]


@settings(max_examples=200, deadline=None)
@example(steps=CLOSING_SELL, cash=500, multiplier=2, day_trades=0)
@given(
    steps=flows,
    cash=st.sampled_from([500, 25_500, 1_000_000]),
    multiplier=st.sampled_from([1, 2, 4]),
    day_trades=st.sampled_from([0, 3, 5]),
)
def test_a_submit_reusing_its_checks_reads_answers_as_the_general_one(
    steps: list[tuple[object, ...]], cash: int, multiplier: int, day_trades: int
) -> None:
    fast = SimVenue(_config(cash, multiplier, day_trades))
    general = _GeneralSubmit(_config(cash, multiplier, day_trades))
    now = START
    last = dict.fromkeys(SYMBOLS, 100.0)
    for symbol in SYMBOLS[:3]:
        bar = _bar(symbol, now, 0, last)
        fast.on_bar(now, bar)
        general.on_bar(now, bar)
    for n, step in enumerate(steps):
        if step[0] == "bar":
            symbol, move = step[1], step[2]
            assert isinstance(symbol, str)
            assert isinstance(move, int)
            bar = _bar(symbol, now, move, last)
            fast.on_bar(now, bar)
            general.on_bar(now, bar)
            now += timedelta(minutes=1)
        elif step[0] == "wait":
            wait = step[1]
            assert isinstance(wait, int)
            now += timedelta(seconds=wait)
        else:
            spec, how = _order(step), step[5]
            assert isinstance(how, str)
            outcomes = []
            for v in (fast, general):
                v.advance_to(now)
                if how == "moved":
                    v.rule_breach(now, spec)
                    _bump(v, now)
                    how_now = "none"
                else:
                    how_now = how
                outcomes.append(_submit(v, now, f"c{n}", spec, how_now))
            assert outcomes[0] == outcomes[1]
        fast.advance_to(now)
        general.advance_to(now)
        assert _state(fast, now) == _state(general, now)
