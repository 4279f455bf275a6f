"""An event's change to an intent is built without re-running validators, and is valid.

:func:`~tradecore.domain.orders.intent.apply_event` copies the intent with
:func:`~tradecore.domain.frozen.trusted_replace` (no validator runs): every field it
changes comes from validated parts in ways that keep them valid. For any sequence of
events (fills of any size, price and fee, at instants before or after the intent's,
with or without a broker id, in any order), every intent it returns is the value the
validating constructor builds from the same fields, so the shortcut can never let
through what the validators would refuse.

The order manager stores the broker's plain acknowledgement of a submit as the
intent :func:`~tradecore.domain.orders.catch_up.plain_ack` builds, without the
ACCEPTED event catching up would build and apply: for any intent and any answer
(every broker status, filled or not, the broker id known or not), it is ``None``
exactly when the answer is not a plain acknowledgement, and otherwise the intent
applying :func:`catch_up_events` gives.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import T0, intent
from tradecore.domain import Fill, OrderEvent, OrderEventKind, OrderIntent, apply_event
from tradecore.domain.errors import IllegalTransition, Overfill
from tradecore.domain.frozen import replace, trusted_replace
from tradecore.domain.orders.broker_status import INTENT_STATUS_OF, BrokerOrderStatus
from tradecore.domain.orders.catch_up import catch_up_events, plain_ack
from tradecore.domain.orders.lifecycle import IntentStatus

K = OrderEventKind
ORDER_QTY = 100

event_specs = st.lists(
    st.tuples(
        st.sampled_from(list(OrderEventKind)),
        st.integers(min_value=1, max_value=60),  # fill qty
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10_000), places=4),
        st.decimals(min_value=Decimal(0), max_value=Decimal(5), places=2),  # fee
        st.integers(min_value=0, max_value=12),  # execution id (repeats = duplicates)
        st.integers(min_value=-100, max_value=100),  # seconds from T0
        st.sampled_from([None, "cancel_rejected", "broker said no"]),
        st.sampled_from([None, "b-1"]),  # the broker id the event carries
    ),
    max_size=25,
)


def _event(current: OrderIntent, spec: tuple) -> OrderEvent:
    kind, qty, price, fee, exec_n, seconds, reason, broker_id = spec
    at = T0 + timedelta(seconds=seconds)
    fill = None
    if kind in (K.FILL, K.PARTIAL_FILL):
        fill = Fill(
            execution_id=f"x{exec_n}",
            client_order_id=current.client_order_id,
            symbol=current.spec.symbol,
            side=current.spec.side,
            qty=Decimal(qty),
            price=price,
            fee=fee,
            filled_at=at,
        )
    return OrderEvent(
        kind=kind,
        client_order_id=current.client_order_id,
        occurred_at=at,
        broker_order_id=broker_id,
        fill=fill,
        reason=reason,
    )


def _validated(value: OrderIntent) -> OrderIntent:
    """``value`` rebuilt by the validating constructor (raises if a field is bad)."""
    return OrderIntent(
        **{f.name: getattr(value, f.name) for f in attrs.fields(OrderIntent)}
    )


@given(event_specs)
def test_every_intent_an_event_builds_passes_the_validators(specs: list) -> None:
    current = intent(qty=Decimal(ORDER_QTY))
    for spec in specs:
        with contextlib.suppress(IllegalTransition, Overfill):
            current = apply_event(current, _event(current, spec)).intent
        assert _validated(current) == current


@given(
    st.sampled_from(["b-2", None]),
    st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=3),
    st.integers(min_value=0, max_value=60),
)
def test_trusted_replace_is_replace_for_valid_changes(
    broker_id: str | None, filled: Decimal, seconds: int
) -> None:
    base = intent(qty=Decimal(ORDER_QTY))
    changes = {
        "broker_order_id": broker_id,
        "filled_qty": filled,
        "updated_at": T0 + timedelta(seconds=seconds),
    }
    assert trusted_replace(base, **changes) == replace(base, **changes)
    assert type(trusted_replace(base, **changes)) is OrderIntent


@given(
    st.sampled_from(list(BrokerOrderStatus)),
    st.sampled_from([Decimal(0), Decimal(0), Decimal(40), Decimal(ORDER_QTY)]),
    st.sampled_from([None, "b-0"]),  # the broker id the intent already has
    st.integers(min_value=-100, max_value=100),  # the answer's instant, from T0
    st.booleans(),  # submitted (else an intent already acknowledged)
)
def test_a_plain_ack_is_the_caught_up_intent(
    status: BrokerOrderStatus,
    filled: Decimal,
    known_id: str | None,
    seconds: int,
    submitted: bool,
) -> None:
    """:func:`plain_ack` gives what applying :func:`catch_up_events` gives, or None."""
    base = trusted_replace(intent(qty=Decimal(ORDER_QTY)), broker_order_id=known_id)
    if not submitted:
        base = apply_event(
            base, _event(base, (K.ACCEPTED, 1, 1, 0, 0, 1, None, "b-1"))
        ).intent
    as_of = max(T0 + timedelta(seconds=seconds), base.updated_at)
    answer = {
        "status": status,
        "filled_qty": filled,
        "broker_order_id": "b-1",
        "as_of": as_of,
    }
    acked = plain_ack(base, **answer)
    plain = submitted and filled == 0 and INTENT_STATUS_OF[status] is IntentStatus.ACKED
    assert (acked is not None) is plain
    if acked is None:
        return
    caught_up = base
    for ev in catch_up_events(base, filled_avg_price=None, **answer):
        caught_up = apply_event(caught_up, ev).intent
    assert acked == caught_up
    assert _validated(acked) == acked
