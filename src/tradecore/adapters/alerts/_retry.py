"""Bounded retries with seeded-jitter backoff, shared by the network sinks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tradecore.domain.backoff import backoff_delays
from tradecore.domain.errors import AlertDeliveryFailed
from tradecore.ports.clock import Clock


class Permanent(Exception):
    """A failure retrying cannot fix (a 4xx answer, refused credentials)."""


def with_retries(
    attempt: Callable[[], None],
    *,
    what: str,
    retries: int,
    base_s: float,
    cap_s: float,
    rng: np.random.Generator,
    clock: Clock,
) -> None:
    """Call ``attempt`` up to ``1 + retries`` times, sleeping on ``clock`` between.

    ``attempt`` raises :class:`Permanent` to stop at once, any ``OSError`` (network,
    timeout) or :class:`Retryable` to try again.

    Raises:
        AlertDeliveryFailed: every attempt failed, or one failed permanently.
    """
    delays = backoff_delays(retries, base_s=base_s, cap_s=cap_s, rng=rng)
    for number, delay in enumerate([*delays, None], start=1):
        try:
            attempt()
            return
        except Permanent as e:
            raise AlertDeliveryFailed(f"{what}: {e}") from e
        except (OSError, Retryable) as e:
            if delay is None:
                raise AlertDeliveryFailed(
                    f"{what}: gave up after {number} attempts: {e}"
                ) from e
            clock.sleep(delay)


class Retryable(Exception):
    """A failure that may pass on a later attempt (5xx, 429, a dropped link)."""
