"""``tradecore-replay divergence`` on a live emulator day: a partial fill and a reject
are named, with their P&L effects; a clean day has no differences.

The live side is ``tradecore-live run --emulator --record-lake`` (the real alpaca-py
client against the Alpaca-protocol emulator, the bars recorded as served). Two things
go wrong on the faulty day, injected into the emulator:

- the first order submitted (MSFT's buy decided at 14:38) is answered 403 "insufficient
  buying power" (the emulator's ``errors`` fault on ``submit_order``);
- the venue takes at most half of a bar's volume, and AAPL's 15:07 bar traded only
  4 shares: the buy decided at 15:07 fills 2 at that bar's open and 3 at the next
  bar's. The replay's ideal venue (no liquidity cap) fills all 5 at once.

Expected P&L effects are computed here from the bars, independently of the report:
the partial fill paid the next open for 3 shares, ``3 × (open₃₇ − open₃₈)``; the
reject missed the replay's 5 shares bought at the next open and marked to the
session's last close, ``−5 × (close − open₈)``.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from typer.testing import CliRunner

from tests.alpaca_harness import CREDENTIALS
from tests.risk_support import sqlite_store
from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app as live_app
from tradecore.apps.replay.main import build_app
from tradecore.apps.wiring.errors import CONFIG_OR_AUTH
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.orders.money import to_price
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel, LiquidityConfig

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
BARS = 45
THIN_BAR = 37  # AAPL 15:07, the bar the 15:07 buy fills on
PARAMS = ["--param=fast=3", "--param=slow=8", "--param=qty=5"]
ENV = {
    "APCA_API_KEY_ID": CREDENTIALS.key_id,
    "APCA_API_SECRET_KEY": CREDENTIALS.secret_key,
}
#: Alpaca's 403 for an order it refuses (insufficient buying power or quantity).
REJECT = {
    "errors": 1,
    "error_route": "submit_order",
    "error_status": 403,
    "error_code": 40310000,
}


@attrs.frozen(kw_only=True)
class ThinMarket(EmulatorConfig):
    """An emulator whose venue takes at most half of each bar's volume (else ideal)."""

    def venue_config(self) -> VenueConfig:
        capped = attrs.evolve(
            FillModel.ideal(), liquidity=LiquidityConfig(max_participation=0.5)
        )
        return attrs.evolve(super().venue_config(), fill_model=capped)


def _frames(thin: bool) -> list[BarFrame]:
    frames = generate_bars(["AAPL", "MSFT"], BARS, start=START, seed=4)
    if not thin:
        return frames
    aapl = frames[0]
    volume = np.array(aapl.volume, copy=True)
    volume[THIN_BAR] = 4.0
    names = ("symbol", "timestamps", "open", "high", "low", "close")
    return [BarFrame(**{n: getattr(aapl, n) for n in names}, volume=volume), frames[1]]


def _live_day(
    tmp: Path,
    frames: list[BarFrame],
    config: EmulatorConfig,
    faults: dict[str, Any],
    strategy: tuple[str, ...] = tuple(PARAMS),
    settings: str = "",
) -> tuple[str, Path]:
    """Trade the day live on the emulator, recording; the store's URL and the TOML."""
    bars, lake, db = tmp / "bars", tmp / "lake", tmp / "live.db"
    if not bars.exists():
        write_bar_files(bars, frames)
    sqlite_store(db).close()
    url = f"sqlite:///{db}"
    with EmulatorServer(config) as server:
        if faults:
            EmulatorControl(server.base_url).faults(**faults)
        toml = tmp / "live.toml"
        toml.write_text(
            f'[broker]\nkind = "alpaca"\nbase_url = "{server.base_url}"\n'
            f'stream_url = "{server.stream_url}"\n[data]\nrecord_lake = "{lake}"\n'
            f"{settings}"
        )
        args = ["--config", str(toml), "--database-url", url, "run"]
        args += ["--data", str(bars), "--emulator", *strategy]
        live = CliRunner().invoke(live_app, args, env=ENV)
    assert live.exit_code == 0, live.output
    return url, toml


def _divergence(
    store: str, toml: Path, out: Path, *extra: str, params: bool = True
) -> Any:
    args = ["divergence", "--store", store, "--date", "2026-01-05"]
    args += ["--config", str(toml), "--out", str(out), "--fill-model", "ideal"]
    return CliRunner().invoke(build_app(), [*args, *(PARAMS if params else []), *extra])


def _signed_run(bars: Path, out: Path, *params: str) -> Path:
    """A replay's signed manifest (development key) for ``params``."""
    args = ["run", "--data", str(bars), "--fill-model", "ideal", "--seed", "7"]
    result = CliRunner().invoke(build_app(), [*args, *params, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "manifest.json"


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "divergence.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _price(frame: BarFrame, column: str, index: int) -> Decimal:
    return to_price(float(getattr(frame, column)[index]))


@pytest.mark.heavy
def test_a_partial_fill_and_a_reject_are_named_with_their_pnl(tmp_path: Path) -> None:
    frames = _frames(thin=True)
    config = ThinMarket(seed=7, start=START, fill_model="ideal")
    url, toml = _live_day(tmp_path, frames, config, REJECT)
    out = tmp_path / "report"
    result = _divergence(url, toml, out)
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("divergence 2026-01-05: 3 differences")
    assert "partial_fill 1" in line
    assert "reject 1" in line

    rows = {r["kind"]: r for r in _rows(out)}
    aapl, msft = frames
    reject = rows["reject"]
    assert (reject["symbol"], reject["time"]) == ("MSFT", "2026-01-05T14:38:00+00:00")
    assert reject["strategy"] == "sma_cross_3_8"
    assert "rejected:40310000" in reject["live"]
    assert reject["replay"].startswith("buy 5 filled 5")
    close, bought = _price(msft, "close", BARS - 1), _price(msft, "open", 8)
    assert Decimal(reject["pnl_effect"]) == -5 * (close - bought)

    partial = rows["partial_fill"]
    assert (partial["symbol"], partial["time"]) == ("AAPL", "2026-01-05T15:07:00+00:00")
    assert partial["cause"] == "live filled 2 of 5 at first (5 in 2 fills in all)"
    first, second = _price(aapl, "open", THIN_BAR), _price(aapl, "open", THIN_BAR + 1)
    assert Decimal(partial["pnl_effect"]) == 3 * (first - second)
    assert partial["replay"] == f"buy 5 filled 5 @ {first}"

    # the knock-on: without the rejected buy, live had nothing to sell at 14:40
    knock_on = rows["decision_only_replay"]
    assert knock_on["symbol"] == "MSFT"
    assert "the replay held 5 when deciding" in knock_on["cause"]

    page = (out / "divergence.md").read_text()
    total = sum((Decimal(r["pnl_effect"]) for r in rows.values()), Decimal(0))
    cents = f"{total.quantize(Decimal('0.01')):+f}"
    assert f"marked to the session close): **{cents}**" in page
    assert "| reject | 1 |" in page
    assert "| partial_fill | 1 |" in page
    assert "the live run's" in page  # the configuration replayed is live's

    # another strategy than live's is refused, naming both
    wrong = _divergence(url, toml, tmp_path / "wrong", "--param=slow=9")
    assert wrong.exit_code == CONFIG_OR_AUTH, wrong.output
    assert "live decided as sma_cross_3_8, the replay as sma_cross_3_9" in wrong.output


@pytest.mark.heavy
def test_a_clean_day_under_a_manifest_has_no_differences(tmp_path: Path) -> None:
    frames = _frames(thin=False)
    write_bar_files(tmp_path / "bars", frames)
    signed = _signed_run(tmp_path / "bars", tmp_path / "model", *PARAMS)
    config = EmulatorConfig(seed=7, start=START, fill_model="ideal")
    url, toml = _live_day(
        tmp_path,
        frames,
        config,
        {},
        strategy=("--manifest", str(signed)),  # the manifest's parameters
        settings="[signing]\nallow_dev_key = true\n",
    )
    out = tmp_path / "report"
    result = _divergence(url, toml, out, "--manifest", str(signed), params=False)
    assert result.exit_code == 0, result.output
    assert "divergence 2026-01-05: 0 differences; P&L effect +0.00" in result.output
    assert _rows(out) == []
    page = (out / "divergence.md").read_text()
    assert "Differences: **0**" in page
    assert "- strategy: sma_cross fast=3 qty=5 slow=8" in page  # from the manifest

    # a manifest live did not run under is refused
    other = _signed_run(
        tmp_path / "bars", tmp_path / "other", *PARAMS, "--param=slow=9"
    )
    refused = _divergence(url, toml, tmp_path / "refused", "--manifest", str(other))
    assert refused.exit_code == CONFIG_OR_AUTH, refused.output
    assert "live decided under" in refused.output


def test_bad_input_is_one_line_and_an_exit_code(tmp_path: Path) -> None:
    app = build_app()
    missing = CliRunner().invoke(
        app,
        ["divergence", "--store", str(tmp_path / "nope.db"), "--date", "2026-01-05"],
    )
    assert missing.exit_code == CONFIG_OR_AUTH
    assert "--store" in missing.output
    assert "no such database file" in missing.output
    assert "Traceback" not in missing.output
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    no_lake = CliRunner().invoke(
        app, ["divergence", "--store", str(db), "--date", "2026-01-05"]
    )
    assert no_lake.exit_code == CONFIG_OR_AUTH
    assert "give --lake DIR" in no_lake.output
    bad_day = CliRunner().invoke(
        app,
        ["divergence", "--store", str(db), "--date", "Jan 5", "--lake", str(tmp_path)],
    )
    assert bad_day.exit_code == CONFIG_OR_AUTH
    assert "--date 'Jan 5' is not a date" in bad_day.output
    nothing = CliRunner().invoke(
        app,
        [
            "divergence",
            "--store",
            str(db),
            "--date",
            "2026-01-05",
            "--lake",
            str(tmp_path),
        ],
    )
    assert nothing.exit_code == CONFIG_OR_AUTH
    assert "no bars recorded that session" in nothing.output
