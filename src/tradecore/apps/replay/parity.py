"""``tradecore-replay parity``: live on the emulator vs replay, over the same bars.

The live side is a real ``tradecore-live run --emulator`` process (paper, the
real alpaca-py client) against an emulator started here on a free loopback port
with the same seed, cash and fill model; the replay side is ``tradecore-replay
run`` in this process. Both stores are kept in ``--out`` (``live.db``,
``replay/``) next to ``parity.json`` and ``parity.txt``; the exit code is non-zero
when anything differs (see :mod:`tradecore.apps.replay.parity_report`).
"""

from __future__ import annotations

import os
import subprocess  # runs this interpreter's live CLI, argv lists only  # nosec B404
import sys
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from tradecore.adapters.data.bar_files import load_bar_files
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.config.settings import load_settings
from tradecore.apps.replay import parity_report
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.apps.replay.runner import replay
from tradecore.apps.replay.venue import bar_interval
from tradecore.apps.wiring import errors
from tradecore.apps.wiring.cli_app import renamed_option
from tradecore.apps.wiring.errors import cli_errors
from tradecore.apps.wiring.strategy_loader import parse_params
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import from_ns
from tradecore.domain.validation import to_decimal

FILL_MODEL = "ideal"
#: How long the live process may take before the comparison gives up on it.
LIVE_TIMEOUT_S = 900


def parity(
    out: Annotated[Path, typer.Option("--out", help="Empty folder for the report.")],
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Folder of SYMBOL.csv / SYMBOL.parquet."),
    ] = None,
    old_bars: Annotated[
        Path | None, typer.Option("--bars", hidden=True, help="Old name of --data.")
    ] = None,
    strategy: Annotated[
        str, typer.Option(help="Bundled name or package.module:Class.")
    ] = "sma_cross",
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Strategy parameter k=v.")
    ] = None,
    cash: Annotated[str, typer.Option(help="Opening cash of both runs.")] = "1000000",
    seed: Annotated[int, typer.Option(help="Seed of both brokers.")] = 7,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="One TOML configuration for both sides ([risk], [market]); the "
            "live side's [broker] is the emulator, so the file must not set one.",
        ),
    ] = None,
) -> None:
    """Run live (emulator, paper) and replay over the same bars; compare; report."""
    with cli_errors():
        # Read first: a bad file is refused before anything runs.
        bars = renamed_option("--data", data, "--bars", old_bars)
        if bars is None:
            raise ConfigurationError("give --data DIR: the bars both runs trade")
        settings = load_settings(config, None)
        shared = _shared_config(config)
        if out.exists() and any(out.iterdir()):
            raise ConfigurationError(f"--out {out} is not empty: give a new folder")
        out.mkdir(parents=True, exist_ok=True)
        params = parse_params(param or [])
        opening = to_decimal("cash", cash)
        replay(
            bars,
            strategy,
            params,
            fill_model=FILL_MODEL,
            cash=opening,
            seed=seed,
            out=out / "replay",
            calendar=settings.market.calendar,
            risk=settings.risk,
            progress=False,
        )
        live_url = f"sqlite:///{out / 'live.db'}"
        _run_live(bars, out, live_url, strategy, param or [], opening, seed, shared)
        report = parity_report.compare(
            parity_report.read_run(live_url),
            parity_report.read_run(f"sqlite:///{out / 'replay' / STORE_FILE}"),
        )
        report["inputs"] = {
            "bars": str(bars),
            "strategy": strategy,
            "params": sorted(param or []),
            "seed": seed,
            "cash": str(opening),
            "fill_model": FILL_MODEL,
            "config": None if config is None else str(config),
        }
        parity_report.write(out, report)
    typer.echo(parity_report.table(report), nl=False)
    if not report["parity"]:
        raise typer.Exit(errors.PARITY_MISMATCH)


def _shared_config(config: Path | None) -> str:
    """The text of ``config`` for the live side ("" without one).

    Raises:
        ConfigurationError: it sets ``[broker]`` (the live side trades the emulator).
    """
    if config is None:
        return ""
    text = config.read_text(encoding="utf-8")
    if "broker" in tomllib.loads(text):
        raise ConfigurationError(
            f"--config {config} sets [broker]: the parity check's live side trades "
            "its own emulator; remove the table"
        )
    return text


def _run_live(
    bars: Path,
    out: Path,
    url: str,
    strategy: str,
    params: list[str],
    cash: Decimal,
    seed: int,
    shared: str,
) -> None:
    """``tradecore-live run --emulator`` in a child process against our emulator.

    ``shared`` is the text of the configuration both sides run under; the child's
    file is it plus the emulator's ``[broker]`` table.

    Raises:
        ConfigurationError: the live run failed (its output is in ``live.log``).
    """
    # Imported here: the emulator needs the optional 'emulator' extra.
    from tradecore.adapters.alpaca_emulator import (
        DEFAULT_KEY_ID,
        DEFAULT_SECRET_KEY,
        EmulatorConfig,
        EmulatorServer,
    )

    frames = load_bar_files(bars)
    start = from_ns(min(int(f.timestamps[0]) for f in frames if len(f)))
    config = EmulatorConfig(
        seed=seed,
        start=start,
        fill_model=FILL_MODEL,
        starting_cash=cash,
        bar_interval=bar_interval(frames),
    )
    open_store(url, upgrade=True).close()
    with EmulatorServer(config) as server:
        toml = out / "live.toml"
        toml.write_text(
            f'{shared}\n[broker]\nkind = "alpaca"\nbase_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n'
        )
        command = [
            sys.executable,
            "-m",
            "tradecore.apps.live.main",
            "--config",
            str(toml),
        ]
        command += ["--database-url", url, "run", "--data", str(bars), "--emulator"]
        command += ["--strategy", strategy, "--cash", str(cash), "--seed", str(seed)]
        command += [f"--param={p}" for p in params]
        # The child reads only this run's settings: no TRADECORE_* from the caller.
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADECORE_")}
        env |= {
            "APCA_API_KEY_ID": DEFAULT_KEY_ID,
            "APCA_API_SECRET_KEY": DEFAULT_SECRET_KEY,
        }
        done = subprocess.run(  # noqa: S603 - argv built here, no shell  # nosec B603
            command, env=env, capture_output=True, text=True, timeout=LIVE_TIMEOUT_S
        )
    (out / "live.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise ConfigurationError(
            f"the live run failed (exit {done.returncode}); see {out / 'live.log'}: "
            f"{done.stderr.strip().splitlines()[-1:] or ''}"
        )
