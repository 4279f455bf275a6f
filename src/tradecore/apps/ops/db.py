"""``tradecore-live db``: bring the database schema to the version the code needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy import Engine

from tradecore.adapters.sqlstore import migrate
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.context import store_engine
from tradecore.apps.wiring.errors import cli_errors

app = CliTyper(
    help="Database schema: upgrade, downgrade, show the current revision.",
    no_args_is_help=True,
)


@contextmanager
def _engine(ctx: typer.Context) -> Iterator[Engine]:
    with cli_errors():
        engine = store_engine(ctx)
        try:
            yield engine
        finally:
            engine.dispose()


@app.command()
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database schema (to the newest revision by default)."""
    with _engine(ctx) as engine:
        migrate.upgrade(engine, revision)
        typer.echo(f"database at {migrate.current_revision(engine)}")


@app.command()
def downgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision, or 'base'.")],
) -> None:
    """Downgrade the database schema to REVISION ('base' drops every table)."""
    with _engine(ctx) as engine:
        migrate.downgrade(engine, revision)
        typer.echo(f"database at {migrate.current_revision(engine) or 'base'}")


@app.command()
def current(ctx: typer.Context) -> None:
    """Print the database's schema revision and whether it is the one needed."""
    with _engine(ctx) as engine:
        revision, head = migrate.current_revision(engine), migrate.head_revision()
        state = "up to date" if revision == head else f"needs upgrade to {head}"
        typer.echo(f"{revision or 'base (empty)'} ({state})")
