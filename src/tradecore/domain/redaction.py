"""Redaction: what a secret looks like, and how it is hidden before anything is shown.

One rule for config views, logs and alert payloads: a value is hidden when its key
names a secret (password, secret, token, api key, private key, ...) or a login
name (``username``: half of a credential, and what an attacker guesses first),
whatever its nesting, so a new secret setting is covered by its name alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

REDACTED = "***"

_SECRET_KEY_RE = re.compile(
    r"(pass(word|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential"
    r"|authorization|signing[_-]?key|user[_-]?name)",
    re.IGNORECASE,
)


def is_secret_key(name: str) -> bool:
    """Return True when a key's name says its value is a secret."""
    return bool(_SECRET_KEY_RE.search(name))


def redact(value: object) -> object:
    """Return ``value`` with every secret-named entry replaced by :data:`REDACTED`.

    Mappings are walked recursively (and copied); ``None`` and empty values stay as
    they are, so a view still shows that a secret is *not* set.
    """
    if isinstance(value, Mapping):
        return {
            key: _hide(item) if is_secret_key(str(key)) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [redact(item) for item in value]
    return value


def _hide(value: object) -> object:
    return value if value is None or value == "" else REDACTED


def scrub(text: str, secrets: Sequence[str]) -> str:
    """Replace every occurrence of each (non-empty) secret in ``text``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
