"""Chaos campaign: crash and fault injection against the live path (``nox -s chaos``)."""
