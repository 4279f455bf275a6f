"""Token-bucket arithmetic shared by the in-process and the store-kept limiters."""

from __future__ import annotations

import pytest

from tradecore.domain.token_bucket import MIN_WAIT_S, BucketState, pause, take

FULL = BucketState(tokens=2.0, refilled_at=100.0, paused_until=100.0)


def test_a_token_is_taken_while_there_is_one_then_the_wait_is_named() -> None:
    first = take(FULL, 100.0, rate=1.0, capacity=2)
    second = take(first.state, 100.0, rate=1.0, capacity=2)
    third = take(second.state, 100.0, rate=1.0, capacity=2)
    assert (first.granted, second.granted, third.granted) == (True, True, False)
    assert third.wait == pytest.approx(1.0)
    assert take(third.state, 101.0, rate=1.0, capacity=2).granted


def test_refill_stops_at_capacity() -> None:
    later = take(FULL, 10_000.0, rate=1.0, capacity=2)
    assert later.state.tokens == pytest.approx(1.0)


def test_a_clock_that_went_back_refills_nothing() -> None:
    empty = BucketState(tokens=0.0, refilled_at=100.0, paused_until=100.0)
    back = take(empty, 90.0, rate=1.0, capacity=2)
    assert not back.granted
    assert back.state.refilled_at == 100.0
    assert back.state.tokens == 0.0


def test_a_pause_empties_and_holds_until_its_end() -> None:
    paused = pause(FULL, 100.0, 30.0)
    assert paused.tokens == 0.0
    assert take(paused, 110.0, rate=1.0, capacity=2).wait == pytest.approx(20.0)
    assert take(paused, 131.0, rate=1.0, capacity=2).granted
    # A shorter pause never shortens a longer one.
    assert pause(paused, 101.0, 5.0).paused_until == 130.0


def test_waits_are_never_shorter_than_the_epoch_clock_can_tell() -> None:
    almost = BucketState(tokens=1 - 1e-7, refilled_at=1.8e9, paused_until=0.0)
    assert take(almost, 1.8e9, rate=1.0, capacity=2).wait == MIN_WAIT_S
