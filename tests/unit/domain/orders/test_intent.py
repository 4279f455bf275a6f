"""The intent state machine: happy paths, illegal moves, late and duplicate fills."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import T0, event, intent
from tradecore.domain import (
    IntentStatus,
    OrderEventKind,
    apply_event,
    mark_failed,
    mark_submitted,
)
from tradecore.domain.errors import IllegalTransition, InvalidInput, Overfill

K = OrderEventKind
S = IntentStatus


def test_submit_ack_partial_fill_fill_accumulates_exactly() -> None:
    it = intent()
    it = apply_event(it, event(it, K.ACCEPTED)).intent
    assert it.status is S.ACKED
    assert it.broker_order_id == "b-1"
    it = apply_event(it, event(it, K.PARTIAL_FILL, qty="30", price="100.10")).intent
    assert it.status is S.PARTIALLY_FILLED
    it = apply_event(
        it, event(it, K.FILL, qty="70", price="100.20", exec_id="x2")
    ).intent
    assert it.status is S.FILLED
    assert it.filled_qty == Decimal(100)
    assert it.filled_notional == Decimal("10017.00")
    assert it.avg_fill_price == Decimal("100.17")
    assert it.remaining_qty == 0


def test_event_before_submission_is_illegal() -> None:
    it = intent(submitted=False)
    with pytest.raises(IllegalTransition, match="before it was submitted"):
        apply_event(it, event(it, K.ACCEPTED))


def test_duplicate_execution_is_counted_once() -> None:
    it = intent()
    first = apply_event(it, event(it, K.PARTIAL_FILL, qty="10")).intent
    again = apply_event(first, event(it, K.PARTIAL_FILL, qty="10"))
    assert again.intent is first
    assert again.new_fill is None
    assert again.ignored is not None
    assert "duplicate" in again.ignored


def test_overfill_raises_and_names_the_quantities() -> None:
    it = apply_event(intent(), event(intent(), K.PARTIAL_FILL, qty="90")).intent
    with pytest.raises(Overfill, match="110 exceed order qty 100"):
        apply_event(it, event(it, K.FILL, qty="20", exec_id="x2"))


def test_fill_after_cancel_request_is_legal_and_keeps_pending_cancel() -> None:
    it = apply_event(intent(), event(intent(), K.ACCEPTED)).intent
    it = apply_event(it, event(it, K.PENDING_CANCEL)).intent
    it = apply_event(it, event(it, K.PARTIAL_FILL, qty="40")).intent
    assert it.status is S.PENDING_CANCEL
    assert it.filled_qty == 40
    it = apply_event(it, event(it, K.CANCELED)).intent
    assert it.status is S.CANCELED


def test_late_fill_after_cancel_is_counted_and_never_reopens() -> None:
    it = apply_event(intent(), event(intent(), K.CANCELED)).intent
    late = apply_event(it, event(it, K.PARTIAL_FILL, qty="10", seconds=5))
    assert late.intent.status is S.CANCELED
    assert late.intent.filled_qty == 10
    assert late.new_fill is not None


def test_late_fill_completing_a_canceled_order_makes_it_filled() -> None:
    it = apply_event(intent(), event(intent(), K.CANCELED)).intent
    done = apply_event(it, event(it, K.FILL, qty="100", seconds=5)).intent
    assert done.status is S.FILLED


def test_status_events_on_terminal_intents_are_stale_and_ignored() -> None:
    it = apply_event(intent(), event(intent(), K.FILL, qty="100")).intent
    for kind in (K.ACCEPTED, K.CANCELED, K.EXPIRED, K.PENDING_CANCEL, K.REJECTED):
        result = apply_event(it, event(it, kind))
        assert result.intent.status is S.FILLED
        assert result.ignored is not None
        assert "stale" in result.ignored


def test_accepted_after_partial_fill_is_stale() -> None:
    it = apply_event(intent(), event(intent(), K.PARTIAL_FILL, qty="10")).intent
    result = apply_event(it, event(it, K.ACCEPTED))
    assert result.intent.status is S.PARTIALLY_FILLED
    assert result.ignored is not None


def test_cancel_rejected_puts_a_pending_order_back_to_working() -> None:
    it = apply_event(intent(), event(intent(), K.PARTIAL_FILL, qty="10")).intent
    it = apply_event(it, event(it, K.PENDING_CANCEL)).intent
    back = apply_event(it, event(it, K.ACCEPTED, reason="cancel_rejected")).intent
    assert back.status is S.PARTIALLY_FILLED


def test_reject_after_partial_fill_is_illegal() -> None:
    it = apply_event(intent(), event(intent(), K.PARTIAL_FILL, qty="10")).intent
    with pytest.raises(IllegalTransition, match="partially_filled -> rejected"):
        apply_event(it, event(it, K.REJECTED))


@pytest.mark.parametrize("verdict", [K.REJECTED, K.FAILED])
def test_fill_after_verdict_overrules_it_and_moves_the_intent_on(
    verdict: OrderEventKind,
) -> None:
    """Issue 17 (2): the broker's fills win over our REJECTED/FAILED verdict."""
    it = apply_event(intent(), event(intent(), verdict, reason="no")).intent
    assert it.reason == "no"
    partial = apply_event(it, event(it, K.PARTIAL_FILL, qty="40", seconds=2))
    assert partial.intent.status is S.PARTIALLY_FILLED
    assert partial.intent.filled_qty == 40
    assert partial.new_fill is not None
    assert partial.overruled is S(verdict.value)
    rest = apply_event(
        partial.intent, event(it, K.FILL, qty="60", exec_id="x2", seconds=3)
    )
    assert rest.intent.status is S.FILLED
    assert rest.overruled is None  # the verdict was overruled once, by the first fill
    whole = apply_event(it, event(it, K.FILL, qty="100", seconds=2))
    assert whole.intent.status is S.FILLED
    assert whole.overruled is S(verdict.value)


def test_a_late_fill_after_the_brokers_own_ending_overrules_nothing() -> None:
    it = apply_event(intent(), event(intent(), K.CANCELED)).intent
    late = apply_event(it, event(it, K.PARTIAL_FILL, qty="10", seconds=5))
    assert late.overruled is None


def test_fill_for_another_symbol_is_rejected_as_bad_input() -> None:
    it = intent()
    other = intent(side=type(it.spec.side).SELL)
    bad = event(other, K.FILL, qty="1")
    with pytest.raises(InvalidInput, match="client_order_id"):
        apply_event(it, bad)


def test_done_for_day_keeps_the_order_working() -> None:
    it = apply_event(intent(), event(intent(), K.ACCEPTED)).intent
    result = apply_event(it, event(it, K.DONE_FOR_DAY))
    assert result.intent.status is S.ACKED


def test_mark_failed_only_before_terminal() -> None:
    failed = mark_failed(intent(), "broker lost it", T0)
    assert failed.status is S.FAILED
    assert failed.reason == "broker lost it"
    filled = apply_event(intent(), event(intent(), K.FILL, qty="100")).intent
    with pytest.raises(IllegalTransition, match="filled -> failed"):
        mark_failed(filled, "late", T0)


def test_submitting_twice_is_a_no_op_but_resubmitting_after_ack_is_illegal() -> None:
    it = intent()
    assert mark_submitted(it, T0).status is S.SUBMITTED
    acked = apply_event(it, event(it, K.ACCEPTED)).intent
    with pytest.raises(IllegalTransition):
        mark_submitted(acked, T0)


def test_spec_must_agree_with_the_decision_key() -> None:
    from tests.factories import key
    from tradecore.domain import OrderIntent, OrderSpec, Side

    spec = OrderSpec(symbol="MSFT", side=Side.BUY, qty=Decimal(100))
    with pytest.raises(InvalidInput, match=r"spec\.symbol"):
        OrderIntent.create(key(), spec, decided_at=T0)
