"""The one map from tradecore errors to process exit codes, and the CLI guard."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from tradecore.domain import errors as e

OK = 0
BUG = 1
USAGE = 2
DOMAIN = 3
UNAVAILABLE = 4
CONFIG_OR_AUTH = 5
SIGNATURE = 6
MANIFEST_REJECTED = 7
#: ``tradecore-replay parity``: the live and replayed runs differ.
PARITY_MISMATCH = 10

_EXIT_CODES: list[tuple[type[e.TradecoreError], int]] = [
    (e.ManifestRejected, MANIFEST_REJECTED),
    (e.SignatureError, SIGNATURE),
    (e.ConfigurationError, CONFIG_OR_AUTH),
    (e.AuthenticationFailed, CONFIG_OR_AUTH),
    (e.SchemaOutOfDate, CONFIG_OR_AUTH),
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
