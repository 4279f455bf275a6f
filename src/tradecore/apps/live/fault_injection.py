"""Arm a named crash point from the environment (chaos tests only).

``TRADECORE_FAULT_POINT=name[:nth]`` makes this process SIGKILL itself the ``nth``
time (default 1) it passes the point ``name`` of the order path (see
:mod:`tradecore.services.durability.fault_points`). Read once, at app start; unset, nothing is
armed and the points cost one comparison each.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping

from tradecore.domain.errors import ConfigurationError
from tradecore.services.durability.fault_points import ArmedPoint, arm

FAULT_POINT_ENV = "TRADECORE_FAULT_POINT"


def parse_fault_point(text: str) -> tuple[str, int]:
    """Parse ``name[:nth]``.

    Raises:
        ConfigurationError: ``nth`` is not an integer.
    """
    name, _, nth = text.strip().partition(":")
    try:
        return name, int(nth) if nth else 1
    except ValueError:
        raise ConfigurationError(
            f"{FAULT_POINT_ENV}={text!r}: expected NAME[:NTH] with NTH an integer"
        ) from None


def _sigkill(name: str) -> None:
    # Say where we died on stderr (the harness logs it), then die without cleanup:
    # no finally, no atexit, no flush of anything but this line.
    sys.stderr.write(f"fault point {name}: SIGKILL\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm_from_env(environ: Mapping[str, str] = os.environ) -> ArmedPoint | None:
    """Arm the point named by :data:`FAULT_POINT_ENV`, if set; return it.

    Raises:
        ConfigurationError: unknown point name or a bad ``nth``.
    """
    text = environ.get(FAULT_POINT_ENV, "").strip()
    if not text:
        arm(None)
        return None
    name, nth = parse_fault_point(text)
    try:
        point = ArmedPoint(name, nth, _sigkill)
    except ValueError as e:
        raise ConfigurationError(f"{FAULT_POINT_ENV}: {e}") from None
    arm(point)
    return point
