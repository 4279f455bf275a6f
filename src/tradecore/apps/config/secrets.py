"""Where the Alpaca keys come from: the environment or the encrypted secrets file.

Sources, any one of them:

- ``APCA_API_KEY_ID`` / ``APCA_API_SECRET_KEY`` (Alpaca's own names), or
  ``TRADECORE_ALPACA_KEY_ID`` / ``TRADECORE_ALPACA_SECRET_KEY``;
- the file named by ``TRADECORE_SECRETS_FILE`` (table ``[alpaca]``, keys ``key_id``
  and ``secret_key``), decrypted with ``TRADECORE_MASTER_KEY``.

Two sources that disagree are an error, as in the config (docs/architecture.md); so is a missing
key or a secrets file without a master key (fail closed). Messages name variables
and files, never values.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tradecore.adapters.secrets import decrypt_secrets
from tradecore.domain.errors import ConfigurationError, MissingSecret

if TYPE_CHECKING:
    from tradecore.adapters.alpaca import AlpacaCredentials

MASTER_KEY_ENV = "TRADECORE_MASTER_KEY"
SECRETS_FILE_ENV = "TRADECORE_SECRETS_FILE"
ENV_PAIRS = (
    ("APCA_API_KEY_ID", "APCA_API_SECRET_KEY"),
    ("TRADECORE_ALPACA_KEY_ID", "TRADECORE_ALPACA_SECRET_KEY"),
)


def master_key(env: Mapping[str, str]) -> str:
    """Return the master key from the environment.

    Raises:
        MissingSecret: ``TRADECORE_MASTER_KEY`` is not set.
    """
    key = env.get(MASTER_KEY_ENV, "").strip()
    if not key:
        raise MissingSecret(
            f"{MASTER_KEY_ENV} is not set: it is needed to use an encrypted secrets file"
        )
    return key


def _set(env: Mapping[str, str], var: str) -> str | None:
    """The variable's value; an empty (or blank) one counts as not set."""
    value = env.get(var)
    return value if value and value.strip() else None


def _credentials(key_id: str, secret_key: str) -> AlpacaCredentials:
    """Build the adapter's credentials object.

    Imported here, not at module level: the Alpaca adapter package imports alpaca-py
    (0.5-1 s), and every ``tradecore-live`` command imports this module for its
    variable names; only the commands that talk to Alpaca resolve keys.
    """
    from tradecore.adapters.alpaca import AlpacaCredentials

    return AlpacaCredentials(key_id=key_id, secret_key=secret_key)


def _from_env(env: Mapping[str, str]) -> list[tuple[str, AlpacaCredentials]]:
    found = []
    for key_var, secret_var in ENV_PAIRS:
        key_id, secret = _set(env, key_var), _set(env, secret_var)
        if (key_id is None) != (secret is None):
            missing = secret_var if secret is None else key_var
            raise MissingSecret(f"{missing} is not set (its pair is)")
        if key_id is not None and secret is not None:
            credentials = _credentials(key_id, secret)
            found.append((f"{key_var}/{secret_var}", credentials))
    return found


def _from_file(path: Path, env: Mapping[str, str]) -> AlpacaCredentials:
    try:
        token = path.read_bytes()
    except OSError as e:
        raise ConfigurationError(f"secrets file {path}: {e.strerror}") from None
    table = decrypt_secrets(token, master_key(env)).get("alpaca", {})
    missing = [
        name
        for name in ("key_id", "secret_key")
        if name not in table or not table[name].reveal().strip()
    ]
    if missing:
        raise MissingSecret(f"secrets file {path}: [alpaca] lacks {missing}")
    return _credentials(table["key_id"].reveal(), table["secret_key"].reveal())


def alpaca_credentials(
    env: Mapping[str, str], secrets_file: Path | None = None
) -> AlpacaCredentials:
    """Return the Alpaca keys from exactly one source (or agreeing sources).

    An empty or blank key counts as missing.

    Raises:
        MissingSecret: no source, or a source with an empty key.
        ConfigurationError: conflicting sources, or an unreadable file.
    """
    sources = _from_env(env)
    path = secrets_file or (
        Path(env[SECRETS_FILE_ENV]) if env.get(SECRETS_FILE_ENV) else None
    )
    if path is not None:
        sources.append((f"secrets file {path}", _from_file(path, env)))
    if not sources:
        names = ", ".join(f"{k}/{s}" for k, s in ENV_PAIRS)
        raise MissingSecret(
            f"no Alpaca API key: set {names}, or {SECRETS_FILE_ENV} and {MASTER_KEY_ENV}"
        )
    first_name, first = sources[0]
    for name, other in sources[1:]:
        if other != first:
            raise ConfigurationError(
                f"Alpaca keys differ between {first_name} and {name}; remove one"
            )
    return first
