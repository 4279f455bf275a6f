"""``tradecore-live console``: serve the operator console; ``console token``: make a token.

The console is its own process on the configured store (the trading process need
not run). It binds ``[console] host`` (loopback by default) and ``port``; ``--host``
and ``--port`` override them for this run. It refuses to start with nobody allowed
in (no ``[console.operators.NAME]`` and no trusted proxy header).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Annotated

import typer

from tradecore.apps.config.console import ROLES, ConsoleSettings
from tradecore.apps.console.auth import new_token, token_digest
from tradecore.apps.wiring.choices import literal_of
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.context import cli_context, open_configured_store
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.errors import ConfigurationError, InvalidInput

_log = logging.getLogger(__name__)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
if TYPE_CHECKING:
    Role = str
else:
    Role = literal_of(ROLES)

console_app = CliTyper(
    help="The operator console: a web page to watch the account and act on it.",
    invoke_without_command=True,
)


@console_app.callback()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to bind (default: [console] host)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="Port (default: [console] port, 8700)."),
    ] = None,
) -> None:
    """Serve the console on [console] host:port until interrupted (Ctrl-C)."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from tradecore.apps.console.app import Console, build_app

    with cli_errors():
        settings = cli_context(ctx).settings()
        cfg = settings.console
        _require_someone(cfg)
        bind_host = host or cfg.host
        bind_port = port if port is not None else cfg.port
        if not 1 <= bind_port <= 65535:
            raise InvalidInput("--port", bind_port, "expected a port in 1-65535")
        if not _loopback(bind_host):
            _log.warning(
                "the console listens on %s, beyond this machine: put TLS in front",
                bind_host,
            )
        store = open_configured_store(ctx)
    try:
        typer.echo(f"console: http://{bind_host}:{bind_port}/ (Ctrl-C stops it)")
        uvicorn.run(
            build_app(Console(settings, store)),
            host=bind_host,
            port=bind_port,
            log_level="warning",
            server_header=False,
        )
    finally:
        store.close()


def _require_someone(cfg: ConsoleSettings) -> None:
    if not cfg.operators and not cfg.trusted_proxy_header:
        raise ConfigurationError(
            "nobody may use the console: add [console.operators.NAME] "
            "(tradecore-live console token --name NAME --role operator)"
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@console_app.command("token")
def token(
    name: Annotated[str, typer.Option("--name", help="The operator's name.")],
    role: Annotated[
        Role, typer.Option("--role", help="read (watch) or operator (also act).")
    ] = "read",
) -> None:
    """Make an operator token: print it once, and the config lines holding its hash."""
    with cli_errors():
        if not name or not set(name) <= _NAME_CHARS:
            raise InvalidInput(
                "--name", name, "expected lowercase letters, digits, _ or -"
            )
    secret = new_token()
    typer.echo(f"token for {name} (shown once; give it to {name} only):")
    typer.echo(f"  {secret}")
    typer.echo("add to the config file:")
    typer.echo(f"[console.operators.{name}]")
    typer.echo(f'token_sha256 = "{token_digest(secret)}"')
    typer.echo(f'role = "{role}"')
