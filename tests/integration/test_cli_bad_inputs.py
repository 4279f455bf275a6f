"""Bad input never shows a user a traceback (issue 17, "Config and inputs").

Each case runs the real console command in a subprocess and asserts its exit code,
one ``error:`` line naming what was wrong, and no ``Traceback``. Before: a
header-only CSV or a Parquet file without rows crashed ``tradecore-live run`` with
``min() arg is an empty sequence``; non-UTF-8 bytes raised ``UnicodeDecodeError``;
spaces in a CSV header raised ``ArrowKeyError``; a deeply nested TOML file raised
``RecursionError`` and a non-UTF-8 one ``UnicodeDecodeError``; ``--strategy os:system``
called ``os.system()``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.risk_support import sqlite_store
from tradecore.apps.wiring import errors

HEADER = b"timestamp,open,high,low,close,volume\n"
ROW = b"2026-01-05T14:30:00Z,10,11,9,10.5,100\n"


def _cli(
    app: str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> tuple[int, str]:
    code = f"from tradecore.apps.{app}.main import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def _one_clear_line(output: str, *named: str) -> None:
    assert "Traceback" not in output
    errors_shown = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors_shown) == 1, output
    for text in named:
        assert text in errors_shown[0], output


def _bars(tmp_path: Path, name: str, content: bytes) -> Path:
    folder = tmp_path / "bars"
    folder.mkdir()
    (folder / name).write_bytes(content)
    return folder


def _empty_parquet(tmp_path: Path) -> Path:
    folder = tmp_path / "bars"
    folder.mkdir()
    columns = {"timestamp": pa.array([], pa.timestamp("ns", tz="UTC"))}
    columns |= {
        c: pa.array([], pa.float64())
        for c in ("open", "high", "low", "close", "volume")
    }
    pq.write_table(pa.table(columns), folder / "AAA.parquet")
    return folder


BAD_BARS = {
    "header_only_csv": (lambda p: _bars(p, "AAA.csv", HEADER), "holds no bars"),
    "empty_parquet": (_empty_parquet, "holds no bars"),
    "non_utf8_bytes_in_a_row": (
        lambda p: _bars(p, "AAA.csv", HEADER + b"2026-01-05T14:30:00Z,1,1,1,1,\xff\n"),
        "AAA.csv line 2",
    ),
    "non_utf8_bytes_in_the_header": (
        lambda p: _bars(p, "AAA.csv", b"\xfe" + HEADER + ROW),
        "not UTF-8",
    ),
}


@pytest.mark.heavy
@pytest.mark.parametrize("case", sorted(BAD_BARS))
def test_bad_bar_files_give_one_line_and_exit_3_in_replay_and_live(
    tmp_path: Path, case: str
) -> None:
    make, named = BAD_BARS[case]
    bars = make(tmp_path)
    code, output = _cli(
        "replay", "run", "--data", str(bars), "--out", "out", cwd=tmp_path
    )
    assert code == errors.DOMAIN, output
    _one_clear_line(output, named)

    db = tmp_path / "live.db"
    sqlite_store(db).close()
    config = tmp_path / "live.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{db}"\n[broker]\nkind = "simulated"\n'
    )
    code, output = _cli(
        "live", "--config", str(config), "run", "--bars", str(bars), cwd=tmp_path
    )
    assert code == errors.DOMAIN, output
    _one_clear_line(output, named)


def test_spaces_in_a_csv_header_are_read_as_the_names_they_surround(
    tmp_path: Path,
) -> None:
    header = b"timestamp, open , high,low ,close,volume\n"
    bars = _bars(tmp_path, "AAA.csv", header + ROW + ROW.replace(b"14:30", b"14:31"))
    code, output = _cli(
        "replay", "run", "--data", str(bars), "--out", "out", cwd=tmp_path
    )
    assert code == errors.OK, output
    assert "Traceback" not in output


@pytest.mark.heavy
@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
        (b"x = " + b"{a = " * 3000 + b"1" + b"}" * 3000 + b"\n", "nested too deeply"),
        (b'[store]\nurl = "\xff\xfe"\n', "is not UTF-8 text"),
        (b'[risk]\nrestricted_symbols = "AAPL"\n', "risk.restricted_symbols = 'AAPL'"),
        (b"[observability]\nport = 70000\n", "expected a port in 1-65535"),
    ],
    ids=["deep_arrays", "deep_tables", "non_utf8", "string_for_list", "port"],
)
def test_a_bad_toml_file_gives_one_line_and_exit_5(
    tmp_path: Path, content: bytes, named: str
) -> None:
    config = tmp_path / "tc.toml"
    config.write_bytes(content)
    code, output = _cli("live", "--config", str(config), "config", "show", cwd=tmp_path)
    assert code == errors.CONFIG_OR_AUTH, output
    _one_clear_line(output, named)
    code, output = _cli(
        "replay", "run", "--demo", "--config", str(config), "--out", "out", cwd=tmp_path
    )
    assert code == errors.CONFIG_OR_AUTH, output
    _one_clear_line(output, named)


@pytest.mark.heavy
@pytest.mark.parametrize(
    ("strategy", "named"),
    [
        ("os:system", "is not a strategy class"),
        ("builtins:print", "is not a strategy class"),
        ("builtins:object", "has no on_bar method"),
        ("tradecore.domain.strategies.protocol:Strategy", "protocol or abstract class"),
        ("no_such_module_xyz:Thing", "cannot load strategy"),
        (":", "cannot load strategy"),
    ],
)
def test_strategy_os_system_is_refused_before_anything_is_called(
    tmp_path: Path, strategy: str, named: str
) -> None:
    marker = tmp_path / "called"
    code, output = _cli(
        "replay", "run", "--demo", "--strategy", strategy, "--param", f"command=touch {marker}",
        "--out", "out", cwd=tmp_path,
    )  # fmt: skip
    assert code == errors.CONFIG_OR_AUTH, output
    _one_clear_line(output, named, repr(strategy))
    assert not marker.exists()


def test_empty_api_keys_are_a_missing_secret_exit_9(tmp_path: Path) -> None:
    bars = _bars(tmp_path, "AAA.csv", HEADER + ROW)
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    config = tmp_path / "live.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{db}"\n[broker]\nkind = "alpaca"\n'
        'base_url = "http://127.0.0.1:9"\nstream_url = "ws://127.0.0.1:9/stream"\n'
    )
    empty = {"APCA_API_KEY_ID": "", "APCA_API_SECRET_KEY": ""}
    code, output = _cli(
        "live",
        "--config",
        str(config),
        "run",
        "--bars",
        str(bars),
        cwd=tmp_path,
        env=empty,
    )
    assert code == errors.MISSING_SECRET, output
    _one_clear_line(output, "no Alpaca API key")
