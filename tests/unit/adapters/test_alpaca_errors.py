"""Error translation at the Alpaca boundary, one row per answer Alpaca gives."""

from __future__ import annotations

import json

import pytest
import requests

from tradecore.adapters.alpaca._sdk import APIError
from tradecore.adapters.alpaca.errors import Operation, retry_after_s, translate
from tradecore.domain.errors import (
    AuthenticationFailed,
    BrokerRejected,
    BrokerRuleBreached,
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    OrderNotCancelable,
    OrderNotFound,
    RateLimited,
    TransientBrokerError,
)

Op = Operation


def api_error(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> APIError:
    response = requests.Response()
    response.status_code = status
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    response._content = text.encode()
    response.headers.update(headers or {})
    return APIError(text, requests.HTTPError(response=response))


DUPLICATE = {"code": 40010001, "message": "client_order_id must be unique"}
BUYING_POWER = {
    "buying_power": "1",
    "code": 40310000,
    "message": "insufficient buying power",
}
QTY = {"code": 40310000, "message": "insufficient qty available for order"}
NOT_FOUND = {"code": 40410000, "message": "order not found"}
FILLED = {"code": 42210000, "message": 'order is already in "filled" state'}
SUB_PENNY = {
    "code": 42210000,
    "message": "invalid limit_price 9.123. sub-penny increment does not fulfill "
    "minimum pricing criteria",
}
WASH = {
    "code": 40310000,
    "message": "potential wash trade detected. use complex orders",
}


@pytest.mark.parametrize(
    ("error", "operation", "expected"),
    [
        (api_error(422, DUPLICATE), Op.SUBMIT, DuplicateClientOrderId),
        (api_error(422, DUPLICATE), Op.REPLACE, DuplicateClientOrderId),
        (api_error(403, BUYING_POWER), Op.SUBMIT, InsufficientBuyingPower),
        # A refusal recognised as a named order rule (rule_answers).
        (api_error(403, QTY), Op.SUBMIT, BrokerRuleBreached),
        (api_error(403, {"message": "forbidden."}), Op.READ, AuthenticationFailed),
        (api_error(401, {"code": 40110000, "message": "no"}), Op.READ, AuthenticationFailed),
        (api_error(401, "<html>nope</html>"), Op.SUBMIT, AuthenticationFailed),
        (api_error(404), Op.READ, OrderNotFound),
        (api_error(404, NOT_FOUND), Op.CANCEL, OrderNotFound),
        (api_error(422, FILLED), Op.CANCEL, OrderNotCancelable),
        (api_error(422), Op.CANCEL, OrderNotCancelable),
        (api_error(422, FILLED), Op.REPLACE, OrderNotCancelable),
        (api_error(422, SUB_PENNY), Op.REPLACE, BrokerRuleBreached),
        (api_error(403, WASH), Op.SUBMIT, BrokerRuleBreached),
        # 40010001 is the duplicate code and the validation code: the broker looks up.
        (api_error(422, {"code": 40010001, "message": "qty"}), Op.SUBMIT, DuplicateClientOrderId),
        (api_error(422, FILLED), Op.SUBMIT, BrokerRejected),
        (api_error(403, {"code": 40310100, "message": "pdt"}), Op.SUBMIT, BrokerRejected),
        (api_error(429, {"message": "rate limit exceeded"}), Op.SUBMIT, RateLimited),
        (api_error(500, ""), Op.SUBMIT, TransientBrokerError),
        (api_error(502, "<html>Bad Gateway</html>"), Op.READ, TransientBrokerError),
        (requests.ReadTimeout("slow"), Op.SUBMIT, TransientBrokerError),
        (requests.ConnectionError("reset"), Op.SUBMIT, TransientBrokerError),
        (TypeError("'NoneType' object is not a mapping"), Op.SUBMIT, TransientBrokerError),
    ],
)  # fmt: skip
def test_each_answer_becomes_the_domain_error_that_says_what_it_means(
    error: Exception, operation: Operation, expected: type
) -> None:
    translated = translate(error, operation)
    assert type(translated) is expected


def test_business_refusals_keep_alpacas_code_and_message() -> None:
    refused = translate(api_error(403, BUYING_POWER), Op.SUBMIT)
    assert isinstance(refused, InsufficientBuyingPower)
    assert refused.code == "40310000"
    assert refused.reason == "insufficient buying power"


def test_retry_after_wins_over_the_reset_time() -> None:
    headers = {"Retry-After": "2", "X-RateLimit-Reset": "1000"}
    assert retry_after_s(headers, wall=lambda: 990.0) == 2.0


def test_the_reset_time_is_honoured_relative_to_now() -> None:
    headers = {"X-RateLimit-Reset": "1000"}
    assert retry_after_s(headers, wall=lambda: 998.5) == 1.5
    assert retry_after_s(headers, wall=lambda: 1001.0) == 0.0
    assert retry_after_s({}, wall=lambda: 0.0) is None
    limited = translate(
        api_error(429, {"message": "x"}, {"X-RateLimit-Reset": "1000"}),
        Op.READ,
        wall=lambda: 997.0,
    )
    assert isinstance(limited, RateLimited)
    assert limited.retry_after_s == 3.0


UNPROVEN = [
    api_error(408, {"message": "request timeout"}),
    api_error(409, {"code": 40910000, "message": "conflict"}),
    api_error(418, {"code": 41810000, "message": "teapot"}),
    api_error(425, {"message": "too early"}),
    api_error(400, "<html>bad gateway page</html>"),
    api_error(404, NOT_FOUND),
    api_error(422),
    api_error(422, {"code": 42299999, "message": "unknown"}),
    api_error(403, {"code": 40399999, "message": "unknown"}),
]


@pytest.mark.parametrize("error", UNPROVEN, ids=lambda e: f"HTTP{e.status_code}")
def test_a_submit_answer_that_does_not_prove_non_acceptance_is_an_unknown_outcome(
    error: APIError,
) -> None:
    """Issue 17 (1): only documented refusals reject; the rest is settled by id."""
    translated = translate(error, Op.SUBMIT)
    assert type(translated) is TransientBrokerError
    assert translated.retryable


def test_a_duplicate_is_recognised_by_alpacas_code_not_by_the_message() -> None:
    """Issue 17 (1): 422 code 40010001 (docs/alpaca.md §5.2 (a)), whatever the wording."""
    reworded = {"code": 40010001, "message": "order id already used"}
    assert (
        type(translate(api_error(422, reworded), Op.SUBMIT)) is DuplicateClientOrderId
    )
    same_words = {"code": 42210000, "message": "client_order_id must be unique"}
    assert type(translate(api_error(422, same_words), Op.SUBMIT)) is BrokerRejected


@pytest.mark.parametrize("status", [408, 425])
def test_try_again_statuses_are_transient_for_every_operation(status: int) -> None:
    for operation in Op:
        assert type(translate(api_error(status), operation)) is TransientBrokerError
