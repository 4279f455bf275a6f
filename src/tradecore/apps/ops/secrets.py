"""``tradecore-live secrets``: create a master key, encrypt and check a secrets file."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from tradecore.adapters.secrets import decrypt_secrets, encrypt_secrets, new_master_key
from tradecore.apps.config.secrets import master_key
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.errors import ConfigurationError

app = CliTyper(
    help="Encrypted secrets (API keys) for tradecore-live.", no_args_is_help=True
)


@app.command()
def keygen() -> None:
    """Print a new random master key; store it where TRADECORE_MASTER_KEY comes from."""
    typer.echo(new_master_key())


@app.command()
def encrypt(
    plaintext: Path = typer.Argument(..., help="TOML secrets file, e.g. [alpaca] ..."),
    out: Path = typer.Option(..., "--out", "-o", help="Encrypted file to write."),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """Encrypt a TOML secrets file under TRADECORE_MASTER_KEY.

    The plaintext is left in place: delete it once the encrypted file works.
    """
    with cli_errors():
        key = master_key(os.environ)
        if out.exists() and not force:
            raise ConfigurationError(f"{out} exists; pass --force to overwrite it")
        try:
            data = plaintext.read_bytes()
        except OSError as e:
            raise ConfigurationError(f"{plaintext}: {e.strerror}") from None
        token = encrypt_secrets(data, key)
        out.touch(mode=0o600, exist_ok=True)
        out.write_bytes(token)
        typer.echo(f"wrote {out} ({len(token)} bytes); delete {plaintext} when done")


@app.command()
def check(
    encrypted: Path = typer.Argument(..., help="Encrypted secrets file."),
) -> None:
    """Decrypt with TRADECORE_MASTER_KEY and list the secret names (never values)."""
    with cli_errors():
        try:
            token = encrypted.read_bytes()
        except OSError as e:
            raise ConfigurationError(f"{encrypted}: {e.strerror}") from None
        for table, values in sorted(
            decrypt_secrets(token, master_key(os.environ)).items()
        ):
            typer.echo(f"[{table}] {', '.join(sorted(values))}")
