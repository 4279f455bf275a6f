"""``tradecore-replay emulator``: serve the Alpaca-protocol emulator on loopback."""

from __future__ import annotations

from datetime import datetime

import typer

from tradecore.adapters.alpaca_emulator import (
    DEFAULT_SECRET_KEY,
    DEFAULT_START,
    EmulatorConfig,
    check_loopback,
    serve_forever,
)
from tradecore.apps.wiring.choices import FillModel
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.errors import ConfigurationError, InvalidInput
from tradecore.domain.validation import to_decimal

#: The emulator account's starting cash: the replay's default (``tradecore-replay run
#: --cash``), so a strategy sized on a replay meets the same account on the emulator.
DEFAULT_CASH = "1000000"


def _start(text: str | None) -> datetime:
    if text is None:
        return DEFAULT_START
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"--start {text!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise ConfigurationError(f"--start {text!r} needs a UTC offset, e.g. Z")
    return at.astimezone(DEFAULT_START.tzinfo)


def emulator(
    host: str = typer.Option("127.0.0.1", "--host", help="Loopback address only."),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="TCP port."),
    seed: int = typer.Option(7, "--seed", help="Seed of ids, fills and latencies."),
    fill_model: FillModel = typer.Option(
        "realistic", "--fill-model", help="The fill model."
    ),
    cash: str = typer.Option(
        DEFAULT_CASH, "--cash", help="Starting cash (the replay's default too)."
    ),
    start: str | None = typer.Option(None, "--start", help="Virtual start time (ISO)."),
    symbols: str | None = typer.Option(
        None, "--symbols", help="Comma-separated tradable symbols (default: any)."
    ),
    rate_limit: int = typer.Option(
        200, "--rate-limit", help="Requests per minute before 429s (0: no limit)."
    ),
    key_id: str = typer.Option("EMULATORKEY", "--key-id", help="Accepted API key id."),
    secret_key: str = typer.Option(
        DEFAULT_SECRET_KEY, "--secret-key", help="Accepted API secret."
    ),
) -> None:
    """Serve Alpaca's v2 trading API and trade-updates stream, backed by the simulator.

    Point alpaca-py at it with TradingClient(key, secret, url_override=BASE_URL) and
    TradingStream(key, secret, url_override=BASE_URL + "/stream"); market data with
    StockHistoricalDataClient(key, secret, url_override=BASE_URL) and
    StockDataStream(key, secret, url_override=WS_URL + "/v2/iex"). Time is virtual:
    feed bars and let time pass with POST /_control/bars and /_control/advance.
    """
    with cli_errors():
        check_loopback(host)
        try:
            config = EmulatorConfig(
                seed=seed,
                start=_start(start),
                fill_model=fill_model,
                starting_cash=to_decimal("cash", cash),
                tradable=frozenset(symbols.split(",")) if symbols else None,
                rate_limit=rate_limit or None,
                key_id=key_id,
                secret_key=secret_key,
            )
        except InvalidInput as e:
            raise ConfigurationError(str(e)) from None
        origin = f"http://{host}:{port}"
        typer.echo(f"Alpaca emulator on {origin} (stream {origin}/stream)")
        typer.echo(f"key id {key_id}; seed {seed}; virtual time {config.start}")
        ws_origin = origin.replace("http://", "ws://", 1)
        typer.echo(f"market-data stream {ws_origin}/v2/iex (or /v2/sip)")
        typer.echo(
            "control API: /_control/state, /bars, /quotes, /trades, /advance, /faults, "
            "/stream, /data_stream"
        )
        serve_forever(config, host=host, port=port)
