"""Encrypt and decrypt a secrets file with ``cryptography``'s Fernet.

The plaintext is a TOML document (``[alpaca] key_id = ... secret_key = ...``); the
encrypted file is one Fernet token (AES-128-CBC plus HMAC-SHA256, authenticated), so
a wrong master key or a tampered file is detected, never half-read. Values come back
wrapped in :class:`Secret`, whose ``repr`` shows nothing, so a stray log line or
traceback cannot leak them. No function here prints, logs or raises a secret value.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

import attrs
from cryptography.fernet import Fernet, InvalidToken

from tradecore.domain.errors import ConfigurationError


@attrs.frozen(repr=False)
class Secret:
    """A secret string; only :meth:`reveal` gives the value."""

    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        """Return the value (pass it straight to the client that needs it)."""
        return self._value

    def __repr__(self) -> str:
        """Return a fixed placeholder."""
        return "Secret('***')"

    __str__ = __repr__


def new_master_key() -> str:
    """Return a fresh random master key (url-safe base64, 32 bytes)."""
    return Fernet.generate_key().decode("ascii")


def _fernet(master_key: str) -> Fernet:
    try:
        return Fernet(master_key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ConfigurationError(
            "the master key is not a Fernet key (32 url-safe base64 bytes); "
            "create one with `tradecore-live secrets keygen`"
        ) from None


def encrypt_secrets(plaintext_toml: bytes, master_key: str) -> bytes:
    """Return the Fernet token of a TOML secrets document (checked to parse first).

    Raises:
        ConfigurationError: the document is not valid TOML, or the key is malformed.
    """
    _parse(plaintext_toml)
    return _fernet(master_key).encrypt(plaintext_toml)


def decrypt_secrets(token: bytes, master_key: str) -> dict[str, dict[str, Secret]]:
    """Return ``{table: {name: Secret}}`` from an encrypted secrets file.

    Raises:
        ConfigurationError: wrong master key, tampered or truncated file, bad TOML.
    """
    try:
        plaintext = _fernet(master_key).decrypt(token)
    except InvalidToken:
        raise ConfigurationError(
            "cannot decrypt the secrets file: wrong master key, or the file was "
            "changed or truncated"
        ) from None
    return {
        table: {name: Secret(str(value)) for name, value in values.items()}
        for table, values in _parse(plaintext).items()
    }


def _parse(plaintext: bytes) -> Mapping[str, Mapping[str, Any]]:
    try:
        document = tomllib.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        # The TOML error names a line and column, never a value.
        raise ConfigurationError(f"secrets file is not valid TOML: {e}") from None
    for table, values in document.items():
        if not isinstance(values, dict) or not all(
            isinstance(v, str) for v in values.values()
        ):
            raise ConfigurationError(
                f"secrets file: [{table}] must be a table of strings"
            )
    return document
