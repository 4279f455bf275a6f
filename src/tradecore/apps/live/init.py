"""``tradecore-live init``: write a commented configuration for paper trading.

A newcomer's first question is "what goes in the config file"; the answer is a file
that already works. Two starting points: the offline Alpaca emulator
(``tradecore-replay emulator``, nothing leaves the machine) or Alpaca's own paper
API (``--alpaca-paper``, needs paper keys in the environment). Each key is
explained in a comment next to it; webhook and e-mail alerts are written commented
out, since they need a receiver. A test loads every variant with the strict loader
(:func:`tradecore.apps.config.settings.load_settings`), so the file cannot rot into
one the apps refuse. An existing file is never overwritten without ``--force``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.errors import ConfigurationError

#: The emulator's default port (``tradecore-replay emulator --port``).
EMULATOR_PORT = 8080

_HEADER = """\
# tradecore paper-trading configuration, written by `tradecore-live init`{variant}.
#
{howto}#
# API keys never go in this file: they come from APCA_API_KEY_ID / APCA_API_SECRET_KEY
# (or an encrypted file: `tradecore-live secrets --help`). Every key may also come from
# a TRADECORE_* variable (a different value there is refused, exit 5) or a
# command-line option (it wins over this file, and the log says so).
"""

_EMULATOR_HOWTO = """\
#   tradecore-replay emulator --port {port} &        # the offline Alpaca emulator
#   export APCA_API_KEY_ID=EMULATORKEY APCA_API_SECRET_KEY=emulator-secret
#   tradecore-live --config {out} db upgrade
#   tradecore-replay run --data examples/bars --out model     # a signed manifest
#   tradecore-live --config {out} run --data examples/bars --emulator \\
#       --manifest model/manifest.json
"""

_PAPER_HOWTO = """\
#   export APCA_API_KEY_ID=... APCA_API_SECRET_KEY=...  # your *paper* account's keys
#   tradecore-live --config {out} db upgrade
#   tradecore-live --config {out} run --feed alpaca --symbols AAPL \\
#       --since 2026-01-05T14:30:00Z --manifest model/manifest.json
"""

_STORE = """
[store]
# The database of record (intents, fills, decisions, audit log): a SQLite file here,
# or "postgresql+psycopg://user@host/db" (pip install -e ".[postgres]").
url = "sqlite:///{db}"
# "full": every commit reaches the disk before an order goes out (live trading).
durability = "full"
"""

_EMULATOR_BROKER = """
[broker]
# "alpaca": orders go to an Alpaca-protocol server, here the emulator.
kind = "alpaca"
# The paper account: `live = true` *and* `run --live` would trade real money.
live = false
# The emulator's REST origin and trade-updates stream (its --port).
base_url = "http://127.0.0.1:{port}"
stream_url = "ws://127.0.0.1:{port}/stream"

[data]
# For `run --feed alpaca`: the feed recorded as the bars' provenance ("iex", "sip",
# "delayed_sip"); "poll" the data API once per bar, or "stream" over the WebSocket.
feed = "iex"
mode = "poll"
# The emulator serves market data too.
base_url = "http://127.0.0.1:{port}"

[signing]
# The emulator is a playground: accept manifests signed with this machine's
# development key (what `tradecore-replay run` signs with when no key is set).
# `run --live` refuses development-key manifests whatever this says.
allow_dev_key = true
# Or trust your own keys (`tradecore-replay keys generate --out keys`): 64 hex
# characters or the path of the .pub file.
# trusted_public_keys = ["keys/signing.pub"]
"""

_PAPER_BROKER = """
[broker]
# Alpaca through alpaca-py (pip install -e ".[alpaca]"). With `live = false` it talks
# to paper-api.alpaca.markets; `live = true` *and* `run --live` would trade real money.
kind = "alpaca"
live = false

[data]
# Bars from Alpaca's data API: "iex" (free; a degraded-data regime, execution turns
# passive), "sip" (paid) or "delayed_sip"; "poll" once per bar, or "stream".
feed = "iex"
mode = "poll"

[signing]
# Public keys whose manifests `run` accepts: 64 hex characters, or the path of a
# .pub file (`tradecore-replay keys generate --out keys` writes keys/signing.pub).
trusted_public_keys = []
# Paper trading should run what a configured key signed, not a development key.
allow_dev_key = false

[model]
# Live bars are new data: do not require them to be the manifest's data set.
same_dataset = false
"""

_RISK_AND_ALERTS = """
[market]
# The exchange calendar every rule uses: "XNYS" (US equities: DST, holidays, early
# closes) or "24/7".
calendar = "XNYS"

[risk]
# Pre-trade limits every order must pass (all keys: src/tradecore/apps/config/risk.py).
# The largest order, in dollars, and the largest position, in shares.
max_order_notional = 100000
max_position_shares = 5000
# Refuse limit prices further than this from the last price.
price_collar_pct = 2.5
# Trade the regular session only ("extended": 04:00-20:00 New York).
market_hours = "regular"
# Whether a position may go below zero.
allow_short = false
# Symbols no order may trade.
restricted_symbols = []

[risk.breakers.daily_loss]
# Stop opening positions after losing this many dollars in a session.
max_loss = 5000
# "reducing": only orders that shrink positions; "halted": none.
trip_state = "reducing"

[alerts]
# An open intent unchanged this long (seconds) raises intent.stuck.
stuck_intent_s = 300

[[alerts.routes]]
# Every alert to the log on stderr and the store's audit log.
sinks = ["log", "store"]
# The least severe alert this route takes: "info", "warning" or "critical".
min_severity = "info"

# A webhook for the on-call (its HMAC secret from TRADECORE_WEBHOOK_SECRET):
# [[alerts.routes]]
# sinks = ["webhook"]
# min_severity = "warning"
# codes = ["breaker.*", "kill_switch.*", "broker.*", "manifest.rejected"]
#
# [alerts.webhook]
# url = "https://hooks.example.com/tradecore"
#
# E-mail for critical alerts (the password from TRADECORE_SMTP_PASSWORD):
# [[alerts.routes]]
# sinks = ["email"]
# min_severity = "critical"
#
# [alerts.smtp]
# host = "smtp.example.com"
# sender = "tradecore@example.com"
# recipients = ["oncall@example.com"]
# username = "tradecore"
"""


def paper_config(out: Path, *, alpaca_paper: bool, port: int = EMULATOR_PORT) -> str:
    """The commented TOML text for the emulator (default) or Alpaca's paper API."""
    db = f"{out.stem}.db"
    if alpaca_paper:
        header = _HEADER.format(
            variant=" --alpaca-paper", howto=_PAPER_HOWTO.format(out=out)
        )
        broker = _PAPER_BROKER
    else:
        howto = _EMULATOR_HOWTO.format(out=out, port=port)
        header = _HEADER.format(variant=" --emulator", howto=howto)
        broker = _EMULATOR_BROKER.format(port=port)
    return header + _STORE.format(db=db) + broker + _RISK_AND_ALERTS


def init(
    emulator: Annotated[
        bool,
        typer.Option(
            "--emulator", help="Paper trading on the offline emulator (the default)."
        ),
    ] = False,
    alpaca_paper: Annotated[
        bool,
        typer.Option("--alpaca-paper", help="Paper trading on Alpaca's paper API."),
    ] = False,
    out: Annotated[
        Path, typer.Option("--out", help="The configuration file to write.")
    ] = Path("paper.toml"),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing file.")
    ] = False,
) -> None:
    """Write a commented configuration for paper trading (emulator or Alpaca paper)."""
    with cli_errors():
        if emulator and alpaca_paper:
            raise ConfigurationError("give --emulator or --alpaca-paper, not both")
        if out.exists() and not force:
            raise ConfigurationError(
                f"{out} exists: give --force to overwrite it, or another --out"
            )
        try:
            out.write_text(paper_config(out, alpaca_paper=alpaca_paper), "utf-8")
        except OSError as e:
            raise ConfigurationError(f"cannot write {out}: {e.strerror}") from None
        kind = "Alpaca's paper API" if alpaca_paper else "the Alpaca emulator"
        typer.echo(f"wrote {out}: paper trading on {kind}")
        typer.echo(f"next: tradecore-live --config {out} db upgrade")
