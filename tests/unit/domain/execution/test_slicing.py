"""Slicing: restart-safe child ids, TWAP and POV sizes, child intents, parent status."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import attrs
import pytest

from tests.factories import T0, intent, key
from tradecore.domain import (
    IntentStatus,
    LotRules,
    OrderIntent,
    PovSlicer,
    aggregate_parent,
    attempt_of,
    cancel_plan,
    child_intent,
    client_order_id,
    realized_participation,
    slice_client_order_id,
    twap_slices,
)
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.client_order_id import CLIENT_ORDER_ID_RE

D = Decimal
S = IntentStatus


def test_slice_ids_are_pinned_so_a_restart_rederives_the_same_ones() -> None:
    # Changing these values would make a restarted process resend live slices.
    assert (
        slice_client_order_id(key(), 0) == "smacross-1a01194efec55122756f73460aba44af-1"
    )
    assert slice_client_order_id(key(), 0, 2) == (
        "smacross-5bdc2ad3432b530f4ab1ca9fc7850053-2"
    )


def test_slice_ids_are_distinct_valid_and_carry_the_attempt() -> None:
    ids = {slice_client_order_id(key(), i, a) for i in range(50) for a in (1, 2, 3)}
    assert len(ids) == 150
    assert client_order_id(key()) not in ids
    for cid in ids:
        assert CLIENT_ORDER_ID_RE.match(cid)
        assert len(cid) <= 48
    assert attempt_of(slice_client_order_id(key(), 7, 3)) == 3


@pytest.mark.parametrize(
    ("field", "index", "attempt"),
    [("slice_index", -1, 1), ("slice_index", 10_000, 1), ("attempt", 0, 0)],
)
def test_slice_id_arguments_are_checked(field: str, index: int, attempt: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        slice_client_order_id(key(), index, attempt)
    assert caught.value.field == field


def test_twap_splits_evenly_over_the_horizon() -> None:
    children = twap_slices(
        key(qty=D(1000)), slices=4, start=T0, horizon=timedelta(hours=1)
    )
    assert [c.qty for c in children] == [D(250)] * 4
    assert [c.not_before for c in children] == [
        T0 + timedelta(minutes=15 * i) for i in range(4)
    ]
    assert [c.index for c in children] == [0, 1, 2, 3]
    assert children[2].client_order_id == slice_client_order_id(key(qty=D(1000)), 2)


def test_twap_spreads_the_remainder_one_lot_at_a_time() -> None:
    children = twap_slices(key(qty=D(1003)), slices=4, start=T0, horizon=timedelta(0))
    assert [c.qty for c in children] == [D(251), D(251), D(251), D(250)]


def test_twap_respects_the_minimum_child_and_puts_odd_shares_last() -> None:
    round_lots = LotRules(lot=D(100), min_qty=D(100))
    children = twap_slices(
        key(qty=D(250)), slices=5, start=T0, horizon=timedelta(1), lots=round_lots
    )
    assert [c.qty for c in children] == [D(100), D(150)]


def test_an_order_below_the_minimum_is_one_child() -> None:
    children = twap_slices(
        key(qty=D(50)),
        slices=5,
        start=T0,
        horizon=timedelta(1),
        lots=LotRules(min_qty=D(100)),
    )
    assert [c.qty for c in children] == [D(50)]


def test_fractional_lots_keep_the_sum_exact() -> None:
    lots = LotRules(lot=D("0.001"), min_qty=D("0.001"))
    children = twap_slices(
        key(qty=D("1.2345")), slices=3, start=T0, horizon=timedelta(1), lots=lots
    )
    assert [c.qty for c in children] == [D("0.412"), D("0.411"), D("0.4115")]
    assert sum(c.qty for c in children) == D("1.2345")


def test_twap_arguments_are_checked() -> None:
    with pytest.raises(InvalidInput, match="slices"):
        twap_slices(key(), slices=0, start=T0, horizon=timedelta(1))
    with pytest.raises(InvalidInput, match="start"):
        twap_slices(
            key(), slices=2, start=T0.replace(tzinfo=None), horizon=timedelta(1)
        )
    with pytest.raises(InvalidInput, match="min_qty"):
        LotRules(lot=D(100), min_qty=D(150))


def test_pov_sizes_children_from_observed_volume() -> None:
    slicer = PovSlicer(participation=0.1)
    parent = key(qty=D(5000))
    child = slicer.next_slice(
        parent, index=3, remaining=D(5000), observed_volume=12_345
    )
    assert child is not None
    assert child.qty == D(1234)
    assert child.client_order_id == slice_client_order_id(parent, 3)
    assert child.not_before is None
    last = slicer.next_slice(parent, index=4, remaining=D(500), observed_volume=12_345)
    assert last is not None
    assert last.qty == D(500)


def test_pov_waits_for_volume_unless_it_is_the_last_piece() -> None:
    slicer = PovSlicer(participation=0.1, lots=LotRules(min_qty=D(100)))
    parent = key(qty=D(1000))
    assert (
        slicer.next_slice(parent, index=0, remaining=D(1000), observed_volume=500)
        is None
    )
    assert (
        slicer.next_slice(parent, index=0, remaining=D(1000), observed_volume=0) is None
    )
    tail = slicer.next_slice(parent, index=5, remaining=D(50), observed_volume=600)
    assert tail is not None
    assert tail.qty == D(50)


def test_pov_arguments_are_checked() -> None:
    slicer = PovSlicer(participation=0.1)
    with pytest.raises(InvalidInput, match="remaining"):
        slicer.next_slice(key(), index=0, remaining=D(101), observed_volume=10)
    with pytest.raises(InvalidInput, match="observed_volume"):
        slicer.next_slice(key(), index=0, remaining=D(1), observed_volume=-1)
    with pytest.raises(InvalidInput, match="participation"):
        PovSlicer(participation=1.5)


def test_realized_participation_is_fills_over_market_volume() -> None:
    assert realized_participation(D(100), 1000.0) == pytest.approx(0.1)
    assert realized_participation(D(0), 0.0) == 0.0
    assert realized_participation(D(1), 0.0) == float("inf")


def test_child_intent_keeps_the_parents_identity_with_its_own_size() -> None:
    parent = attrs.evolve(
        intent(qty=D(1000), submitted=False),
        execution_policy="twap",
        cost_model_hash="cm1",
        arrival_price=D("100.00"),
    )
    child = twap_slices(
        parent.decision_key, slices=4, start=T0, horizon=timedelta(hours=1)
    )[1]
    made = child_intent(parent, child, decided_at=T0)
    assert made.client_order_id == child.client_order_id
    assert made.parent_client_order_id == parent.client_order_id
    assert made.spec.qty == D(250)
    assert made.status is S.CREATED
    assert (made.execution_policy, made.cost_model_hash) == ("twap", "cm1")
    assert made.arrival_price == D("100.00")
    stranger = twap_slices(key(qty=D(7)), slices=1, start=T0, horizon=timedelta(0))[0]
    with pytest.raises(InvalidInput, match="another decision"):
        child_intent(parent, stranger, decided_at=T0)


def kid(index: int, status: IntentStatus, filled: int = 0) -> OrderIntent:
    base = intent(qty=D(250), submitted=False)
    return attrs.evolve(
        base,
        client_order_id=f"c{index}",
        status=status,
        filled_qty=D(filled),
    )


def test_parent_is_filled_when_children_filled_its_quantity() -> None:
    children = [kid(i, S.FILLED, 250) for i in range(4)]
    progress = aggregate_parent(D(1000), children, slices_remaining=False)
    assert progress.status is S.FILLED
    assert progress.remaining_qty == 0
    assert progress.open_children == ()


@pytest.mark.parametrize(
    ("children", "remaining", "expected"),
    [
        ([], True, S.CREATED),
        ([kid(0, S.CREATED)], True, S.CREATED),
        ([kid(0, S.SUBMITTED)], True, S.SUBMITTED),
        ([kid(0, S.ACKED)], True, S.ACKED),
        ([kid(0, S.FILLED, 250), kid(1, S.ACKED)], True, S.PARTIALLY_FILLED),
        ([kid(0, S.FILLED, 250)], True, S.PARTIALLY_FILLED),  # between slices
        ([kid(0, S.REJECTED)], False, S.REJECTED),
        ([kid(0, S.FAILED)], False, S.FAILED),
        ([kid(0, S.FILLED, 250), kid(1, S.EXPIRED)], False, S.EXPIRED),
        ([kid(0, S.FILLED, 250), kid(1, S.CANCELED, 10)], False, S.CANCELED),
    ],
)
def test_parent_status_follows_its_children(
    children: list[OrderIntent], remaining: bool, expected: IntentStatus
) -> None:
    progress = aggregate_parent(D(1000), children, slices_remaining=remaining)
    assert progress.status is expected


def test_canceling_a_parent_pends_until_children_end_then_cancels() -> None:
    children = [kid(0, S.FILLED, 250), kid(1, S.PARTIALLY_FILLED, 100)]
    pending = aggregate_parent(
        D(1000), children, slices_remaining=True, cancel_requested=True
    )
    assert pending.status is S.PENDING_CANCEL
    assert pending.open_children == ("c1",)
    done = aggregate_parent(
        D(1000),
        [kid(0, S.FILLED, 250), kid(1, S.CANCELED, 100)],
        slices_remaining=True,
        cancel_requested=True,
    )
    assert done.status is S.CANCELED
    assert (done.filled_qty, done.remaining_qty) == (D(350), D(650))


def test_children_cannot_overfill_the_parent() -> None:
    with pytest.raises(InvalidInput, match="children"):
        aggregate_parent(D(100), [kid(0, S.FILLED, 250)], slices_remaining=False)


def test_cancel_plan_cancels_open_children_and_abandons_unsent_ones() -> None:
    children = [
        kid(0, S.FILLED, 250),
        kid(1, S.ACKED),
        kid(2, S.PARTIALLY_FILLED, 10),
        kid(3, S.PENDING_CANCEL),
        kid(4, S.CREATED),
        kid(5, S.SUBMITTED),
    ]
    plan = cancel_plan(children)
    assert plan.cancel_at_broker == ("c1", "c2", "c5")
    assert plan.abandon_unsent == ("c4",)
