"""Breakers on failure rates in a trailing window: broker rejects, broker errors.

A storm of rejects or errors means something is wrong with the orders or the
connection; trading on would only make more of them. The window slides with the
update times, so once the storm passes the old failures age out and the condition
clears by itself.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.risk.breakers.base import Breaker
from tradecore.domain.risk.breakers.latch import BreakerConfig, BreakerReading, Inputs


def _fraction(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    v.finite_float(instance, attribute, value)
    assert isinstance(value, float | int)
    if not 0.0 <= value < 1.0:
        raise InvalidInput(attribute.name, value, "must be in [0, 1)")


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    v.finite_float(instance, attribute, value)
    assert isinstance(value, float | int)
    if value <= 0:
        raise InvalidInput(attribute.name, value, "must be > 0")


def _count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(attribute.name, value, "must be a whole number > 0")


@attrs.frozen(kw_only=True, slots=True)
class FailureRateConfig(BreakerConfig):
    """Trip when more than ``max_rate`` of at least ``min_events`` events in the
    trailing ``window_s`` seconds failed."""

    max_rate: float = attrs.field(validator=_fraction)
    window_s: float = attrs.field(default=300.0, validator=_positive)
    min_events: int = attrs.field(default=5, validator=_count)


class _FailureRateBreaker(Breaker):
    """Failed / total events in ``(at - window, at]``."""

    _what: str

    def __init__(self, config: FailureRateConfig) -> None:
        super().__init__(config)
        self._cfg = config
        self._window = timedelta(seconds=config.window_s)
        self._events: deque[tuple[datetime, bool]] = deque()
        self._failed = 0

    def update(self, at: datetime, *, failed: bool) -> BreakerReading:
        """Count one event at ``at`` (``failed``: a reject or an error)."""
        if self._events and at < self._events[-1][0]:
            raise InvalidInput("at", at, "before the previous event")
        self._events.append((at, failed))
        self._failed += failed
        return self.tick(at)

    def _condition(self, at: datetime) -> tuple[bool, Inputs]:
        start = at - self._window
        while self._events and self._events[0][0] <= start:
            _, failed = self._events.popleft()
            self._failed -= failed
        total = len(self._events)
        rate = self._failed / total if total else 0.0
        breached = total >= self._cfg.min_events and rate > self._cfg.max_rate
        return breached, {
            self._what: str(self._failed),
            "events": str(total),
            "rate": f"{rate:.4f}",
            "max_rate": str(self._cfg.max_rate),
            "window_s": str(self._cfg.window_s),
        }


class RejectRateBreaker(_FailureRateBreaker):
    """Share of orders the broker rejected (events: acknowledgements and rejects)."""

    name = "reject_rate"
    _what = "rejected"


class BrokerErrorRateBreaker(_FailureRateBreaker):
    """Share of broker calls that failed (timeouts, 5xx, refused connections)."""

    name = "broker_error_rate"
    _what = "errors"
