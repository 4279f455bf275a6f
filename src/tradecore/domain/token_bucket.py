"""Token-bucket arithmetic, shared by the in-process and the store-kept limiters.

A bucket holds up to ``capacity`` tokens and gains ``rate`` per second; a request
takes one. A pause (the broker answered 429) empties it and hands out nothing until
``paused_until``; refilling starts again from there. Pure: the caller reads the
clock and keeps the state (in memory, or in a database row shared by processes).
"""

from __future__ import annotations

import attrs

#: A token within rounding of a whole one counts: waiting for 1e-17 s never ends.
_EPSILON = 1e-9
#: The shortest wait handed out. Epoch seconds (~1.8e9) resolve only ~2e-7 s, so a
#: shorter sleep could leave the clock, and the bucket, where they were.
MIN_WAIT_S = 1e-3


@attrs.frozen(kw_only=True, slots=True)
class BucketState:
    """Tokens left, when they were last counted, and the end of any pause."""

    tokens: float
    refilled_at: float
    paused_until: float


@attrs.frozen(kw_only=True, slots=True)
class Take:
    """The outcome of asking for a token: the new state, and how long to wait.

    ``wait == 0`` means the token was granted.
    """

    state: BucketState
    wait: float

    @property
    def granted(self) -> bool:
        """True when a token was taken."""
        return self.wait <= 0


def take(state: BucketState, now: float, *, rate: float, capacity: float) -> Take:
    """Refill ``state`` up to ``now`` and take one token if there is one.

    A clock that went backwards (another process's wall clock) refills nothing.
    """
    if now < state.paused_until:
        return Take(state=state, wait=state.paused_until - now)
    start = max(state.refilled_at, state.paused_until)
    tokens = min(capacity, state.tokens + max(0.0, now - start) * rate)
    counted_at = max(now, state.refilled_at)
    if tokens >= 1 - _EPSILON:
        granted = BucketState(
            tokens=max(0.0, tokens - 1),
            refilled_at=counted_at,
            paused_until=state.paused_until,
        )
        return Take(state=granted, wait=0.0)
    waiting = BucketState(
        tokens=tokens, refilled_at=counted_at, paused_until=state.paused_until
    )
    return Take(state=waiting, wait=max((1 - tokens) / rate, MIN_WAIT_S))


def available(state: BucketState, now: float, *, rate: float, capacity: float) -> float:
    """Tokens a take at ``now`` could draw on (0 while paused); changes nothing."""
    if now < state.paused_until:
        return 0.0
    start = max(state.refilled_at, state.paused_until)
    return min(capacity, state.tokens + max(0.0, now - start) * rate)


def pause(state: BucketState, now: float, seconds: float) -> BucketState:
    """Empty the bucket and hand out nothing for ``seconds`` from ``now``."""
    return BucketState(
        tokens=0.0,
        refilled_at=max(state.refilled_at, now),
        paused_until=max(state.paused_until, now + seconds),
    )
