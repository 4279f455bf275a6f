"""Every configuration value is checked for its type (issue 17, "Config and inputs").

Before: ``restricted_symbols = "AAPL"`` was structured as ``("A", "L", "P")`` and AAPL
traded; ``kill_switch_codes`` and ``trusted_public_keys`` were split the same way;
``url = 5`` became ``"5"``; a flag accepted ``1``; the environment's ``"9000"`` was a
conflict with the file's ``9000``; any port was accepted; an empty API key was a
domain error instead of a missing secret.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import attrs
import cattrs
import pytest

from tradecore.adapters.logging_json import configure_json_logging
from tradecore.apps.config.secrets import alpaca_credentials
from tradecore.apps.config.settings import load_settings, redacted, secret_values
from tradecore.apps.config.strict import register_strict_hooks
from tradecore.domain.errors import ConfigurationError, MissingSecret


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tc.toml"
    path.write_text(text)
    return path


def _refusal(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigurationError) as raised:
        load_settings(_toml(tmp_path, text), env or {}, {})
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[risk]\nrestricted_symbols = "AAPL"\n', "risk.restricted_symbols"),
        (
            '[risk.strategies.m]\nrestricted_symbols = "AAPL"\n',
            "risk.strategies['m'].restricted_symbols",
        ),
        (
            '[alerts]\nkill_switch_codes = "breaker.daily_loss"\n',
            "alerts.kill_switch_codes",
        ),
        (
            '[signing]\ntrusted_public_keys = "' + "ab" * 32 + '"\n',
            "signing.trusted_public_keys",
        ),
        (
            '[alerts.smtp]\nhost = "h"\nsender = "a@x"\nrecipients = "ops@x"\n',
            "alerts.smtp.recipients",
        ),
        ('[[alerts.routes]]\nsinks = "log"\n', "alerts.routes[0].sinks"),
    ],
)
def test_restricted_symbols_as_a_string_is_refused_not_split_into_letters(
    tmp_path: Path, text: str, key: str
) -> None:
    message = _refusal(tmp_path, text)
    assert f"{key} = '" in message
    assert "expected a list" in message
    assert "not a string" in message


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[store]\nurl = 5\n", "store.url = 5: expected a string"),
        (
            "[observability]\nenabled = 1\n",
            "observability.enabled = 1: expected true or false",
        ),
        (
            "[observability]\nport = 9.5\n",
            "observability.port = 9.5: expected a whole number",
        ),
        ("[alerts]\nwindow_s = true\n", "alerts.window_s = True: expected a number"),
        (
            '[alerts]\nwindow_s = "soon"\n',
            "alerts.window_s = 'soon': expected a number",
        ),
        (
            "[market]\nextended_hours = 0\n",
            "market.extended_hours = 0: expected true or false",
        ),
        ("[risk]\nmax_order_notional = true\n", "risk.max_order_notional = True"),
        ("[risk]\nmax_order_notional = [1]\n", "risk.max_order_notional = [1]"),
        ('[risk]\nmarket_hours = "always"\n', "expected one of 'regular', 'extended'"),
        ("[risk]\nrestricted_symbols = [1]\n", "risk.restricted_symbols[0] = 1"),
        ('[execution]\nspread_bps_by_symbol = "x"\n', "expected a table, not a string"),
        ("store = 1\n", "store = 1: expected a table"),
        ('[alerts]\nroutes = ["x"]\n', "alerts.routes[0] = 'x': expected a table"),
        ('[broker]\nkind = "alpaka"\n', "broker: kind='alpaka': expected one of"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_key_value_and_type(
    tmp_path: Path, text: str, named: str
) -> None:
    assert named in _refusal(tmp_path, text)


def test_an_environment_number_equal_to_the_files_is_no_conflict(
    tmp_path: Path,
) -> None:
    path = _toml(tmp_path, "[observability]\nport = 9000\n")
    same = load_settings(path, {"TRADECORE_METRICS_PORT": "9000"}, {})
    assert same.observability.port == 9000
    with pytest.raises(ConfigurationError, match="set twice with different values"):
        load_settings(path, {"TRADECORE_METRICS_PORT": "9001"}, {})
    assert (
        load_settings(None, {"TRADECORE_METRICS_PORT": "9100"}, {}).observability.port
        == 9100
    )


@pytest.mark.parametrize(
    "text",
    [
        "[observability]\nport = 70000\n",
        "[observability]\nport = -1\n",
        '[alerts.smtp]\nhost = "h"\nsender = "a@x"\nrecipients = ["o@x"]\nport = 0\n',
        '[alerts.smtp]\nhost = "h"\nsender = "a@x"\nrecipients = ["o@x"]\nport = 65536\n',
    ],
)
def test_a_port_outside_1_to_65535_is_refused(tmp_path: Path, text: str) -> None:
    assert "expected a port in 1-65535" in _refusal(tmp_path, text)


def test_a_port_from_the_environment_outside_the_range_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="port=99999"):
        load_settings(None, {"TRADECORE_METRICS_PORT": "99999"}, {})
    assert load_settings(None, {}, {}).observability.port == 0  # 0: off


@pytest.mark.parametrize(
    "env",
    [
        {"APCA_API_KEY_ID": "", "APCA_API_SECRET_KEY": ""},
        {"APCA_API_KEY_ID": "key", "APCA_API_SECRET_KEY": ""},
        {"APCA_API_KEY_ID": "  ", "APCA_API_SECRET_KEY": "secret"},
        {"TRADECORE_ALPACA_KEY_ID": "", "TRADECORE_ALPACA_SECRET_KEY": "s"},
    ],
)
def test_an_empty_credential_is_a_missing_secret(env: dict[str, str]) -> None:
    with pytest.raises(MissingSecret):
        alpaca_credentials(env)


SMTP = (
    '[alerts.smtp]\nhost = "mail.example.test"\nsender = "tc@example.test"\n'
    'recipients = ["ops@example.test"]\nusername = "smtp-login-name"\n'
)


def test_the_smtp_username_is_redacted_in_views_and_logs(tmp_path: Path) -> None:
    settings = load_settings(
        _toml(tmp_path, SMTP), {"TRADECORE_SMTP_PASSWORD": "pw-1"}, {}
    )
    assert redacted(settings)["alerts"]["smtp"]["username"] == "***"
    assert "smtp-login-name" in secret_values(settings)
    stream = io.StringIO()
    logger = logging.getLogger("tradecore.test.smtp_username")
    logger.propagate = False
    handler = configure_json_logging(
        stream=stream, secrets=secret_values(settings), logger=logger
    )
    try:
        logger.warning("login as smtp-login-name refused", extra={"username": "x"})
    finally:
        logger.removeHandler(handler)
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert "smtp-login-name" not in stream.getvalue()
    assert line["username"] == "***"


@attrs.frozen
class _Inner:
    size: int = 1


@attrs.frozen
class _Outer:
    given: _Inner = attrs.field(factory=_Inner)
    left_out: _Inner = attrs.field(factory=_Inner)


def test_a_table_hook_is_generated_on_its_first_value_only() -> None:
    """A section the configuration leaves out keeps its defaults without a hook
    being generated for it (start-up); a given one is structured strictly."""
    generated: list[type] = []

    class Counting(cattrs.Converter):
        def gen_structure_attrs_fromdict(self, cl: type) -> Any:
            generated.append(cl)
            return super().gen_structure_attrs_fromdict(cl)

    converter = Counting(forbid_extra_keys=True)
    register_strict_hooks(converter)
    assert converter.structure({}, _Outer) == _Outer()
    assert generated == [_Outer]
    got = converter.structure({"given": {"size": 3}}, _Outer)
    assert got == _Outer(given=_Inner(size=3))
    assert generated == [_Outer, _Inner]  # for "given"; "left_out" still has none
    assert converter.structure({"given": {"size": 4}}, _Outer).given.size == 4
    assert generated == [_Outer, _Inner]  # generated once, then reused
    with pytest.raises(cattrs.ClassValidationError):
        converter.structure({"given": {"size": "x"}}, _Outer)
