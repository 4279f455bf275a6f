"""Bars in the shapes researchers have replay exactly like tradecore's own files.

Each shape (yfinance per-symbol files, Alpaca's ``bars.df.to_csv()``, a long file
with many symbols, naive local times with ``--tz``, yfinance daily dates, pandas
DataFrames) holds the same bars as a reference folder in tradecore's format; the
replays through ``tradecore-replay run`` (or ``tc.replay``) must agree on the fills,
the data fingerprint and the signed manifest. Then the data-quality gate end to end:
bad rows quarantined (and the run equal to one over the file without them), or,
with ``--strict``, one line per problem and exit 3.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.calendars import xnys
from tradecore.adapters.data import write_bar_files
from tradecore.apps.replay.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.market.bar_frame import BarFrame, from_ns, to_ns
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)  # across the DST change of 8 March
NEW_YORK = ZoneInfo("America/New_York")
STRATEGY = ["--strategy", "sma_cross", "--param", "fast=5", "--param", "slow=20"]
STRATEGY += ["--param", "qty=50", "--fill-model", "ideal", "--seed", "3"]
FIELDS = ("open", "high", "low", "close", "volume")


def run_cli(data: Path, out: Path, *extra: str) -> dict[str, object]:
    done = CliRunner().invoke(
        app, ["run", "--data", str(data), *STRATEGY, "--out", str(out), *extra]
    )
    assert done.exit_code == 0, done.output
    return json.loads((out / "summary.json").read_text())


def same_run(summary: dict[str, object], reference: dict[str, object]) -> None:
    for key in ("fills", "orders", "final_equity", "data_fingerprint", "bars"):
        assert summary[key] == reference[key], key
    assert summary["manifest_hash"] == reference["manifest_hash"]


def number(value: float) -> str:
    return repr(float(value))


@pytest.fixture(scope="module")
def minute_frames() -> list[BarFrame]:
    return generate_bars(["AAA", "BBB"], 1500, start=START, seed=21, calendar=xnys())


@pytest.fixture(scope="module")
def reference(
    minute_frames: list[BarFrame], tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, object], bytes]:
    folder = tmp_path_factory.mktemp("own")
    write_bar_files(folder / "bars", minute_frames)
    summary = run_cli(folder / "bars", folder / "out")
    assert summary["fills"] > 10  # the data really crossed
    quality = summary["data_quality"]
    assert quality["quarantined"] == 0, quality  # type: ignore[index]
    return summary, (folder / "out" / "fills.csv").read_bytes()


def rows(frame: BarFrame) -> list[tuple[datetime, list[str]]]:
    values = [getattr(frame, name) for name in FIELDS]
    return [
        (from_ns(int(t)), [number(column[i]) for column in values])
        for i, t in enumerate(frame.timestamps)
    ]


def write_alpaca_df_csv(path: Path, frames: list[BarFrame]) -> None:
    lines = ["symbol,timestamp,open,high,low,close,volume,trade_count,vwap"]
    for frame in frames:
        for moment, values in rows(frame):
            stamp = moment.strftime("%Y-%m-%d %H:%M:%S+00:00")
            lines.append(f"{frame.symbol},{stamp},{','.join(values)},7,{values[3]}")
    path.write_text("\n".join(lines) + "\n")


def write_long_csv(path: Path, frames: list[BarFrame]) -> None:
    everything = sorted(
        (moment, frame.symbol, values)
        for frame in frames
        for moment, values in rows(frame)
    )
    lines = ["timestamp,Ticker,open,high,low,close,volume"]
    for moment, symbol, values in everything:
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"{stamp},{symbol},{','.join(values)}")
    path.write_text("\n".join(lines) + "\n")


def write_yfinance_intraday(folder: Path, frames: list[BarFrame], naive: bool) -> None:
    folder.mkdir(parents=True)
    for frame in frames:
        lines = ["Datetime,Open,High,Low,Close,Adj Close,Volume"]
        for moment, values in rows(frame):
            local = moment.astimezone(NEW_YORK)
            stamp = local.strftime("%Y-%m-%d %H:%M:%S") + (
                ""
                if naive
                else local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
            )
            o, h, low, c, v = values
            lines.append(f"{stamp},{o},{h},{low},{c},{c},{v}")
        (folder / f"{frame.symbol}.csv").write_text("\n".join(lines) + "\n")


@pytest.mark.heavy
def test_alpaca_df_long_and_yfinance_files_replay_like_tradecores_own(
    minute_frames: list[BarFrame],
    reference: tuple[dict[str, object], bytes],
    tmp_path: Path,
) -> None:
    expected, fills = reference
    write_alpaca_df_csv(tmp_path / "alpaca.csv", minute_frames)
    (tmp_path / "long").mkdir()
    write_long_csv(tmp_path / "long" / "universe.csv", minute_frames)
    write_yfinance_intraday(tmp_path / "yf", minute_frames, naive=False)
    shapes = {
        "alpaca": (tmp_path / "alpaca.csv", {"alpaca.csv": "alpaca"}),
        "long": (tmp_path / "long", {"universe.csv": "long"}),
        "yf": (tmp_path / "yf", {"AAA.csv": "yfinance", "BBB.csv": "yfinance"}),
    }
    for name, (data, detected) in shapes.items():
        summary = run_cli(data, tmp_path / f"out-{name}")
        same_run(summary, expected)
        assert summary["data_quality"]["shapes"] == detected  # type: ignore[index]
        assert (tmp_path / f"out-{name}" / "fills.csv").read_bytes() == fills


def test_naive_times_replay_alike_with_tz_and_are_refused_without(
    minute_frames: list[BarFrame],
    reference: tuple[dict[str, object], bytes],
    tmp_path: Path,
) -> None:
    write_yfinance_intraday(tmp_path / "naive", minute_frames, naive=True)
    summary = run_cli(tmp_path / "naive", tmp_path / "out", "--tz", "America/New_York")
    same_run(summary, reference[0])
    code, output = console(tmp_path, "--data", str(tmp_path / "naive"))
    assert code == errors.DOMAIN
    one_clear_line(output, "AAA.csv line 2", "has no offset; give the zone", "--tz")


def console(cwd: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", "from tradecore.apps.replay.main import main; main()",
         "run", *STRATEGY, "--out", "out", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def one_clear_line(output: str, *named: str) -> None:
    assert "Traceback" not in output
    shown = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(shown) == 1, output
    for text in named:
        assert text in shown[0], output


# --- daily bars: dates are sessions ------------------------------------------------


@pytest.fixture(scope="module")
def daily_frame() -> BarFrame:
    """Daily bars over June-December 2026 stamped at their sessions' opens.

    The span holds 3 July (a holiday), Thanksgiving (26 November, a holiday), the
    early closes of 27 November and 24 December, and both daylight-saving changes.
    """
    calendar = xnys()
    sessions = calendar.sessions_between(date(2026, 6, 1), date(2026, 12, 31))
    prices = generate_bars(
        ["SPY"], len(sessions), start=START, seed=5, interval=timedelta(days=1)
    )[0]
    return BarFrame(
        symbol="SPY",
        timestamps=np.array([to_ns(s.open) for s in sessions], np.int64),
        **{name: getattr(prices, name) for name in FIELDS},
    )


def write_yfinance_daily(path: Path, frame: BarFrame, extra: list[str] = ()) -> None:  # type: ignore[assignment]
    lines = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for moment, (o, h, low, c, v) in rows(frame):
        day = moment.astimezone(NEW_YORK).date().isoformat()
        lines.append(f"{day},{o},{h},{low},{c},{c},{v}")
    path.write_text("\n".join([*lines, *extra]) + "\n")


def test_yfinance_daily_dates_replay_like_bars_stamped_at_session_opens(
    daily_frame: BarFrame, tmp_path: Path
) -> None:
    write_bar_files(tmp_path / "own", [daily_frame])
    (tmp_path / "yf").mkdir()
    write_yfinance_daily(tmp_path / "yf" / "SPY.csv", daily_frame)
    daily = ["--param", "fast=3", "--param", "slow=8"]
    expected = run_cli(tmp_path / "own", tmp_path / "out-own", *daily)
    summary = run_cli(tmp_path / "yf", tmp_path / "out-yf", *daily)
    same_run(summary, expected)
    assert summary["orders_expired"] == expected["orders_expired"]
    quality = summary["data_quality"]
    assert (quality["missing_sessions"], quality["missing_bars"]) == (0, 0)  # type: ignore[index]
    assert summary["annualization"] == "252 sessions x 1 bars (XNYS)"
    early = [from_ns(int(t)) for t in daily_frame.timestamps]
    assert datetime(2026, 11, 27, 14, 30, tzinfo=UTC) in early  # early close: 9:30 open
    assert datetime(2026, 7, 6, 13, 30, tzinfo=UTC) in early  # after the 3 July holiday


@pytest.mark.heavy
def test_a_holiday_row_is_quarantined_or_with_strict_stops_the_run(
    daily_frame: BarFrame, tmp_path: Path
) -> None:
    (tmp_path / "yf").mkdir()
    holiday = "2026-12-25,100,101,99,100,100,1000"
    write_yfinance_daily(tmp_path / "yf" / "SPY.csv", daily_frame, [holiday])
    summary = run_cli(tmp_path / "yf", tmp_path / "out", "--param", "slow=8")
    quality = summary["data_quality"]
    assert quality["quarantined_by_rule"] == {"not_a_session": 1}  # type: ignore[index]
    code, output = console(tmp_path, "--data", "yf", "--strict", "--force")
    assert code == errors.DOMAIN
    assert "Traceback" not in output
    assert f"SPY.csv line {len(daily_frame) + 2}: SPY 2026-12-25" in output
    code, output = console(tmp_path, "--data", "yf", "--no-quality", "--force")
    assert code == errors.DOMAIN
    one_clear_line(output, "2026-12-25 is not a XNYS session")


# --- the gate end to end ------------------------------------------------------------


def damaged(frame: BarFrame) -> tuple[list[str], set[int], dict[str, int]]:
    """``frame`` as CSV lines with four bad rows; their indices; counts by rule."""
    lines = ["timestamp,open,high,low,close,volume"]
    bad = {
        100: "ohlc_envelope",
        200: "jump",
        300: "zero_volume",
        400: "timestamp_order",
    }
    for i, (moment, values) in enumerate(rows(frame)):
        o, h, low, c, v = (float(x) for x in values)
        if i == 100:
            h = max(o, c) * 0.99  # high below the close
        if i == 200:
            o, h, low, c = o * 1.3, h * 1.3, low * 1.3, c * 1.3  # a one-bar spike
        if i == 300:
            v = 0.0
        stamp = moment if i != 400 else from_ns(int(frame.timestamps[399]))
        text = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(
            f"{text},{number(o)},{number(h)},{number(low)},{number(c)},{number(v)}"
        )
    counts: dict[str, int] = {}
    for rule in bad.values():
        counts[rule] = counts.get(rule, 0) + 1
    return lines, set(bad), counts


def test_bad_rows_are_quarantined_and_the_run_equals_one_without_them(
    minute_frames: list[BarFrame], tmp_path: Path
) -> None:
    frame = minute_frames[0]
    lines, bad, counts = damaged(frame)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "AAA.csv").write_text("\n".join(lines) + "\n")
    clean = [line for i, line in enumerate(lines[1:]) if i not in bad]
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "AAA.csv").write_text("\n".join([lines[0], *clean]) + "\n")
    summary = run_cli(tmp_path / "bad", tmp_path / "out")
    same_run(summary, run_cli(tmp_path / "clean", tmp_path / "out-clean"))
    quality = summary["data_quality"]
    assert quality["quarantined_by_rule"] == dict(sorted(counts.items()))  # type: ignore[index]
    assert quality["quarantined_by_symbol"] == {"AAA": 4}  # type: ignore[index]
    quarantine = (tmp_path / "out" / "quarantine.csv").read_text().splitlines()
    assert [line.split(",")[2] for line in quarantine[1:]] == [
        "ohlc_envelope", "jump", "zero_volume", "timestamp_order"
    ]  # fmt: skip
    assert [line.split(",")[-1] for line in quarantine[1:]] == [
        "102",
        "202",
        "302",
        "402",
    ]
    assert "quarantined_by_rule" in (tmp_path / "out" / "report.html").read_text()

    code, output = console(tmp_path, "--data", "bad", "--strict", "--force")
    assert code == errors.DOMAIN
    assert "Traceback" not in output
    shown = output.splitlines()
    first = next(i for i, line in enumerate(shown) if line.startswith("error:"))
    assert shown[first] == "error: 4 bar(s) break data-quality rules (--strict):"
    assert [line.split(" ")[:3] for line in shown[first + 1 : first + 5]] == [
        ["AAA.csv", "line", f"{n}:"] for n in (102, 202, 302, 402)
    ]


# --- pandas DataFrames into tc.replay ------------------------------------------------


def test_dataframes_go_straight_into_tc_replay(
    minute_frames: list[BarFrame], tmp_path: Path
) -> None:
    pd = pytest.importorskip("pandas")
    import tradecore as tc

    params = {"fast": 5, "slow": 20, "qty": 50}
    write_bar_files(tmp_path / "own", minute_frames)
    expected = tc.replay(tmp_path / "own", "sma_cross", params, fill_model="ideal",
                         seed=3, out=tmp_path / "out-own").summary  # fmt: skip

    def frame_of(frame: BarFrame) -> object:
        index = pd.DatetimeIndex(frame.timestamps.view("datetime64[ns]"), tz="UTC")
        values = {name.title(): getattr(frame, name) for name in FIELDS}
        return pd.DataFrame(values, index=index.tz_convert(NEW_YORK).rename("Datetime"))

    per_symbol = {frame.symbol: frame_of(frame) for frame in minute_frames}
    long = pd.concat(
        {s: df.rename(columns=str.lower) for s, df in per_symbol.items()},
        names=["symbol", "timestamp"],
    )
    for name, data in (("dict", per_symbol), ("multiindex", long)):
        summary = tc.replay(data, "sma_cross", params, fill_model="ideal", seed=3,
                            out=tmp_path / f"out-{name}").summary  # fmt: skip
        same_run(dict(summary), dict(expected))
        assert summary["data_quality"]["quarantined"] == 0  # type: ignore[index]


# --- start-up -----------------------------------------------------------------------


@pytest.mark.heavy
@pytest.mark.parametrize(
    "data", ["byod/alpaca-bars.csv", "byod/yfinance", "byod/messy"]
)
def test_replaying_other_shapes_through_the_gate_imports_no_pandas(
    data: str, tmp_path: Path
) -> None:
    from tests.integration.test_startup_imports import _console, heavy_modules

    examples = Path(__file__).resolve().parents[2] / "examples"
    args = ["run", "--data", str(examples / data), "--param", "fast=3"]
    args += ["--param", "slow=8", "--fill-model", "ideal", "--out"]
    cache = {"TRADECORE_CACHE_DIR": str(tmp_path / "cache")}
    # The first run computes the calendar schedule (exchange_calendars uses pandas).
    heavy_modules(_console("replay", *args, str(tmp_path / "cold")), env=cache)
    found, stderr = heavy_modules(
        _console("replay", *args, str(tmp_path / "warm")), heavy=("pandas",), env=cache
    )
    assert found == "", f"imported: {found}\n{stderr}"
    assert (tmp_path / "warm" / "quarantine.csv").is_file()


def test_a_column_map_reads_any_header_and_exemptions_keep_a_jump(
    minute_frames: list[BarFrame],
    reference: tuple[dict[str, object], bytes],
    tmp_path: Path,
) -> None:
    write_long_csv(tmp_path / "long.csv", minute_frames)
    text = (tmp_path / "long.csv").read_text().split("\n", 1)[1]
    (tmp_path / "odd.csv").write_text("when,sym,o,h,l,c,v\n" + text)
    mapping = "when=timestamp,sym=symbol,o=open,h=high,l=low,c=close,v=volume"
    summary = run_cli(tmp_path / "odd.csv", tmp_path / "out", "--columns", mapping)
    same_run(summary, reference[0])

    lines, _, _ = damaged(minute_frames[0])
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "AAA.csv").write_text("\n".join(lines) + "\n")
    day = from_ns(int(minute_frames[0].timestamps[200])).date().isoformat()
    exempt = run_cli(
        tmp_path / "bad", tmp_path / "out-exempt", "--quality-exempt", f"AAA:{day}"
    )
    quality = exempt["data_quality"]
    assert "jump" not in quality["quarantined_by_rule"]  # type: ignore[index]
    assert quality["quarantined"] == 3  # type: ignore[index]
