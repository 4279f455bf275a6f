"""``tradecore-replay manifest sign|verify``: sign a manifest, check any run's."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from tradecore.apps.config.settings import Settings, load_settings
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.errors import cli_errors
from tradecore.apps.wiring.manifest_trust import (
    sign_manifest_file,
    verify_manifest_file,
)
from tradecore.domain.research.manifest import manifest_hash

manifest_app = CliTyper(
    help="Sign and verify manifests (what a model or parameter set was made from).",
    no_args_is_help=True,
)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML configuration file ([signing]).")
]


def register(app: typer.Typer) -> None:
    """Add the ``manifest`` command group to ``app``."""
    app.add_typer(manifest_app, name="manifest")


def _settings(config: Path | None) -> Settings:
    return load_settings(config, os.environ, {})


@manifest_app.command()
def sign(
    file: Annotated[Path, typer.Argument(help="The manifest.json to sign in place.")],
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="Private key file (default: [signing] key_file, "
            "else the local development key).",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Sign FILE with a private key; the key itself is never printed."""
    with cli_errors():
        signed = sign_manifest_file(file, _settings(config).signing, key)
        assert signed.signature is not None
        kind = " (development key)" if signed.manifest.dev_key else ""
        typer.echo(f"signed {file} with key {signed.signature.key_id}{kind}")
        typer.echo(f"manifest hash {manifest_hash(signed.manifest)}")


@manifest_app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="The manifest.json to verify.")],
    pubkey: Annotated[
        list[Path] | None,
        typer.Option(
            "--pubkey",
            help="Public key file to trust (repeatable; default: "
            "[signing] trusted_public_keys and the local development key).",
        ),
    ] = None,
    expect_feature_schema: Annotated[
        str | None, typer.Option(help="Fail unless the feature schema hash is this.")
    ] = None,
    expect_dataset: Annotated[
        str | None, typer.Option(help="Fail unless the dataset fingerprint is this.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Verify FILE's signature against trusted keys; exit 7 if it cannot be trusted."""
    with cli_errors():
        manifest = verify_manifest_file(
            file,
            _settings(config).signing,
            pubkey_files=pubkey or [],
            trust_local_dev_key=not pubkey,
            allow_dev_key=True,
            feature_schema_hash=expect_feature_schema,
            dataset_fingerprint=expect_dataset,
        )
        kind = " (signed with a development key)" if manifest.dev_key else ""
        typer.echo(f"manifest OK{kind}: {manifest_hash(manifest)}")
        typer.echo(
            f"strategy {manifest.strategy_id} {manifest.strategy_version}, "
            f"model {manifest.model_name} {manifest.model_version}"
        )
