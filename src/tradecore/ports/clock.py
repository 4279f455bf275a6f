"""The Clock port: the only source of "now" for services."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time live, virtual time in replay."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a virtual clock advances instead of waiting)."""
        ...


class ManualClock(Clock, Protocol):
    """A virtual clock the replay driver moves forward."""

    def advance_to(self, at: datetime) -> datetime:
        """Move to ``at`` (never backwards) and return the new time."""
        ...
