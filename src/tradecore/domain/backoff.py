"""Retry delays: exponential backoff with jitter drawn from an injected generator.

Jitter spreads retries of many senders apart; drawing it from a seeded
``numpy.random.Generator`` keeps a replay (and a test) reproducible.
"""

from __future__ import annotations

import numpy as np

from tradecore.domain.errors import InvalidInput


def backoff_delays(
    retries: int,
    *,
    base_s: float,
    cap_s: float,
    rng: np.random.Generator,
) -> list[float]:
    """Return the waits before each of ``retries`` retries, in seconds.

    Retry ``n`` (0-based) waits a uniform draw from ``[d/2, d]`` where
    ``d = min(cap_s, base_s * 2**n)`` ("equal jitter"): never zero, never above the cap.

    Raises:
        InvalidInput: a negative count, or a non-positive base or cap.
    """
    if retries < 0:
        raise InvalidInput("retries", retries, "must be >= 0")
    if not base_s > 0 or not cap_s > 0:
        raise InvalidInput("base_s/cap_s", (base_s, cap_s), "must be > 0")
    ceilings = np.minimum(cap_s, base_s * np.exp2(np.arange(retries)))
    return [float(d) for d in ceilings * rng.uniform(0.5, 1.0, size=retries)]
