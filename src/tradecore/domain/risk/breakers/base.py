"""The shared shape of a circuit breaker: a condition over its inputs, and a latch."""

from __future__ import annotations

import abc
from datetime import datetime
from typing import ClassVar

from tradecore.domain.risk.breakers.latch import (
    BreakerConfig,
    BreakerReading,
    Inputs,
    TripLatch,
)


class Breaker(abc.ABC):
    """One circuit breaker: ``update(inputs)`` with new data, ``tick(at)`` without.

    Subclasses name themselves (``name``), take their own typed inputs in ``update``
    and define :meth:`_condition`; the latch (trip, quiet period, approval) is here.
    """

    name: ClassVar[str]

    def __init__(self, config: BreakerConfig) -> None:
        """Configure the trip state and the recovery."""
        self.config = config
        self.latch = TripLatch(config.quiet_period, auto_clear=config.auto_clear)

    @property
    def tripped(self) -> bool:
        """Whether the breaker is tripped now."""
        return self.latch.tripped

    def approve(self, reason: str) -> None:
        """A person approved recovery (see :meth:`TripLatch.approve`)."""
        self.latch.approve(reason)

    def restore(self, at: datetime, *, approval: str | None = None) -> None:
        """Start tripped, as the store recorded it (see :meth:`TripLatch.restore`)."""
        self.latch.restore(at, approval=approval)

    def tick(self, at: datetime) -> BreakerReading:
        """Re-judge the condition at ``at`` with no new data (time passing matters)."""
        breached, inputs = self._condition(at)
        return self._read(at, breached, inputs)

    @abc.abstractmethod
    def _condition(self, at: datetime) -> tuple[bool, Inputs]:
        """Return whether the condition is breached at ``at``, and its numbers."""

    def _read(self, at: datetime, breached: bool, inputs: Inputs) -> BreakerReading:
        event = self.latch.observe(breached, at, inputs)
        return BreakerReading(
            name=self.name,
            at=at,
            breached=breached,
            tripped=self.latch.tripped,
            event=event,
            inputs=inputs,
        )
