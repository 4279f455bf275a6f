"""The emulator answers a malformed body with a 4xx, never a 500 (issue 17).

Before: ``"order_class": ["bracket"]`` raised ``TypeError: unhashable type`` (500),
a deeply nested body raised ``RecursionError`` (500), and a bad control value
(``{"seconds": "soon"}``, ``{"bars": 5}``, ``{"storm": 1e400}``) raised from
``float()``/iteration/``int()`` (500). Fuzzed with hypothesis-generated JSON, on
loopback only, with a bounded number of examples.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradecore.adapters.alpaca_emulator.config import (
    DEFAULT_KEY_ID,
    DEFAULT_SECRET_KEY,
    EmulatorConfig,
)
from tradecore.adapters.alpaca_emulator.server import EmulatorServer

HEADERS = {
    "APCA-API-KEY-ID": DEFAULT_KEY_ID,
    "APCA-API-SECRET-KEY": DEFAULT_SECRET_KEY,
    "Content-Type": "application/json",
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=17)) as server:
        yield server


def _send(server: EmulatorServer, method: str, path: str, body: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=HEADERS)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _post(server: EmulatorServer, method: str, path: str, body: Any) -> int:
    return _send(server, method, path, json.dumps(body).encode())


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        ["AAPL", "buy", "sell", "market", "limit", "stop", "stop_limit", "day", "gtc",
         "bracket", "oto", "oco", "simple", "1", "-1", "0", "1e400", "NaN", "drop"]
    )
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
ORDER_KEYS = [
    "symbol", "side", "type", "time_in_force", "qty", "notional", "limit_price",
    "stop_price", "order_class", "take_profit", "stop_loss", "client_order_id",
    "extended_hours", "trail",
]  # fmt: skip
order_bodies = st.dictionaries(st.sampled_from(ORDER_KEYS), json_values, max_size=8)
CONTROL_KEYS = ["seconds", "to", "bars", "quotes", "through", "action", "storm", "errors",
                "error_status", "slow", "slow_delay_s", "lose_submits", "lose_mode"]  # fmt: skip
control_bodies = st.dictionaries(st.sampled_from(CONTROL_KEYS), json_values, max_size=4)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(body=order_bodies | json_values)
def test_fuzzed_order_bodies_get_4xx_not_500(
    emulator: EmulatorServer, body: Any
) -> None:
    status = _post(emulator, "POST", "/v2/orders", body)
    assert status < 500, body
    status = _post(emulator, "PATCH", "/v2/orders/no-such-order", body)
    assert status < 500, body


@FUZZ
@given(
    path=st.sampled_from(
        ["/_control/advance", "/_control/bars", "/_control/quotes", "/_control/stream"]
    ),
    body=control_bodies | json_values,
)
def test_fuzzed_control_bodies_get_4xx_not_500(
    emulator: EmulatorServer, path: str, body: Any
) -> None:
    if path == "/_control/advance" and isinstance(body, dict):
        body.pop("seconds", None) if _huge(body.get("seconds")) else None
    assert _post(emulator, "POST", path, body) < 500, body


@FUZZ
@given(body=control_bodies | json_values)
def test_fuzzed_fault_settings_get_4xx_not_500(
    emulator: EmulatorServer, body: Any
) -> None:
    try:
        assert _post(emulator, "POST", "/_control/faults", body) < 500, body
    finally:
        assert _send(emulator, "DELETE", "/_control/faults", b"") == 200


def _huge(seconds: object) -> bool:
    """Advancing virtual time by years would be slow, not wrong: not fuzzed."""
    try:
        return abs(float(seconds)) > 86_400  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return False


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v2/orders", b'{"symbol": "AAPL", "order_class": ["bracket"]}'),
        ("POST", "/v2/orders", b'{"symbol": "AAPL", "order_class": {"a": 1}}'),
        ("POST", "/v2/orders", b'{"a": ' * 100_000 + b"1" + b"}" * 100_000),
        ("POST", "/v2/orders", b"[" * 100_000 + b"]" * 100_000),
        ("POST", "/v2/orders", b"\xff\xfe{}"),
        ("POST", "/v2/orders", b'{"side": ["buy"], "type": {}, "qty": "1e999999999"}'),
        ("PATCH", "/v2/orders/x", b'{"qty": [1]}'),
        ("POST", "/_control/advance", b'{"seconds": "soon"}'),
        ("POST", "/_control/advance", b'{"seconds": [1]}'),
        ("POST", "/_control/advance", b'{"to": 5}'),
        ("POST", "/_control/bars", b'{"bars": 5}'),
        ("POST", "/_control/bars", b'{"bars": [5]}'),
        ("POST", "/_control/bars", b'{"bars": [{"o": "x", "h": 1, "l": 1, "c": 1}]}'),
        ("POST", "/_control/quotes", b'{"quotes": ["x"]}'),
        ("POST", "/_control/quotes", b'{"quotes": [{"bp": [1]}]}'),
        ("POST", "/_control/stream", b'{"action": ["drop"]}'),
        ("POST", "/_control/faults", b'{"storm": 1e400}'),
        ("POST", "/_control/faults", b'{"error_status": -5}'),
        ("POST", "/_control/faults", b'{"slow_delay_s": "x"}'),
    ],
)
def test_order_class_as_a_list_deep_nesting_and_bad_control_values_are_4xx(
    emulator: EmulatorServer, method: str, path: str, body: bytes
) -> None:
    try:
        assert 400 <= _send(emulator, method, path, body) < 500
    finally:
        _send(emulator, "DELETE", "/_control/faults", b"")
