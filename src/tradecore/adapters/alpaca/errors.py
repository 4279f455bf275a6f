"""Translate alpaca-py and transport failures into tradecore's errors.

One function, :func:`translate`, classifies what went wrong; the broker raises its
answer ``from`` the original so the cause is kept. Error bodies are read defensively:
alpaca-py's ``APIError.code`` raises on bodies without a code (Alpaca's gateway sends
``{"message": "forbidden."}``) or that are not JSON at all (docs/alpaca.md §5.1).
"""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from tradecore.adapters.alpaca._sdk import APIError
from tradecore.domain.errors import (
    AuthenticationFailed,
    BrokerRejected,
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    OrderNotCancelable,
    OrderNotFound,
    RateLimited,
    TradecoreError,
    TransientBrokerError,
)

UNPROCESSABLE = 42210000
_DUPLICATE_MESSAGES = (
    "client_order_id must be unique",
    "client order id must be unique",
)


class Operation(enum.Enum):
    """What was asked, which decides how some answers read (a 422 on a cancel)."""

    SUBMIT = "submit"
    CANCEL = "cancel"
    REPLACE = "replace"
    READ = "read"


def error_body(error: APIError) -> dict[str, Any]:
    """Return the error's JSON object, or ``{}`` when the body is empty or not JSON."""
    try:
        body = json.loads(str(error))
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def retry_after_s(
    headers: Mapping[str, str], *, wall: Callable[[], float] = time.time
) -> float | None:
    """Return how long a 429 asks us to wait: ``Retry-After``, else the reset time.

    ``X-RateLimit-Reset`` is the Unix time (seconds) at which the window resets.
    """
    for name in ("Retry-After", "X-RateLimit-Reset"):
        text = headers.get(name)
        if text is None:
            continue
        try:
            value = float(text)
        except ValueError:
            continue
        return max(0.0, value if name == "Retry-After" else value - wall())
    return None


def translate(
    error: Exception, operation: Operation, *, wall: Callable[[], float] = time.time
) -> TradecoreError:
    """Return the tradecore error that says what ``error`` means for ``operation``."""
    if isinstance(error, requests.Timeout):
        return TransientBrokerError(f"{operation.value}: timed out ({error})")
    if isinstance(error, requests.ConnectionError):
        return TransientBrokerError(f"{operation.value}: connection failed ({error})")
    if isinstance(error, APIError):
        return _from_api_error(error, operation, wall)
    # A 3xx or a body the SDK's models refuse: the outcome is unknown.
    return TransientBrokerError(f"{operation.value}: unreadable answer ({error!r})")


def _from_api_error(
    error: APIError, operation: Operation, wall: Callable[[], float]
) -> TradecoreError:
    status = error.status_code or 0
    body = error_body(error)
    message = str(body.get("message") or "").strip() or f"HTTP {status}"
    code = body.get("code")
    if status == 429:
        headers = error.response.headers if error.response is not None else {}
        return RateLimited(message, retry_after_s=retry_after_s(headers, wall=wall))
    if status >= 500:
        return TransientBrokerError(f"{operation.value}: HTTP {status}: {message}")
    if status == 401 or (status == 403 and code is None):
        return AuthenticationFailed(f"credentials refused (HTTP {status}): {message}")
    if message.lower() in _DUPLICATE_MESSAGES:
        return DuplicateClientOrderId(message)
    if status == 404:
        return OrderNotFound(message)
    if status == 403:
        if "buying power" in message.lower():
            return InsufficientBuyingPower(message, code=str(code))
        if "insufficient qty" in message.lower():
            return BrokerRejected(message, code="insufficient_qty")
        return BrokerRejected(message, code=str(code))
    if status == 422 and operation is Operation.CANCEL:
        return OrderNotCancelable(message)
    if status == 422 and operation is Operation.REPLACE and code == UNPROCESSABLE:
        return OrderNotCancelable(message)
    return BrokerRejected(message, code=None if code is None else str(code))
