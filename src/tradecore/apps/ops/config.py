"""``tradecore-live config show``: the effective configuration, secrets redacted."""

from __future__ import annotations

import json

import typer

from tradecore.apps.config.settings import config_hash, redacted
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.context import cli_context
from tradecore.apps.wiring.errors import cli_errors

app = CliTyper(help="The effective configuration.", no_args_is_help=True)


@app.command()
def show(ctx: typer.Context) -> None:
    """Print the effective config (file + environment + options) as JSON, redacted.

    ``config_hash`` is the snapshot hash stored with every decision record.
    """
    with cli_errors():
        settings = cli_context(ctx).settings()
        document = {
            "config_hash": config_hash(settings),
            "settings": redacted(settings),
        }
        # default=str: exact decimals ([risk] money) print as their decimal text.
        typer.echo(json.dumps(document, indent=2, sort_keys=True, default=str))
