"""Alpaca's error answers, and the translation of venue refusals into them."""

from __future__ import annotations

from typing import Any

from tradecore.adapters.alpaca_emulator import wire
from tradecore.domain.errors import (
    BrokerRejected,
    BrokerRuleBreached,
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    InvalidInput,
    OrderNotCancelable,
    OrderNotFound,
    TradecoreError,
    TransientBrokerError,
)

#: Alpaca's 8-digit codes: the HTTP status followed by 10000 or 10001 (docs/alpaca.md §5.2).
VALIDATION = 40010001
UNAUTHORIZED = 40110000
FORBIDDEN = 40310000
NOT_FOUND = 40410000
UNPROCESSABLE = 42210000
RATE_LIMITED = 42910000


class EmulatorUnavailable(TransientBrokerError, ConnectionError):
    """The emulator does not answer (stopped, killed, not started yet).

    A broker outage to the app (exit 4, "broker unavailable"); still an ``OSError``
    to a driver polling for the emulator to come up.
    """


class ApiError(Exception):
    """An HTTP error answer: status code and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        super().__init__(f"{status} {body.get('message')}")


def validation(message: str) -> ApiError:
    """Return a 422 for a malformed or unsupported request."""
    return ApiError(422, wire.error(VALIDATION, message))


def order_not_found() -> ApiError:
    """Return Alpaca's 404 for an unknown order id."""
    return ApiError(404, wire.error(NOT_FOUND, "order not found"))


def translate(
    error: TradecoreError, *, symbol: str = "", buying_power: str = "0"
) -> ApiError:
    """Return the answer Alpaca gives for a refusal the venue raised.

    Raises:
        TradecoreError: ``error`` has no Alpaca equivalent (a bug, surfaced as a 500).
    """
    if isinstance(error, BrokerRuleBreached):
        breach = error.breach
        return ApiError(breach.status, breach.body())
    if isinstance(error, DuplicateClientOrderId):
        return validation("client_order_id must be unique")
    if isinstance(error, InsufficientBuyingPower):
        body = wire.error(
            FORBIDDEN, "insufficient buying power", buying_power=buying_power
        )
        return ApiError(403, body)
    if isinstance(error, OrderNotFound):
        return order_not_found()
    if isinstance(error, OrderNotCancelable):
        return ApiError(422, wire.error(UNPROCESSABLE, str(error)))
    if isinstance(error, BrokerRejected):
        if error.code == "asset_not_tradable":
            return validation(f"could not find us_equity asset '{symbol}'")
        return ApiError(422, wire.error(UNPROCESSABLE, error.reason))
    if isinstance(error, InvalidInput):
        return validation(f"invalid {error.field}: {error.reason}")
    raise error
