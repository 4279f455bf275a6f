"""What the root command hands its subcommands: where the settings come from."""

from __future__ import annotations

import os
from pathlib import Path

import attrs
import typer
from sqlalchemy import Engine

from tradecore.adapters.sqlstore import SqlStore, make_engine, open_store
from tradecore.apps.config.settings import Settings, load_settings


@attrs.frozen
class CliContext:
    """The global options; settings are loaded only by commands that need them."""

    config_path: Path | None = None
    database_url: str | None = None

    def settings(self) -> Settings:
        """Load the effective settings (file, environment, command line).

        Raises:
            ConfigurationError: see :func:`tradecore.apps.config.settings.load_settings`.
        """
        return load_settings(
            self.config_path, os.environ, {"store.url": self.database_url}
        )


def cli_context(ctx: typer.Context) -> CliContext:
    """Return the root command's context object (a default one in tests)."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, CliContext) else CliContext()


def store_engine(ctx: typer.Context) -> Engine:
    """Return an engine on the configured database (for migration commands)."""
    settings = cli_context(ctx).settings().store
    return make_engine(
        settings.url,
        durability=settings.durability,
        lock_timeout_s=settings.lock_timeout_s,
        statement_timeout_s=settings.statement_timeout_s,
    )


def open_configured_store(ctx: typer.Context) -> SqlStore:
    """Open the configured store, refusing one whose schema is not at head."""
    settings = cli_context(ctx).settings().store
    return open_store(
        settings.url,
        durability=settings.durability,
        lock_timeout_s=settings.lock_timeout_s,
        statement_timeout_s=settings.statement_timeout_s,
    )
