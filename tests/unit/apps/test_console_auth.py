"""The console's gatekeeping: token digests, sessions, CSRF, the login limiter,
the ``[console]`` config and the ``console`` / ``console token`` commands."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.apps.config.console import ConsoleSettings, OperatorSettings
from tradecore.apps.config.settings import load_settings, redacted
from tradecore.apps.console.auth import (
    Authenticator,
    LoginLimiter,
    Operator,
    ProxyCsrf,
    SessionBook,
    csrf_matches,
    new_token,
    token_digest,
)
from tradecore.apps.live.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.errors import ConfigurationError, InvalidInput


class Ticks:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_is_256_random_bits_and_its_digest_is_sha256() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) == 43 for t in tokens)  # 32 bytes, URL-safe base64
    token = next(iter(tokens))
    assert token_digest(token) == hashlib.sha256(token.encode()).hexdigest()


def test_the_authenticator_finds_the_operator_by_digest_only() -> None:
    auth = Authenticator(
        {
            "alice": OperatorSettings(token_sha256=token_digest("a"), role="operator"),
            "bob": OperatorSettings(token_sha256=token_digest("b"), role="read"),
            "proxied": OperatorSettings(role="operator"),  # no token: proxy only
        }
    )
    assert auth.by_token("a") == Operator("alice", "operator")
    assert auth.by_token("b") == Operator("bob", "read")
    assert auth.by_token("c") is None
    assert auth.by_token("") is None  # the proxy-only operator has no token
    assert auth.by_token(token_digest("a")) is None  # the digest is not the token
    assert auth.by_name("proxied") == Operator("proxied", "operator")
    assert auth.by_name("mallory") is None
    assert Operator("alice", "operator").may_act
    assert not Operator("bob", "read").may_act


def test_sessions_expire_and_close() -> None:
    ticks = Ticks()
    book = SessionBook(60.0, ticks)
    sid, session = book.open(Operator("alice", "operator"))
    other, _ = book.open(Operator("alice", "operator"))
    assert sid != other
    assert book.get(sid) == session
    assert book.get("forged") is None
    assert book.get(None) is None
    ticks.now += 59
    assert book.get(sid) == session
    ticks.now += 1
    assert book.get(sid) is None
    book.close(other)
    assert book.get(other) is None


def test_csrf_tokens_compare_only_when_both_are_there() -> None:
    assert csrf_matches("abc", "abc")
    assert not csrf_matches("abc", "abd")
    assert not csrf_matches("", "")
    assert not csrf_matches(None, "abc")
    assert not csrf_matches("abc", None)
    proxy, again = ProxyCsrf(), ProxyCsrf()
    assert proxy.token_for("alice") == proxy.token_for("alice")
    assert proxy.token_for("alice") != proxy.token_for("bob")
    assert proxy.token_for("alice") != again.token_for("alice")  # a key per process


def test_failed_logins_are_limited_per_client_and_forgiven_over_time() -> None:
    ticks = Ticks()
    limiter = LoginLimiter(burst=3, refill_s=30, clock=ticks)
    for _ in range(3):
        assert not limiter.blocked("10.0.0.1")
        limiter.failed("10.0.0.1")
    assert limiter.blocked("10.0.0.1")
    assert not limiter.blocked("10.0.0.2")  # per client
    ticks.now += 29
    assert limiter.blocked("10.0.0.1")
    ticks.now += 1
    assert not limiter.blocked("10.0.0.1")  # one forgiven
    limiter.failed("10.0.0.1")
    assert limiter.blocked("10.0.0.1")


def test_the_console_config_is_validated_and_its_digests_redacted(
    tmp_path: Path,
) -> None:
    with pytest.raises(InvalidInput, match="64 lowercase hex"):
        OperatorSettings(token_sha256="not-hex")
    with pytest.raises(ValueError, match="role"):
        OperatorSettings(role="admin")
    with pytest.raises(InvalidInput, match="HTTP header"):
        ConsoleSettings(trusted_proxy_header="X User")
    digest = token_digest("t")
    config = tmp_path / "c.toml"
    config.write_text(
        f'[console]\nport = 9000\n[console.operators.alice]\ntoken_sha256 = "{digest}"\n'
    )
    settings = load_settings(config)
    assert settings.console.port == 9000
    assert settings.console.operators["alice"].role == "read"
    assert digest not in str(redacted(settings))
    config.write_text("[console.operators.alice]\ntoken = 'plain'\n")
    with pytest.raises(ConfigurationError, match="token"):
        load_settings(config)


def test_console_token_prints_a_token_and_config_that_accepts_it(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        app, ["console", "token", "--name", "alice", "--role", "operator"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    token = lines[1].strip()
    config = tmp_path / "c.toml"
    config.write_text("\n".join(lines[lines.index("[console.operators.alice]") :]))
    settings = load_settings(config)
    auth = Authenticator(settings.console.operators)
    assert auth.by_token(token) == Operator("alice", "operator")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Alice Smith"], "--name"),
        (["--name", "alice", "--role", "root"], "--role"),
    ],
)
def test_console_token_refuses_bad_input_in_one_line(
    args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["console", "token", *args])
    assert result.exit_code in (errors.USAGE, errors.DOMAIN)
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_console_refuses_to_start_with_nobody_allowed_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    result = CliRunner().invoke(app, ["--database-url", url, "console"])
    assert result.exit_code == errors.CONFIG_OR_AUTH, result.output
    assert "nobody may use the console" in result.output
