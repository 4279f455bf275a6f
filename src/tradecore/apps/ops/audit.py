"""``tradecore-live audit``: check the hash-chained audit log."""

from __future__ import annotations

import typer

from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.context import open_configured_store
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.errors import IntegrityError

app = CliTyper(help="The append-only audit log.", no_args_is_help=True)


@app.command()
def verify(ctx: typer.Context) -> None:
    """Walk the audit chain; report the first tampered or missing row.

    Exits non-zero (3) when a row was altered or removed.
    """
    with cli_errors():
        store = open_configured_store(ctx)
        try:
            with store.unit_of_work() as uow:
                result = uow.audit.verify()
        finally:
            store.close()
        if not result.intact:
            raise IntegrityError(
                f"audit log broken at row {result.first_bad_seq}: {result.problem}"
            )
        typer.echo(f"audit log intact: {result.rows} rows")
