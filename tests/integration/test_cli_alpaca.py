"""The secrets commands of tradecore-live, key resolution, and the emulator command."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.adapters.alpaca import AlpacaCredentials
from tradecore.adapters.alpaca_emulator import EmulatorControl
from tradecore.adapters.secrets import encrypt_secrets, new_master_key
from tradecore.apps.config.secrets import alpaca_credentials
from tradecore.apps.live.main import app as live_app
from tradecore.apps.replay.main import app as replay_app
from tradecore.apps.wiring.errors import CONFIG_OR_AUTH, MISSING_SECRET
from tradecore.domain.errors import ConfigurationError

KEY_ID, SECRET = "PKLIVEKEYID0001", "very-secret-value-42"
PLAINTEXT = f'[alpaca]\nkey_id = "{KEY_ID}"\nsecret_key = "{SECRET}"\n'.encode()


@pytest.fixture
def master() -> str:
    return new_master_key()


@pytest.fixture
def encrypted(tmp_path: Path, master: str) -> Path:
    path = tmp_path / "secrets.enc"
    path.write_bytes(encrypt_secrets(PLAINTEXT, master))
    return path


def test_encrypt_then_check_lists_names_and_never_values(
    tmp_path: Path, master: str
) -> None:
    plain, out = tmp_path / "secrets.toml", tmp_path / "secrets.enc"
    plain.write_bytes(PLAINTEXT)
    runner = CliRunner()
    env = {"TRADECORE_MASTER_KEY": master}
    made = runner.invoke(
        live_app, ["secrets", "encrypt", str(plain), "-o", str(out)], env=env
    )
    assert made.exit_code == 0, made.output
    checked = runner.invoke(live_app, ["secrets", "check", str(out)], env=env)
    assert checked.exit_code == 0, checked.output
    assert "[alpaca] key_id, secret_key" in checked.output
    for output in (made.output, checked.output):
        assert SECRET not in output
        assert KEY_ID not in output
    assert SECRET.encode() not in out.read_bytes()


def test_a_wrong_or_missing_master_key_fails_closed(encrypted: Path) -> None:
    runner = CliRunner()
    wrong = runner.invoke(
        live_app,
        ["secrets", "check", str(encrypted)],
        env={"TRADECORE_MASTER_KEY": new_master_key()},
    )
    assert wrong.exit_code == CONFIG_OR_AUTH
    assert "cannot decrypt" in wrong.output
    missing = runner.invoke(
        live_app, ["secrets", "check", str(encrypted)], env={"TRADECORE_MASTER_KEY": ""}
    )
    assert missing.exit_code == MISSING_SECRET
    assert "TRADECORE_MASTER_KEY is not set" in missing.output


def test_keygen_prints_a_usable_master_key(tmp_path: Path) -> None:
    key = CliRunner().invoke(live_app, ["secrets", "keygen"]).output.strip()
    assert encrypt_secrets(PLAINTEXT, key)


def test_keys_come_from_the_environment_under_either_name() -> None:
    expected = AlpacaCredentials(key_id=KEY_ID, secret_key=SECRET)
    for key_var, secret_var in [
        ("APCA_API_KEY_ID", "APCA_API_SECRET_KEY"),
        ("TRADECORE_ALPACA_KEY_ID", "TRADECORE_ALPACA_SECRET_KEY"),
    ]:
        assert alpaca_credentials({key_var: KEY_ID, secret_var: SECRET}) == expected


def test_keys_come_from_the_encrypted_file(encrypted: Path, master: str) -> None:
    env = {"TRADECORE_SECRETS_FILE": str(encrypted), "TRADECORE_MASTER_KEY": master}
    credentials = alpaca_credentials(env)
    assert credentials == AlpacaCredentials(key_id=KEY_ID, secret_key=SECRET)
    assert SECRET not in repr(credentials)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "no Alpaca API key"),
        ({"APCA_API_KEY_ID": KEY_ID}, "APCA_API_SECRET_KEY is not set"),
        (
            {
                "APCA_API_KEY_ID": KEY_ID,
                "APCA_API_SECRET_KEY": SECRET,
                "TRADECORE_ALPACA_KEY_ID": "OTHER",
                "TRADECORE_ALPACA_SECRET_KEY": SECRET,
            },
            "differ",
        ),
    ],
)
def test_missing_half_set_or_conflicting_keys_are_refused(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as raised:
        alpaca_credentials(env)
    assert SECRET not in str(raised.value)


def test_a_secrets_file_without_the_master_key_is_refused(encrypted: Path) -> None:
    with pytest.raises(ConfigurationError, match="TRADECORE_MASTER_KEY"):
        alpaca_credentials({"TRADECORE_SECRETS_FILE": str(encrypted)})


def test_the_emulator_refuses_to_serve_beyond_loopback() -> None:
    result = CliRunner().invoke(replay_app, ["emulator", "--host", "0.0.0.0"])
    assert result.exit_code == CONFIG_OR_AUTH
    assert "loopback only" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_emulator_command_serves_the_control_api() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "tradecore.apps.replay.main", "emulator"]
    command += ["--port", str(port), "--seed", "11", "--start", "2026-02-02T15:00:00Z"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        control = EmulatorControl(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 20
        while True:
            try:
                state = control.state()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "emulator did not come up"
                time.sleep(0.05)
        assert state["now"] == "2026-02-02T15:00:00Z"
        assert control.advance(60)["now"] == "2026-02-02T15:01:00Z"
    finally:
        process.terminate()
        process.wait(10)
        for pipe in (process.stdout, process.stderr):
            assert pipe is not None
            pipe.close()
