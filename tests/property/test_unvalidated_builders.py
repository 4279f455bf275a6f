"""The risk gate's order facts and the venue's rule context, built without ``__init__``.

:class:`~tradecore.domain.risk.inputs.OrderFacts` and
:class:`~tradecore.domain.broker_rules.context.RuleContext` have no validator and no
hook, so the venue and the pre-trade check build them with
:func:`~tradecore.domain.frozen.trusted_builder` (plain stores, not a frozen
attribute store per field). For any inputs, what they build is the value (and the
class) the constructor builds from the same fields.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.broker_rules.context import (
    AccountFlags,
    RestingSummary,
    RuleContext,
)
from tradecore.domain.market.calendar import Session
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.risk.inputs import ExposureSnapshot, OrderFacts
from tradecore.domain.venue.rule_context import default_asset, venue_rule_context

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
amounts = st.decimals(min_value=Decimal(-500), max_value=Decimal(500), places=2)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2)


def _same_as_constructed(value: object) -> bool:
    cls = type(value)
    fields = {f.name: getattr(value, f.name) for f in attrs.fields(cls)}
    return cls(**fields) == value


@given(
    st.sampled_from(list(Side)),
    st.integers(min_value=1, max_value=1_000),
    st.one_of(st.none(), prices),  # a limit price
    st.one_of(st.none(), prices),  # the mark
    amounts,  # the position held
)
def test_order_facts_are_the_constructed_value(
    side: Side,
    qty: int,
    limit: Decimal | None,
    mark: Decimal | None,
    held: Decimal,
) -> None:
    if limit is None:
        spec = OrderSpec(symbol="AAPL", side=side, qty=Decimal(qty))
    else:
        spec = OrderSpec(
            symbol="AAPL",
            side=side,
            qty=Decimal(qty),
            order_type=OrderType.LIMIT,
            limit_price=limit,
        )
    marks = {} if mark is None else {"AAPL": mark}
    book = ExposureSnapshot(
        positions={"AAPL": held}, marks=marks, gross=abs(held), net=held
    )
    facts = OrderFacts.of(spec, book)
    assert (facts is None) is (mark is None)
    if facts is not None:
        assert type(facts) is OrderFacts
        assert _same_as_constructed(facts)


@given(
    st.one_of(st.none(), prices),
    amounts,
    amounts,
    st.integers(min_value=0, max_value=120),
    st.booleans(),
    st.one_of(st.none(), st.integers(min_value=0, max_value=9)),
)
def test_the_venue_rule_context_is_the_constructed_value(
    reference: Decimal | None,
    position: Decimal,
    opened: Decimal,
    minutes: int,
    in_session: bool,
    day_trades: int | None,
) -> None:
    now = T0 + timedelta(minutes=minutes)
    session = (
        Session(date=now.date(), open=T0, close=T0 + timedelta(hours=6, minutes=30))
        if in_session
        else None
    )
    context = venue_rule_context(
        now=now,
        asset=default_asset("AAPL"),
        account=AccountFlags(daytrade_count=day_trades),
        reference_price=reference,
        position=position,
        resting=RestingSummary(held_for_sells=abs(position)),
        opened_today=opened,
        session=session,
    )
    assert type(context) is RuleContext
    assert _same_as_constructed(context)
