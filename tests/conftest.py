"""Shared test configuration: hypothesis profiles and service availability."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# dev: quick feedback. ci: deterministic (derandomized), more examples, no deadline
# (a loaded CI machine must not turn slowness into flakiness). thorough: nox -s property.
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)
