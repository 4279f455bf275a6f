"""Named crash points of the order path, inert unless an app arms one.

The exactly-once promise is proved by killing the process at the moments that hurt
most (``tests/chaos``). Each such moment calls :func:`fault_point` with its name. By
default nothing is armed and the call is one global read and a comparison. An app
(``tradecore-live run``) reads its configuration once at start and :func:`arm` s the
point with the action to take there (SIGKILL of its own process); services never read
the environment and never decide how to die.
"""

from __future__ import annotations

from collections.abc import Callable

#: Every named point, in the order an order passes them.
POINTS = (
    # The intent is stored SUBMITTED in the same commit that creates it, so the two
    # points are passed one after the other: the intent is durable and SUBMITTED,
    # the broker not called yet (both names kept: campaigns and configs use them).
    "after_intent_commit",
    "after_submitted_commit",
    "after_broker_accept",  # the broker answered, the ack not stored yet
    "during_fill_apply",  # a fill written in an open unit of work, not committed
    "during_recovery",  # start-up: broker events applied, reconciliation not run
    "during_kill_switch",  # a kill's cancels sent, flatten and record not done
)


class ArmedPoint:
    """One armed point: run ``action`` on its ``nth`` hit (1 = the first)."""

    def __init__(self, name: str, nth: int, action: Callable[[str], None]) -> None:
        """Arm ``name``.

        Raises:
            ValueError: ``name`` is not one of :data:`POINTS`, or ``nth`` < 1.
        """
        if name not in POINTS:
            raise ValueError(
                f"unknown fault point {name!r}; known: {', '.join(POINTS)}"
            )
        if nth < 1:
            raise ValueError(f"fault point {name}: nth must be >= 1, not {nth}")
        self.name = name
        self.nth = nth
        self.hits = 0
        self._action = action

    def hit(self, name: str) -> None:
        """Count a pass through ``name``; act on the ``nth`` pass through ours."""
        if name != self.name:
            return
        self.hits += 1
        if self.hits == self.nth:
            self._action(name)


_armed: ArmedPoint | None = None


def arm(point: ArmedPoint | None) -> None:
    """Arm ``point`` for this process (``None`` disarms)."""
    global _armed
    _armed = point


def armed() -> ArmedPoint | None:
    """Return the armed point, if any."""
    return _armed


def fault_point(name: str) -> None:
    """Mark the named point of the order path; acts only if an app armed it."""
    if _armed is not None:
        _armed.hit(name)
