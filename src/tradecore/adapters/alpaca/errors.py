"""Translate alpaca-py and transport failures into tradecore's errors.

One function, :func:`translate`, classifies what went wrong; the broker raises its
answer ``from`` the original so the cause is kept. Error bodies are read defensively:
alpaca-py's ``APIError.code`` raises on bodies without a code (Alpaca's gateway sends
``{"message": "forbidden."}``) or that are not JSON at all (docs/alpaca.md §5.1).

A submit is refused (:class:`BrokerRejected`) only by an answer that proves the order
was not taken (docs/alpaca.md §5.2): a documented 422 validation error (codes
40010001, 42210000), a 403 with a rejection code (40310000: buying power, quantity;
40310100: pattern day trading), or a 401/gateway 403 (:class:`AuthenticationFailed`).
Everything else — timeouts, dropped connections, 5xx, 408, 409, 425, a 404, any other
status or code, an unreadable body — is an unknown outcome
(:class:`TransientBrokerError`), settled by client order id.

A duplicate client order id is recognised by Alpaca's code, 422 with 40010001
(docs/alpaca.md §5.2 row (a)), never by the message. Alpaca uses the same code for
validation errors (row (f)), so on a submit it is reported as
:class:`DuplicateClientOrderId` and the broker confirms it by looking the id up: the
order is there (a duplicate) or it is not (the 422 was a validation refusal).
"""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from tradecore.adapters.alpaca._sdk import APIError
from tradecore.adapters.alpaca.rule_answers import recognised_rule
from tradecore.domain.errors import (
    AuthenticationFailed,
    BrokerRejected,
    BrokerRuleBreached,
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    OrderNotCancelable,
    OrderNotFound,
    RateLimited,
    TradecoreError,
    TransientBrokerError,
)

#: Alpaca's codes (docs/alpaca.md §5.2): the HTTP status, then 10000 or 10001.
VALIDATION = 40010001  # 422: invalid input, *and* a duplicate client_order_id
UNPROCESSABLE = 42210000  # 422: e.g. a cancel of a filled order, a wash trade
FORBIDDEN = 40310000  # 403: insufficient buying power or quantity
PATTERN_DAY_TRADER = 40310100  # 403: pattern day trading protection
#: The 422 codes that say the request was refused (duplicate aside, see the module doc).
REFUSED_422 = frozenset({VALIDATION, UNPROCESSABLE})
#: The 403 codes that say the order was refused.
REFUSED_403 = frozenset({FORBIDDEN, PATTERN_DAY_TRADER, UNPROCESSABLE})
#: Statuses that ask to try again later (request timeout, too early): nothing proven.
TRY_AGAIN = frozenset({408, 425})


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


def error_code(body: Mapping[str, Any]) -> int | None:
    """Return the body's integer ``code``, or ``None`` if it has none (or not a number)."""
    code = body.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().isdigit():
        return int(code)
    return None


def _from_api_error(
    error: APIError, operation: Operation, wall: Callable[[], float]
) -> TradecoreError:
    status = error.status_code or 0
    body = error_body(error)
    message = str(body.get("message") or "").strip() or f"HTTP {status}"
    code = error_code(body)
    if status == 429:
        headers = error.response.headers if error.response is not None else {}
        return RateLimited(message, retry_after_s=retry_after_s(headers, wall=wall))
    if status >= 500 or status in TRY_AGAIN:
        return TransientBrokerError(f"{operation.value}: HTTP {status}: {message}")
    if status == 401 or (status == 403 and code is None):
        return AuthenticationFailed(f"credentials refused (HTTP {status}): {message}")
    if operation is Operation.SUBMIT:
        return _submit_answer(status, code, message)
    if status == 422 and code == VALIDATION and "unique" in message.lower():
        # A replace carries a client order id too; kept as it was (issue 17: submits).
        return DuplicateClientOrderId(message)
    if status == 404:
        return OrderNotFound(message)
    if status == 403:
        if "buying power" in message.lower():
            return InsufficientBuyingPower(message, code=str(code))
        if "insufficient qty" in message.lower():
            return BrokerRejected(message, code="insufficient_qty_available")
        return BrokerRejected(message, code=str(code))
    if status == 422 and operation is Operation.CANCEL:
        return OrderNotCancelable(message)
    if operation is Operation.REPLACE and (
        breach := recognised_rule(status, code, message)
    ):
        return BrokerRuleBreached(breach)  # the new order breaks a named rule
    if status == 422 and operation is Operation.REPLACE and code == UNPROCESSABLE:
        return OrderNotCancelable(message)
    return BrokerRejected(message, code=None if code is None else str(code))


def _submit_answer(status: int, code: int | None, message: str) -> TradecoreError:
    """What a submit's 4xx proves (module doc): a refusal, a duplicate, or nothing."""
    if status == 422 and code == VALIDATION:
        return DuplicateClientOrderId(message)  # or a validation refusal: looked up
    refused = (status == 422 and code in REFUSED_422) or (
        status == 403 and code in REFUSED_403
    )
    if refused and (breach := recognised_rule(status, code, message)) is not None:
        return BrokerRuleBreached(breach)
    if status == 422 and code in REFUSED_422:
        return BrokerRejected(message, code=str(code))
    if status == 403 and code in REFUSED_403:
        if "buying power" in message.lower():
            return InsufficientBuyingPower(message, code=str(code))
        if "insufficient qty" in message.lower():
            return BrokerRejected(message, code="insufficient_qty_available")
        return BrokerRejected(message, code=str(code))
    shown = "no code" if code is None else f"code {code}"
    return TransientBrokerError(
        f"submit: HTTP {status} ({shown}) does not prove the order was refused: "
        f"{message}"
    )
