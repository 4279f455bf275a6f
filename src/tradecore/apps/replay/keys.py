"""``tradecore-replay keys generate``: an Ed25519 key pair for signing manifests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tradecore.adapters.signing import generate_key_files
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.errors import cli_errors

keys_app = CliTyper(help="Ed25519 signing keys.", no_args_is_help=True)


@keys_app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder for signing.key/.pub.")],
) -> None:
    """Generate an Ed25519 key pair: signing.key (mode 0600) and signing.pub."""
    with cli_errors():
        files = generate_key_files(out)
        typer.echo(f"private key {files.private_key} (mode 0600; keep it secret)")
        typer.echo(f"public key  {files.public_key} (key id {files.key_id})")


def register(app: typer.Typer) -> None:
    """Add the ``keys`` command group to ``app``."""
    app.add_typer(keys_app, name="keys")
