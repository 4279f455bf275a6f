"""Alpaca API credentials: a value that never shows its secret.

Where the keys come from (environment, an encrypted secrets file) is decided by the
apps, the only layer that reads the environment; this type only carries them and
keeps them out of ``repr``, logs and tracebacks.
"""

from __future__ import annotations

import attrs

from tradecore.domain import validation as v

REDACTED = "***"


@attrs.frozen(kw_only=True, repr=False)
class AlpacaCredentials:
    """An API key id and its secret; ``repr`` shows neither."""

    key_id: str = attrs.field(validator=v.non_empty_str)
    secret_key: str = attrs.field(validator=v.non_empty_str)

    def __repr__(self) -> str:
        """Return a representation that names no key."""
        return f"AlpacaCredentials(key_id='{REDACTED}', secret_key='{REDACTED}')"

    __str__ = __repr__
