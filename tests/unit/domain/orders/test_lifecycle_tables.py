"""The transition table, the terminal set and the broker-status table are complete."""

from __future__ import annotations

import pytest

from tradecore.domain import (
    INTENT_STATUS_OF,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    BrokerOrderStatus,
    IntentStatus,
    check_transition,
)
from tradecore.domain.errors import IllegalTransition
from tradecore.domain.orders.lifecycle import LATE_FILL_ACCEPTING, VERDICTS


def test_every_status_has_a_row_and_open_and_terminal_partition_them() -> None:
    assert set(TRANSITIONS) == set(IntentStatus)
    assert set(IntentStatus) == OPEN | TERMINAL
    assert not OPEN & TERMINAL


def test_terminal_statuses_only_move_on_by_fills() -> None:
    """The broker's endings only complete; our verdicts reopen to partially filled."""
    S = IntentStatus
    for status in TERMINAL:
        if status in VERDICTS:
            assert TRANSITIONS[status] == {S.PARTIALLY_FILLED, S.FILLED}
        else:
            assert TRANSITIONS[status] <= {S.FILLED}
            assert bool(TRANSITIONS[status]) == (status in LATE_FILL_ACCEPTING)
    assert {S.REJECTED, S.FAILED} == VERDICTS
    assert not LATE_FILL_ACCEPTING & VERDICTS


def test_nothing_moves_back_to_created() -> None:
    assert all(IntentStatus.CREATED not in targets for targets in TRANSITIONS.values())


@pytest.mark.parametrize("status", list(BrokerOrderStatus))
def test_every_broker_status_maps_to_exactly_one_intent_status(
    status: BrokerOrderStatus,
) -> None:
    assert isinstance(INTENT_STATUS_OF[status], IntentStatus)


def test_broker_status_table_has_no_extra_keys() -> None:
    assert set(INTENT_STATUS_OF) == set(BrokerOrderStatus)


def test_check_transition_names_both_statuses() -> None:
    with pytest.raises(IllegalTransition, match="filled -> acked"):
        check_transition(IntentStatus.FILLED, IntentStatus.ACKED)
