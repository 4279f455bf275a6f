"""Ed25519 signing with PyNaCl, and the key files it reads and writes.

Key files hold lowercase hex and a newline: the 32-byte seed in the private key file
(written 0600, refused when others can read it, never printed), the 32-byte public
key in the ``.pub`` file. Ed25519 is deterministic, so a signature is a pure function
of key and message; the RFC 8032 vectors in the signer contract suite pin that down.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import attrs
import nacl.exceptions
import nacl.signing

from tradecore.domain.errors import ConfigurationError, SignatureError
from tradecore.domain.research.manifest import key_id
from tradecore.ports.signing import Signer, Verifier

PRIVATE_KEY_NAME = "signing.key"
PUBLIC_KEY_NAME = "signing.pub"
_KEY_BYTES = 32


class NaclSigner(Signer):
    """Signs with an Ed25519 private key held in memory (never in ``repr``)."""

    def __init__(self, seed: bytes) -> None:
        """Build from the 32-byte private seed.

        Raises:
            SignatureError: the seed is not 32 bytes.
        """
        if not isinstance(seed, bytes) or len(seed) != _KEY_BYTES:
            raise SignatureError("an Ed25519 private key is a 32-byte seed")
        self._key = nacl.signing.SigningKey(seed)

    def __repr__(self) -> str:
        return f"NaclSigner(key_id={key_id(self.public_key())!r})"

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte detached signature of ``message``."""
        return bytes(self._key.sign(message).signature)

    def public_key(self) -> bytes:
        """Return the 32-byte public key."""
        return bytes(self._key.verify_key)


class NaclVerifier(Verifier):
    """Checks Ed25519 signatures; which keys to trust is the caller's decision."""

    def verify(self, message: bytes, signature: bytes, public_key: bytes) -> None:
        """Return if ``signature`` is valid for ``message`` under ``public_key``.

        Raises:
            SignatureError: malformed key or signature, or it does not verify.
        """
        if len(public_key) != _KEY_BYTES or len(signature) != 2 * _KEY_BYTES:
            raise SignatureError("malformed Ed25519 public key or signature length")
        try:
            nacl.signing.VerifyKey(public_key).verify(message, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError) as e:
            raise SignatureError("signature does not verify") from e


@attrs.frozen
class KeyFiles:
    """Where a generated key pair was written, and the public key's id."""

    private_key: Path
    public_key: Path
    key_id: str


def generate_key_files(directory: Path) -> KeyFiles:
    """Generate a key pair into ``directory`` (created if missing).

    Raises:
        ConfigurationError: a key file already exists there (never overwritten) or
            the directory cannot be written.
    """
    private_path = directory / PRIVATE_KEY_NAME
    public_path = directory / PUBLIC_KEY_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise ConfigurationError(f"{path} exists; refusing to overwrite a key")
    key = nacl.signing.SigningKey.generate()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _write_private(private_path, bytes(key).hex())
        public_path.write_text(bytes(key.verify_key).hex() + "\n", encoding="ascii")
    except OSError as e:
        raise ConfigurationError(f"cannot write keys to {directory}: {e}") from e
    return KeyFiles(private_path, public_path, key_id(bytes(key.verify_key)))


def _write_private(path: Path, text: str) -> None:
    # O_EXCL: never clobber; mode 0600 from creation, so no window where it is readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (text + "\n").encode("ascii"))
    finally:
        os.close(fd)


def load_signer(path: Path) -> NaclSigner:
    """Load a private key file written by :func:`generate_key_files`.

    Raises:
        ConfigurationError: the file is missing, unreadable, or readable by others.
        SignatureError: its content is not a hex Ed25519 seed.
    """
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigurationError(f"cannot read private key {path}: {e}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"private key {path} is accessible by others "
            f"(mode {stat.S_IMODE(mode):o}); run chmod 600 on it"
        )
    return NaclSigner(_hex_key(text, f"private key {path}"))


def load_public_key(path: Path) -> bytes:
    """Load a public key file (``.pub``) and return the raw 32 bytes.

    Raises:
        ConfigurationError: the file is missing or unreadable.
        SignatureError: its content is not a hex Ed25519 public key.
    """
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigurationError(f"cannot read public key {path}: {e}") from None
    return _hex_key(text, f"public key {path}")


def parse_public_key(text: str, where: str) -> bytes:
    """Parse a public key given as 64 hex characters (e.g. from config).

    Raises:
        SignatureError: not 64 hex characters.
    """
    return _hex_key(text, where)


def _hex_key(text: str, where: str) -> bytes:
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError:
        raw = b""
    if len(raw) != _KEY_BYTES:
        # The text may be a private key: never echo it back.
        raise SignatureError(f"{where} is not a 32-byte hex Ed25519 key")
    return raw
