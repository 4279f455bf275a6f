"""Signer and Verifier ports: bytes in, bytes out (never domain objects)."""

from __future__ import annotations

from typing import Protocol


class Signer(Protocol):
    """Signs canonical bytes with a private key."""

    def sign(self, message: bytes) -> bytes:
        """Return the detached signature of ``message``."""
        ...

    def public_key(self) -> bytes:
        """Return the raw public key that verifies this signer's signatures."""
        ...


class Verifier(Protocol):
    """Checks signatures against trusted public keys."""

    def verify(self, message: bytes, signature: bytes, public_key: bytes) -> None:
        """Return if ``signature`` is valid for ``message`` under ``public_key``.

        Raises:
            SignatureError: the signature is malformed, or does not verify.
        """
        ...
