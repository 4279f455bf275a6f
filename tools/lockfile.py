"""Read the pins of a lock file in requirements/ (shared by tools/audit.py and sbom.py).

The locks are ``uv pip compile --generate-hashes`` output: one ``name==version \\``
line per package, then its ``--hash`` lines and ``# via`` comments.
"""

from __future__ import annotations

import re

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalize(name: str) -> str:
    """PEP 503 name normalization: ``Typing_Extensions`` -> ``typing-extensions``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins(text: str) -> dict[str, str]:
    """``name -> version`` for every ``name==version`` line of a lock file."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[normalize(match[1])] = match[2]
    return pins
