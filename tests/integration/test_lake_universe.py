"""``tradecore-replay data universe``: Alpaca's asset list kept point in time in the lake.

Two snapshots are taken from the emulator's ``/v2/assets`` on different dates; between
them MSFT goes inactive (delisted). The earlier dates keep MSFT, its bars stay in the
lake, and a backtest selecting its symbols by date gets the universe of that date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.alpaca_harness import CREDENTIALS
from tests.integration.test_data_lake import OPEN, _summary, cli, feed, session_bars
from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer
from tradecore.adapters.data.lake import ParquetLake
from tradecore.apps.wiring.errors import CONFIG_OR_AUTH
from tradecore.domain.broker_rules.context import AssetFlags
from tradecore.domain.errors import ConfigurationError

BEFORE = {
    "AAPL": AssetFlags(symbol="AAPL"),
    "MSFT": AssetFlags(symbol="MSFT"),
    "TSLA": AssetFlags(symbol="TSLA", tradable=False),  # listed, not tradable
    "OLDCO": AssetFlags(symbol="OLDCO", tradable=False, status="inactive"),
}
AFTER = {
    **BEFORE,
    "MSFT": AssetFlags(symbol="MSFT", tradable=False, status="inactive"),
}


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APCA_API_KEY_ID", CREDENTIALS.key_id)
    monkeypatch.setenv("APCA_API_SECRET_KEY", CREDENTIALS.secret_key)


def snapshot(lake: Path, assets: dict[str, AssetFlags], on: str, *extra: str) -> str:
    config = EmulatorConfig(seed=3, start=OPEN, assets=assets)
    with EmulatorServer(config) as server:
        code, out = cli(
            "data", "universe", "--lake", str(lake), "--date", on,
            "--data-url", server.base_url, *extra,
        )  # fmt: skip
    assert code == 0, out
    return out


def test_two_snapshots_keep_a_delisted_symbol_in_the_earlier_dates(
    tmp_path: Path,
) -> None:
    lake = tmp_path / "lake"
    out = snapshot(lake, BEFORE, "2026-01-05", "--tradable", "--exchange", "NASDAQ")
    assert "universe 2026-01-05: 2 member(s) of 4 asset(s) listed" in out
    out = snapshot(lake, AFTER, "2026-01-07", "--tradable")
    assert "universe 2026-01-07: 1 member(s) of 4 asset(s) listed" in out
    held = ParquetLake(lake)
    assert held.universe_dates() == [date(2026, 1, 5), date(2026, 1, 7)]
    assert held.universe(date(2026, 1, 5)) == ["AAPL", "MSFT"]
    assert held.universe(date(2026, 1, 6)) == ["AAPL", "MSFT"]  # newest on or before
    assert held.universe(date(2026, 1, 7)) == ["AAPL"]
    assert held.universe(date(2027, 1, 1)) == ["AAPL"]
    with pytest.raises(ConfigurationError, match="no universe snapshot on or before"):
        held.universe(date(2026, 1, 4))
    # every asset is kept with its flags as of that date, members marked
    later = pq.read_table(lake / "universe/date=2026-01-07/assets.parquet")
    rows = {r["symbol"]: r for r in later.to_pylist()}
    assert set(rows) == {"AAPL", "MSFT", "OLDCO", "TSLA"}
    assert (rows["MSFT"]["status"], rows["MSFT"]["member"]) == ("inactive", False)
    assert rows["TSLA"]["exchange"] == "NASDAQ"
    assert rows["TSLA"]["tradable"] is False
    earlier = pq.read_table(lake / "universe/date=2026-01-05/assets.parquet")
    assert {r["symbol"]: r["status"] for r in earlier.to_pylist()}["MSFT"] == "active"
    # an exchange nobody is on leaves no member
    out = snapshot(lake, BEFORE, "2026-01-02", "--exchange", "NYSE")
    assert "0 member(s) of 4" in out


def test_fetch_and_backtest_take_the_universe_of_a_date(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    snapshot(lake, BEFORE, "2026-01-05", "--tradable")
    # bars of the day's members are fetched by universe
    config = EmulatorConfig(seed=3, start=OPEN, data_page_size=500)
    with EmulatorServer(config) as server:
        feed(server, session_bars())
        code, out = cli(
            "data", "fetch", "--universe", "2026-01-05", "--lake", str(lake),
            "--start", "2026-01-05", "--end", "2026-01-07",
            "--data-url", server.base_url, "--no-corporate-actions",
        )  # fmt: skip
    assert code == 0, out
    assert "AAPL: 1170 1Min bars" in out
    assert "MSFT: 1170 1Min bars" in out
    snapshot(lake, AFTER, "2026-01-07", "--tradable")  # MSFT delisted
    held = ParquetLake.existing(lake)
    assert {s.key.symbol for s in held.series()} == {"AAPL", "MSFT"}  # bars stay
    code, listed = cli("data", "ls", "--lake", str(lake))
    assert code == 0, listed
    assert "universe snapshots: 2026-01-05, 2026-01-07" in listed
    assert "recorded sessions" not in listed  # none

    def backtest(universe: str, out_dir: str) -> dict[str, str]:
        code, out = cli(
            "run", "--lake", str(lake), "--universe", universe,
            "--start", "2026-01-05", "--end", "2026-01-07",
            "--param", "fast=5", "--param", "slow=20", "--param", "qty=10",
            "--out", str(tmp_path / out_dir),
        )  # fmt: skip
        assert code == 0, out
        return _summary(out)

    early, late = backtest("2026-01-06", "a"), backtest("latest", "b")
    assert (early["symbols"], early["bars"]) == ("2", str(2 * 1170))
    assert (late["symbols"], late["bars"]) == ("1", "1170")
    # the same as naming the symbols by hand
    code, out = cli(
        "run", "--lake", str(lake), "--symbols", "AAPL,MSFT",
        "--start", "2026-01-05", "--end", "2026-01-07",
        "--param", "fast=5", "--param", "slow=20", "--param", "qty=10",
        "--out", str(tmp_path / "c"),
    )  # fmt: skip
    assert code == 0, out
    assert (tmp_path / "a" / "fills.csv").read_text() == (
        tmp_path / "c" / "fills.csv"
    ).read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "fetch", "--start", "2026-01-05", "--end", "2026-01-06"],
         "give --symbols AAPL,MSFT or --universe DATE"),
        (["data", "fetch", "--universe", "2026-01-05", "--start", "2026-01-05",
          "--end", "2026-01-06"], "no universe snapshot on or before"),
        (["data", "universe", "--date", "2026-02-30"], "--date '2026-02-30'"),
        (["data", "universe", "--data-url", "localhost:1"], "give an origin"),
    ],
)  # fmt: skip
def test_universe_options_refuse_bad_input_in_one_line(
    args: list[str], message: str, tmp_path: Path
) -> None:
    code, out = cli(*args, "--lake", str(tmp_path / "lake"))
    assert code == CONFIG_OR_AUTH, out
    assert message in out
