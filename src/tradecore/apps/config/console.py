"""The ``[console]`` section: where the operator console listens and who may use it.

```toml
[console]
host = "127.0.0.1"          # loopback unless you mean it
port = 8700
[console.operators.alice]
token_sha256 = "9f86d0..."  # tradecore-live console token --name alice --role operator
role = "operator"           # "read" watches; "operator" may also act
```

A token is 32 random bytes (256 bits) shown once by ``tradecore-live console token``;
only its SHA-256 is kept here. A slow, salted hash (scrypt, bcrypt) exists to make
guessing a *human* password from its hash expensive; a 256-bit random token cannot
be guessed whatever the hash costs (2^256 tries), so a fast hash loses nothing and
keeps every request's check cheap (NIST SP 800-63B 5.1.1.2 asks for a salted
work-factor hash for memorized secrets, not for high-entropy authenticators).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput

ROLES = ("read", "operator")
_MAX_PORT = 65535
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_HEADER = re.compile(r"^[A-Za-z0-9-]+$")


def _port(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if not 1 <= value <= _MAX_PORT:
        raise InvalidInput(attribute.name, value, f"expected a port in 1-{_MAX_PORT}")


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise InvalidInput(attribute.name, value, "must be > 0")


def _digest(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if value and not _SHA256_HEX.match(value):
        raise InvalidInput(
            attribute.name, "(hidden)", "expected 64 lowercase hex characters"
        )


def _header(
    instance: object, attribute: attrs.Attribute[Any], value: str | None
) -> None:
    if value is not None and not _HEADER.match(value):
        raise InvalidInput(attribute.name, value, "expected an HTTP header name")


@attrs.frozen(kw_only=True)
class OperatorSettings:
    """One person allowed into the console: the hash of their token and their role."""

    #: SHA-256 (hex) of the operator's token; empty: no token login (proxy only).
    token_sha256: str = attrs.field(default="", validator=_digest, repr=False)
    #: ``read`` (every page) or ``operator`` (also the actions).
    role: str = attrs.field(default="read", validator=attrs.validators.in_(ROLES))


@attrs.frozen(kw_only=True)
class ConsoleSettings:
    """The operator console (``tradecore-live console``): address, people, limits."""

    #: Address to bind; anything but loopback exposes the console to the network.
    host: str = "127.0.0.1"
    #: Port to listen on (``tradecore-live console --port`` overrides it).
    port: int = attrs.field(default=8700, validator=_port)
    #: Header a trusted reverse proxy sets to the authenticated operator's name
    #: (e.g. ``X-Forwarded-User``); unset (the default): the header is ignored.
    trusted_proxy_header: str | None = attrs.field(default=None, validator=_header)
    #: Who may log in: ``[console.operators.NAME]`` tables.
    operators: Mapping[str, OperatorSettings] = attrs.field(factory=dict)
    #: A login session lasts this long (seconds).
    session_ttl_s: float = attrs.field(default=8 * 3600.0, validator=_positive)
    #: Failed logins a client may make at once, then one per ``login_refill_s``.
    login_burst: float = attrs.field(default=5.0, validator=_positive)
    #: Seconds for one failed login to be forgiven (the bucket's refill).
    login_refill_s: float = attrs.field(default=30.0, validator=_positive)
    #: How often the pages refresh their live parts (seconds).
    refresh_s: float = attrs.field(default=2.0, validator=_positive)
