"""The one map from tradecore errors to process exit codes, and the CLI guard."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from tradecore.domain import errors as e
from tradecore.domain.market.broker_clock import MarketClockMismatch

OK = 0
BUG = 1
USAGE = 2
DOMAIN = 3
UNAVAILABLE = 4
CONFIG_OR_AUTH = 5
SIGNATURE = 6
MANIFEST_REJECTED = 7
#: The database is not at the migration head (run ``tradecore-live db upgrade``).
SCHEMA_NOT_AT_HEAD = 8
#: An API key, or the master key of the encrypted secrets file, is missing.
MISSING_SECRET = 9
#: ``tradecore-replay parity``: the live and replayed runs differ.
PARITY_MISMATCH = 10
#: ``tradecore-live run``: the broker's clock says the market is open (or closed)
#: and ``[market] calendar`` does not, away from any open or close.
MARKET_CLOCK_MISMATCH = 11
#: ``tradecore-replay data verify``: the lake has problems (one line each).
DATA_PROBLEMS = 12

#: What each exit code means, in the order help lists them (the epilog below).
EXIT_CODE_MEANINGS: tuple[tuple[int, str], ...] = (
    (OK, "success"),
    (BUG, "unexpected error (a bug: please report it)"),
    (USAGE, "bad command line (unknown option, bad value)"),
    (DOMAIN, "refused by a domain rule (bad input, risk, integrity)"),
    (UNAVAILABLE, "store or broker unavailable (retry later)"),
    (CONFIG_OR_AUTH, "bad configuration or authentication failed"),
    (SIGNATURE, "signature invalid"),
    (MANIFEST_REJECTED, "manifest rejected"),
    (SCHEMA_NOT_AT_HEAD, "database not at the migration head (db upgrade)"),
    (MISSING_SECRET, "an API key or the secrets master key is missing"),
    (PARITY_MISMATCH, "parity: live and replayed runs differ"),
    (MARKET_CLOCK_MISMATCH, "broker clock and [market] calendar disagree"),
    (DATA_PROBLEMS, "data verify: the lake has problems"),
)


def exit_codes_epilog() -> str:
    """The exit-code table every command's help ends with.

    The leading ``\\b`` line tells click not to rewrap the paragraph, so the
    table keeps one code per line.
    """
    rows = "\n".join(f"  {code:>2}  {meaning}" for code, meaning in EXIT_CODE_MEANINGS)
    return f"\b\nExit codes:\n{rows}"


_EXIT_CODES: list[tuple[type[e.TradecoreError], int]] = [
    (MarketClockMismatch, MARKET_CLOCK_MISMATCH),
    (e.ManifestRejected, MANIFEST_REJECTED),
    (e.SignatureError, SIGNATURE),
    (e.MissingSecret, MISSING_SECRET),
    (e.ConfigurationError, CONFIG_OR_AUTH),
    (e.AuthenticationFailed, CONFIG_OR_AUTH),
    (e.SchemaOutOfDate, SCHEMA_NOT_AT_HEAD),
    (e.StoreUnavailable, UNAVAILABLE),
    (e.TransientBrokerError, UNAVAILABLE),
    (e.DomainError, DOMAIN),
    (e.RiskRejected, DOMAIN),
    (e.IntegrityError, DOMAIN),
]


def exit_code_for(error: e.TradecoreError) -> int:
    """Return the exit code for ``error`` (first matching class in the table)."""
    for kind, code in _EXIT_CODES:
        if isinstance(error, kind):
            return code
    return DOMAIN


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn a TradecoreError into one line on stderr and its exit code."""
    try:
        yield
    except e.TradecoreError as error:
        print(f"error: {error}", file=sys.stderr)
        raise typer.Exit(exit_code_for(error)) from None
