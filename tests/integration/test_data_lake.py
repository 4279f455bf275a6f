"""``tradecore-replay data``: a Parquet lake filled from Alpaca's data API (the emulator).

Fetches run the real command (in process, through typer) against the emulator on
loopback, with small data pages so alpaca-py follows ``next_page_token``; the emulator
counts and records every request, so a resumed fetch is seen to ask only for what
the lake lacks, and a 429 storm on the data API to be waited out without a lost page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.alpaca_harness import CREDENTIALS
from tests.calendars import xnys
from tradecore.adapters.alpaca_emulator import (
    EmulatorConfig,
    EmulatorControl,
    EmulatorServer,
)
from tradecore.adapters.alpaca_emulator.app import WIRE
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.data.lake import ParquetLake, day_span
from tradecore.apps.replay.main import build_app
from tradecore.apps.wiring.errors import (
    CONFIG_OR_AUTH,
    DATA_PROBLEMS,
    MISSING_SECRET,
    UNAVAILABLE,
)
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint, from_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.market.lake import SeriesKey

#: Monday 2026-01-05, 09:30 New York: the first session's open.
OPEN = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SYMBOLS = ("AAPL", "MSFT")
PAGE = 250
ACTIONS = (
    CorporateAction.split("AAPL", date(2026, 1, 6), 4, 1),
    CorporateAction.dividend("MSFT", date(2026, 1, 7), Decimal("0.83")),
    CorporateAction(
        symbol="MSFT",
        kind=ActionKind.NAME_CHANGE,
        ex_date=date(2026, 1, 8),
        new_symbol="MSFX",
    ),
    CorporateAction.split("TSLA", date(2026, 1, 6), 3, 1),  # not asked for
)


def session_bars(sessions: int = 3, seed: int = 5) -> list[BarFrame]:
    """Regular-hours minute bars of AAPL and MSFT over the first ``sessions``."""
    return generate_bars(
        list(SYMBOLS), 390 * sessions, start=OPEN, seed=seed, calendar=xnys()
    )


def feed(server: EmulatorServer, frames: list[BarFrame]) -> None:
    """Post ``frames`` to the emulator's tape (time order) and let them all close."""
    points = sorted(
        (int(f.timestamps[i]), f.symbol, i) for f in frames for i in range(len(f))
    )
    by_symbol = {f.symbol: f for f in frames}
    bars = []
    for stamp, symbol, i in points:
        f = by_symbol[symbol]
        bars.append(
            {
                "symbol": symbol,
                "t": from_ns(stamp).isoformat(),
                "o": float(f.open[i]),
                "h": float(f.high[i]),
                "l": float(f.low[i]),
                "c": float(f.close[i]),
                "v": float(f.volume[i]),
            }
        )
    control = EmulatorControl(server.base_url)
    control.bars(bars, through=False)
    control.advance_to(datetime(2026, 1, 9, 22, 0, tzinfo=UTC))


@pytest.fixture
def frames() -> list[BarFrame]:
    return session_bars()


@pytest.fixture
def server(frames: list[BarFrame]) -> Iterator[EmulatorServer]:
    config = EmulatorConfig(
        seed=3,
        start=OPEN,
        data_page_size=PAGE,
        record_wire=True,
        send_retry_after=True,
        corporate_actions=ACTIONS,
    )
    with EmulatorServer(config) as running:
        feed(running, frames)
        yield running


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APCA_API_KEY_ID", CREDENTIALS.key_id)
    monkeypatch.setenv("APCA_API_SECRET_KEY", CREDENTIALS.secret_key)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    # never a traceback: anything but a clean exit is a bug
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    return result.exit_code, result.output


def fetch(server: EmulatorServer, lake: Path, *extra: str) -> tuple[int, str]:
    return cli(
        "data", "fetch", "--symbols", "AAPL,MSFT", "--lake", str(lake),
        "--data-url", server.base_url, "--timeframe", "1Min", *extra,
    )  # fmt: skip


def bar_requests(server: EmulatorServer) -> list[dict[str, Any]]:
    """The bodies of every ``GET /v2/stocks/bars`` answered 200, in order."""
    return [
        json.loads(body)
        for route, status, body in server.app[WIRE]
        if route == "stock_bars" and status == 200
    ]


def requests_to(server: EmulatorServer, route: str) -> int:
    return EmulatorControl(server.base_url).state()["requests"].get(route, 0)


# --- fetch ----------------------------------------------------------------------------


@pytest.mark.usefixtures("keys")
def test_fetch_follows_pages_and_writes_partitions_and_a_manifest(
    server: EmulatorServer, frames: list[BarFrame], tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-07")
    assert code == 0, out
    assert "AAPL: 1170 1Min bars" in out
    assert "MSFT: 1170 1Min bars" in out
    pages = bar_requests(server)
    assert len(pages) == -(-2 * 1170 // PAGE)  # one request, every page followed
    assert all(p["next_page_token"] for p in pages[:-1])
    assert pages[-1]["next_page_token"] is None
    # hive partitions: feed / adjustment / timeframe / symbol / New York year
    folder = lake / "bars/feed=iex/adjustment=raw/timeframe=1Min/symbol=AAPL/year=2026"
    (part,) = folder.glob("part-*.parquet")
    assert pq.read_metadata(part).num_rows == 1170
    manifest = json.loads((lake / "manifest.json").read_text())
    assert manifest["format"] == "tradecore.lake/1"
    aapl = next(s for s in manifest["series"] if s["symbol"] == "AAPL")
    assert (aapl["feed"], aapl["adjustment"], aapl["timeframe"]) == (
        "iex",
        "raw",
        "1Min",
    )
    assert aapl["covered"] == [["2026-01-05T05:00:00Z", "2026-01-08T05:00:00Z"]]
    assert aapl["fetches"] == [
        {"start": "2026-01-05T05:00:00Z", "end": "2026-01-08T05:00:00Z", "rows": 1170}
    ]
    (entry,) = aapl["files"]
    assert entry["path"] == str(part.relative_to(lake))
    assert entry["rows"] == 1170
    assert entry["sha256"].startswith(part.stem.removeprefix("part-"))
    assert entry["first"] == "2026-01-05T14:30:00Z"
    # the bars read back are the bars served, stamped with the feed
    held = ParquetLake.existing(lake)
    read = held.select(list(SYMBOLS), date(2026, 1, 5), date(2026, 1, 7)).load()
    as_iex = [BarFrame(**{**_columns(f), "provenance": Provenance.IEX}) for f in frames]
    assert data_fingerprint(read) == data_fingerprint(as_iex)


def _columns(frame: BarFrame) -> dict[str, Any]:
    names = ("symbol", "timestamps", "open", "high", "low", "close", "volume")
    return {n: getattr(frame, n) for n in names}


@pytest.mark.usefixtures("keys")
def test_a_rerun_asks_only_for_the_missing_range(
    server: EmulatorServer, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-06")
    assert code == 0, out
    first_pages = len(bar_requests(server))
    assert first_pages == -(-2 * 780 // PAGE)
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-07")
    assert code == 0, out
    assert "AAPL: 390 1Min bars" in out  # the third session only
    resumed = bar_requests(server)[first_pages:]
    assert len(resumed) == -(-2 * 390 // PAGE)
    served = [
        datetime.fromisoformat(bar["t"].replace("Z", "+00:00"))
        for page in resumed
        for bars in page["bars"].values()
        for bar in bars
    ]
    assert min(served) >= datetime(2026, 1, 7, 5, tzinfo=UTC)  # midnight New York
    # a third run finds everything held: not one bars request
    before = requests_to(server, "stock_bars")
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-07")
    assert code == 0, out
    assert "AAPL: 0 1Min bars (already held)" in out
    assert requests_to(server, "stock_bars") == before
    manifest = json.loads((lake / "manifest.json").read_text())
    aapl = next(s for s in manifest["series"] if s["symbol"] == "AAPL")
    assert aapl["covered"] == [["2026-01-05T05:00:00Z", "2026-01-08T05:00:00Z"]]
    assert [f["rows"] for f in aapl["fetches"]] == [780, 390]
    assert aapl["files"][0]["rows"] == 1170


@pytest.mark.usefixtures("keys")
def test_a_429_storm_on_the_data_api_is_waited_out_without_losing_a_page(
    server: EmulatorServer, tmp_path: Path
) -> None:
    EmulatorControl(server.base_url).faults(data_storm=4, storm_reset_s=0.05)
    code, out = fetch(
        server, tmp_path / "lake", "--start", "2026-01-05", "--end", "2026-01-07"
    )
    assert code == 0, out
    assert "repeated: {'429': 4}" in out
    assert "AAPL: 1170 1Min bars" in out
    refused = [s for r, s, _ in server.app[WIRE] if r == "stock_bars" and s == 429]
    assert len(refused) == 4


@pytest.mark.usefixtures("keys")
def test_different_feeds_are_separate_series_and_a_replay_must_choose(
    server: EmulatorServer, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    for feed_name in ("iex", "sip"):
        code, out = fetch(
            server, lake, "--start", "2026-01-05", "--end", "2026-01-05",
            "--feed", feed_name, "--no-corporate-actions",
        )  # fmt: skip
        assert code == 0, out
    code, out = cli("data", "ls", "--lake", str(lake))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == [
        "symbol", "timeframe", "feed", "adjustment", "first", "last", "rows",
    ]  # fmt: skip
    assert lines[1].split() == [
        "AAPL", "1Min", "iex", "raw",
        "2026-01-05T14:30:00Z", "2026-01-05T20:59:00Z", "390",
    ]  # fmt: skip
    assert len(lines) == 1 + 4 + 1
    code, out = cli(
        "run", "--lake", str(lake), "--symbols", "AAPL", "--out", str(tmp_path / "r")
    )
    assert code == CONFIG_OR_AUTH
    assert "AAPL 1Min is held as iex/raw, sip/raw; choose one with --feed" in out


@pytest.mark.usefixtures("keys")
def test_corporate_actions_are_fetched_into_the_lake(
    server: EmulatorServer, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-09")
    assert code == 0, out
    assert "corporate actions: 3" in out
    held = ParquetLake.existing(lake)
    assert held.corporate_actions(
        list(SYMBOLS), date(2026, 1, 1), date(2026, 1, 31)
    ) == [
        ACTIONS[0],
        ACTIONS[1],
        ACTIONS[2],
    ]
    assert held.corporate_actions(["AAPL"], date(2026, 1, 7), date(2026, 1, 31)) == []
    manifest = json.loads((lake / "manifest.json").read_text())
    assert manifest["corporate_actions"]["covered"]["AAPL"] == [
        ["2026-01-05", "2026-01-09"]
    ]
    assert manifest["corporate_actions"]["file"]["rows"] == 3
    before = requests_to(server, "corporate_actions")
    fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-09")
    assert requests_to(server, "corporate_actions") == before  # held: not asked again


def test_the_emulator_serves_corporate_actions_in_pages_alpaca_py_reads() -> None:
    from alpaca.data.historical.corporate_actions import CorporateActionsClient
    from alpaca.data.requests import CorporateActionsRequest

    reverse = CorporateAction.split("GME", date(2026, 1, 9), 1, 4)
    config = EmulatorConfig(
        seed=3, start=OPEN, data_page_size=1, corporate_actions=(*ACTIONS, reverse)
    )
    with EmulatorServer(config) as running:
        client = CorporateActionsClient(
            CREDENTIALS.key_id, CREDENTIALS.secret_key, url_override=running.base_url
        )
        found = client.get_corporate_actions(
            CorporateActionsRequest(
                symbols=["AAPL", "MSFT", "TSLA", "GME"],
                start=date(2026, 1, 1),
                end=date(2026, 1, 31),
                limit=None,
            )
        ).data  # type: ignore[union-attr]
        pages = EmulatorControl(running.base_url).state()["requests"]
    assert pages["corporate_actions"] == 5  # one action a page
    (aapl, tsla) = found["forward_splits"]
    assert (aapl.symbol, aapl.new_rate, aapl.old_rate) == ("AAPL", 4.0, 1.0)
    assert tsla.ex_date == date(2026, 1, 6)
    assert found["cash_dividends"][0].rate == 0.83
    assert found["name_changes"][0].new_symbol == "MSFX"
    (gme,) = found["reverse_splits"]
    assert (gme.symbol, gme.new_rate, gme.old_rate) == ("GME", 1.0, 4.0)


# --- verify -----------------------------------------------------------------------------


@pytest.mark.usefixtures("keys")
def test_verify_passes_a_complete_lake_and_counts_missing_minutes(
    frames: list[BarFrame], tmp_path: Path
) -> None:
    thin = [frames[0], _without_minutes(frames[1], 5)]
    config = EmulatorConfig(seed=3, start=OPEN, data_page_size=2000)
    with EmulatorServer(config) as running:
        feed(running, thin)
        code, out = fetch(
            running, tmp_path / "lake", "--start", "2026-01-05", "--end", "2026-01-07"
        )
        assert code == 0, out
    code, out = cli("data", "verify", "--lake", str(tmp_path / "lake"))
    assert code == 0, out
    assert (
        "note: MSFT 1Min iex/raw: 5 bar(s) missing in regular hours over 1 session(s)"
        in out
    )
    assert "lake OK: 2 series" in out


def _without_minutes(frame: BarFrame, count: int) -> BarFrame:
    keep = np.ones(len(frame), dtype=bool)
    keep[100 : 100 + count] = False
    return BarFrame(
        **{k: (v[keep] if k != "symbol" else v) for k, v in _columns(frame).items()}
    )


@pytest.mark.usefixtures("keys")
def test_verify_finds_a_missing_session_and_a_duplicate(
    frames: list[BarFrame], tmp_path: Path
) -> None:
    msft = frames[1]
    day2 = int(day_span(date(2026, 1, 6), date(2026, 1, 6)).start_ns)
    day3 = int(day_span(date(2026, 1, 7), date(2026, 1, 7)).start_ns)
    gap = (msft.timestamps < day2) | (msft.timestamps >= day3)
    holed = BarFrame(
        **{k: (v[gap] if k != "symbol" else v) for k, v in _columns(msft).items()}
    )
    config = EmulatorConfig(seed=3, start=OPEN, data_page_size=2000)
    lake = tmp_path / "lake"
    with EmulatorServer(config) as running:
        feed(running, [frames[0], holed])
        code, out = fetch(running, lake, "--start", "2026-01-05", "--end", "2026-01-07")
        assert code == 0, out
    # a duplicate row written into AAPL's file behind the manifest's back
    (part,) = (
        lake / "bars/feed=iex/adjustment=raw/timeframe=1Min/symbol=AAPL/year=2026"
    ).glob("*.parquet")
    table = pq.read_table(part)
    pq.write_table(pa.concat_tables([table, table.slice(10, 1)]), part)
    code, out = cli("data", "verify", "--lake", str(lake))
    assert code == DATA_PROBLEMS, out
    problems = [line for line in out.splitlines() if line.startswith("problem:")]
    assert any(
        "MSFT 1Min iex/raw: 1 session(s) without bars: 2026-01-06" in p
        for p in problems
    )
    assert any("AAPL 1Min iex/raw: 1 duplicate bar time(s)" in p for p in problems)
    assert any("differs from the manifest's" in p for p in problems)
    assert len(problems) == 3


# --- replay from the lake ----------------------------------------------------------------


@pytest.mark.usefixtures("keys")
def test_run_from_the_lake_matches_the_same_bars_from_csv_files(
    server: EmulatorServer, frames: list[BarFrame], tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-07")
    assert code == 0, out
    csv = tmp_path / "csv"
    write_bar_files(csv, frames)
    # The lake's bars are raw, so a run from it applies the lake's corporate actions
    # (AAPL's split, MSFT's dividend; the rename falls after the range): the CSV run
    # gets the same ones from the file beside its bars.
    (csv / "corporate_actions.csv").write_text(
        "symbol,kind,ex_date,ratio,cash,new_symbol\n"
        "AAPL,forward_split,2026-01-06,4,,\n"
        "MSFT,cash_dividend,2026-01-07,,0.83,\n"
    )
    common = (
        "--param",
        "fast=5",
        "--param",
        "slow=20",
        "--param",
        "qty=10",
        "--seed",
        "3",
    )
    code, from_csv = cli(
        "run", "--data", str(csv), "--out", str(tmp_path / "a"), *common
    )
    assert code == 0, from_csv
    code, from_lake = cli(
        "run", "--lake", str(lake), "--symbols", "AAPL,MSFT", "--start", "2026-01-05",
        "--end", "2026-01-07", "--out", str(tmp_path / "b"), *common,
    )  # fmt: skip
    assert code == 0, from_lake
    same = (
        "bars",
        "symbols",
        "orders",
        "fills",
        "final_equity",
        "realized_pnl",
        "fees",
    )
    a, b = _summary(from_csv), _summary(from_lake)
    assert {k: a[k] for k in same} == {k: b[k] for k in same}
    assert int(a["fills"]) > 0
    fills_a = (tmp_path / "a" / "fills.csv").read_text()
    assert fills_a == (tmp_path / "b" / "fills.csv").read_text()
    # the data fingerprint differs only by the bars' provenance (file vs iex)
    manifest_b = json.loads((tmp_path / "b" / "manifest.json").read_text())
    as_iex = [BarFrame(**{**_columns(f), "provenance": Provenance.IEX}) for f in frames]
    assert data_fingerprint(as_iex) in json.dumps(manifest_b)


def _summary(output: str) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in output.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs}


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "ls", "--lake", "{missing}"], "no lake there"),
        (["data", "verify", "--lake", "{missing}"], "no lake there"),
        (
            ["data", "fetch", "--symbols", "AAPL", "--start", "2024-13-01",
             "--end", "2024-12-31", "--lake", "{lake}"],
            "--start '2024-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            ["data", "fetch", "--symbols", "AAPL", "--start", "2024-02-01",
             "--end", "2024-01-01", "--lake", "{lake}"],
            "--end 2024-01-01 is before --start 2024-02-01",
        ),
        (
            ["data", "fetch", "--symbols", "AAPL", "--start", "2024-01-01",
             "--end", "2024-01-31", "--timeframe", "1Sec", "--lake", "{lake}"],
            "--timeframe '1Sec': use 1-59Min, 1-23Hour or 1Day",
        ),
        (
            ["run", "--lake", "{missing}", "--symbols", "AAPL"],
            "no lake there",
        ),
        (["run", "--lake", "{missing}"], "--lake needs --symbols"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(
    args: list[str], message: str, tmp_path: Path
) -> None:
    filled = [
        a.format(missing=tmp_path / "nowhere", lake=tmp_path / "lake") for a in args
    ]
    code, out = cli(*filled)
    assert code == CONFIG_OR_AUTH, out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, out
    assert message in errors[0]


def test_an_unknown_feed_is_a_usage_error_naming_the_feeds(tmp_path: Path) -> None:
    """``--feed`` is a closed set: click refuses a value outside it (exit 2) in
    one ``Error:`` line naming the option and every feed, before any fetch."""
    code, out = cli(
        "data", "fetch", "--symbols", "AAPL", "--start", "2024-01-01",
        "--end", "2024-01-31", "--feed", "otc", "--lake", str(tmp_path / "lake"),
    )  # fmt: skip
    assert code == 2, out
    errors = [line for line in out.splitlines() if "Error" in line]
    assert len(errors) == 1, out
    assert "'--feed'" in errors[0]
    assert "'otc' is not one of 'iex', 'sip', 'delayed_sip'" in errors[0]
    assert not (tmp_path / "lake").exists()


def test_series_keys_refuse_what_a_lake_cannot_hold() -> None:
    with pytest.raises(ValueError, match="feed"):
        SeriesKey("otc", "raw", "1Min", "AAPL")
    with pytest.raises(ValueError, match="no '/'"):
        SeriesKey("iex", "raw", "1Min", "BTC/USD")


# --- timeframes, keys, an origin that does not answer ---------------------------------


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize(
    ("timeframe", "per_session"),
    [("5Min", 78), ("1Hour", 7), ("1Day", 1)],  # hours from 09:00 New York: 7
)
def test_other_timeframes_are_their_own_series(
    server: EmulatorServer, tmp_path: Path, timeframe: str, per_session: int
) -> None:
    lake = tmp_path / "lake"
    code, out = cli(
        "data", "fetch", "--symbols", "AAPL,MSFT", "--lake", str(lake),
        "--data-url", server.base_url, "--timeframe", timeframe,
        "--start", "2026-01-05", "--end", "2026-01-07",
    )  # fmt: skip
    assert code == 0, out
    assert f"AAPL: {3 * per_session} {timeframe} bars" in out
    key = SeriesKey("iex", "raw", timeframe, "AAPL")
    assert len(ParquetLake.existing(lake).timestamps(key)) == 3 * per_session
    code, out = cli("data", "verify", "--lake", str(lake))
    assert code == 0, out


@pytest.mark.usefixtures("keys")
def test_a_daily_series_missing_sessions_fails_verify(
    server: EmulatorServer, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    code, out = cli(
        "data", "fetch", "--symbols", "AAPL", "--lake", str(lake),
        "--data-url", server.base_url, "--timeframe", "1Day",
        "--start", "2026-01-05", "--end", "2026-01-09",  # bars for Jan 5-7 only
    )  # fmt: skip
    assert code == 0, out
    code, out = cli("data", "verify", "--lake", str(lake))
    assert code == DATA_PROBLEMS, out
    assert (
        "problem: AAPL 1Day iex/raw: 2 session(s) without bars: 2026-01-08, 2026-01-09"
    ) in out.splitlines()


def test_missing_keys_are_one_line_and_exit_9(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("APCA_API_KEY_ID", "APCA_API_SECRET_KEY", "TRADECORE_SECRETS_FILE"):
        monkeypatch.delenv(name, raising=False)
    code, out = cli(
        "data", "fetch", "--symbols", "AAPL", "--start", "2026-01-05",
        "--end", "2026-01-05", "--lake", str(tmp_path / "lake"),
    )  # fmt: skip
    assert code == MISSING_SECRET, out
    assert out.startswith("error: no Alpaca API key")
    assert not (tmp_path / "lake").exists()


@pytest.mark.usefixtures("keys")
def test_an_origin_that_does_not_answer_is_one_line_and_exit_4(tmp_path: Path) -> None:
    code, out = cli(
        "data", "fetch", "--symbols", "AAPL", "--start", "2026-01-05",
        "--end", "2026-01-05", "--lake", str(tmp_path / "lake"),
        "--data-url", "http://127.0.0.1:9",  # discard: nothing listens
    )  # fmt: skip
    assert code == UNAVAILABLE, out
    assert [line for line in out.splitlines() if line.startswith("error:")] == [
        line for line in out.splitlines() if "connection failed" in line
    ]
    assert not (tmp_path / "lake" / "manifest.json").exists()  # nothing claimed
    assert not (tmp_path / "lake" / "bars").exists()


@pytest.mark.usefixtures("keys")
def test_a_selection_knows_its_corporate_actions(
    server: EmulatorServer, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-09")
    assert code == 0, out
    held = ParquetLake.existing(lake)
    week = held.select(["AAPL", "MSFT"], date(2026, 1, 5), date(2026, 1, 7))
    assert week.corporate_actions() == [ACTIONS[0], ACTIONS[1]]


def test_each_page_takes_a_token_and_a_429_pauses_the_shared_limiter(
    server: EmulatorServer,
) -> None:
    from tradecore.adapters.alpaca import AlpacaConfig, TokenBucket
    from tradecore.adapters.alpaca.history import AlpacaHistory

    class RecordingBucket(TokenBucket):
        def __init__(self) -> None:
            super().__init__(rate=1000.0, capacity=100)
            self.pauses: list[float] = []
            self.taken = 0

        def acquire(self) -> None:
            self.taken += 1
            super().acquire()

        def pause(self, seconds: float) -> None:
            self.pauses.append(seconds)
            super().pause(seconds)

    bucket = RecordingBucket()
    history = AlpacaHistory(
        AlpacaConfig(), CREDENTIALS, feed="iex", adjustment="raw",
        limiter=bucket, base_url=server.base_url,
    )  # fmt: skip
    EmulatorControl(server.base_url).faults(data_storm=2, storm_reset_s=0.05)
    span = day_span(date(2026, 1, 5), date(2026, 1, 7))
    frames = history.bars(list(SYMBOLS), "1Min", span)
    assert [len(frames[s]) for s in SYMBOLS] == [1170, 1170]
    pages = -(-2 * 1170 // PAGE)
    assert bucket.taken == pages + 2  # every page, and each page refused
    assert bucket.pauses == [0.05, 0.05]  # Retry-After, for every thread of the process


@pytest.mark.usefixtures("keys")
def test_verify_reports_a_file_that_is_not_parquet_any_more(
    server: EmulatorServer, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-05")
    assert code == 0, out
    folder = lake / "bars/feed=iex/adjustment=raw/timeframe=1Min/symbol=MSFT/year=2026"
    (part,) = folder.glob("*.parquet")
    part.write_bytes(b"not parquet")
    code, out = cli("data", "verify", "--lake", str(lake))
    assert code == DATA_PROBLEMS, out
    problems = [line for line in out.splitlines() if line.startswith("problem:")]
    assert len(problems) == 2, out
    assert "differs from the manifest's" in problems[0]
    assert "MSFT 1Min iex/raw: its bars cannot be read" in problems[1]


@pytest.mark.usefixtures("keys")
def test_a_damaged_file_stops_run_and_fetch_with_one_line(
    server: EmulatorServer, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-05")
    assert code == 0, out
    folder = lake / "bars/feed=iex/adjustment=raw/timeframe=1Min/symbol=MSFT/year=2026"
    (part,) = folder.glob("*.parquet")
    part.write_bytes(b"not parquet")
    code, out = cli(
        "run",
        "--lake",
        str(lake),
        "--symbols",
        "AAPL,MSFT",
        "--out",
        str(tmp_path / "r"),
    )
    assert code == CONFIG_OR_AUTH, out
    assert "MSFT 1Min bars cannot be read" in out
    code, out = fetch(server, lake, "--start", "2026-01-05", "--end", "2026-01-06")
    assert code == CONFIG_OR_AUTH, out
    assert "cannot be read" in out
    assert "run tradecore-replay data verify" in out
