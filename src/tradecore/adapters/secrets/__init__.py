"""Secrets at rest: a TOML table of secrets encrypted with Fernet under a master key."""

from tradecore.adapters.secrets.fernet_file import (
    Secret,
    decrypt_secrets,
    encrypt_secrets,
    new_master_key,
)

__all__ = ["Secret", "decrypt_secrets", "encrypt_secrets", "new_master_key"]
