"""Bar files in the shapes researchers have: detection, timestamps, symbols, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.calendars import xnys
from tradecore.adapters.data import (
    BarFileOptions,
    load_bar_file,
    load_bars,
    parse_column_map,
)
from tradecore.domain.errors import BarFileError, BarQualityError
from tradecore.domain.market.bar_frame import from_ns
from tradecore.domain.market.bar_quality import QualityRules

YF_DAILY = "Date,Open,High,Low,Close,Adj Close,Volume"


def sessions(first: date, last: date):  # type: ignore[no-untyped-def]
    return xnys()


DATES = BarFileOptions(sessions=sessions)
GATE = BarFileOptions(sessions=sessions, quality=QualityRules())


def write(folder: Path, name: str, *lines: str) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def stamps(frame) -> list[datetime]:  # type: ignore[no-untyped-def]
    return [from_ns(int(t)) for t in frame.timestamps]


def test_yfinance_daily_dates_are_their_sessions_opens_across_dst(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path, "AAPL.csv", YF_DAILY,
        "2026-03-06,10,11,9,10.5,10.4,100",   # EST: open 14:30 UTC
        "2026-03-09,10.5,11,10,10.8,10.7,200",  # EDT since the 8th: 13:30 UTC
    )  # fmt: skip
    loaded = load_bars(path, DATES)
    assert loaded.shapes == {"AAPL.csv": "yfinance"}
    assert stamps(loaded.frames[0]) == [
        utc(2026, 3, 6, 14, 30),
        utc(2026, 3, 9, 13, 30),
    ]


def test_an_early_close_session_is_stamped_at_its_open(tmp_path: Path) -> None:
    # Thanksgiving week 2026: 26 November is a holiday, the 27th closes at 13:00.
    lines = [f"2026-11-{d},10,11,9,10.5,10.5,100" for d in (24, 25, 27, 30)]
    frame = load_bars(write(tmp_path, "AAPL.csv", YF_DAILY, *lines), DATES).frames[0]
    assert stamps(frame) == [
        utc(2026, 11, 24, 14, 30),
        utc(2026, 11, 25, 14, 30),
        utc(2026, 11, 27, 14, 30),
        utc(2026, 11, 30, 14, 30),
    ]


def test_a_date_that_is_no_session_names_its_line(tmp_path: Path) -> None:
    lines = [f"2026-11-{d},10,11,9,10.5,10.5,100" for d in (25, 26, 27)]
    path = write(tmp_path, "AAPL.csv", YF_DAILY, *lines)
    with pytest.raises(BarFileError) as caught:
        load_bars(path, DATES)
    assert str(caught.value) == (
        "AAPL.csv line 3, field 'timestamp': 2026-11-26 is not a XNYS session "
        "(a weekend or a holiday)"
    )


def test_with_the_gate_a_date_that_is_no_session_is_quarantined(tmp_path: Path) -> None:
    lines = [f"2026-11-{d},10,11,9,10.5,10.5,100" for d in (25, 26, 27)]
    loaded = load_bars(write(tmp_path, "AAPL.csv", YF_DAILY, *lines), GATE)
    assert len(loaded.frames[0]) == 2
    assert loaded.quarantine.counts()["quarantined_by_rule"] == {"not_a_session": 1}


def test_date_only_rows_need_a_calendar(tmp_path: Path) -> None:
    path = write(tmp_path, "AAPL.csv", YF_DAILY, "2026-11-25,10,11,9,10.5,10.5,100")
    with pytest.raises(BarFileError, match="need a market calendar"):
        load_bars(path)


def test_yfinance_midnight_dates_with_an_offset_are_sessions(tmp_path: Path) -> None:
    path = write(
        tmp_path, "AAPL.csv", YF_DAILY,
        "2026-01-05 00:00:00-05:00,10,11,9,10.5,10.4,100",
        "2026-01-06 00:00:00-05:00,10,11,9,10.5,10.4,100",
    )  # fmt: skip
    assert stamps(load_bars(path, DATES).frames[0])[0] == utc(2026, 1, 5, 14, 30)


def test_yfinance_three_line_header_names_the_ticker(tmp_path: Path) -> None:
    path = write(
        tmp_path, "download.csv",
        "Price,Close,High,Low,Open,Volume",
        "Ticker,MSFT,MSFT,MSFT,MSFT,MSFT",
        "Date,,,,,",
        "2026-01-05,10.5,11,9,10,100",
        "2026-01-06,10.6,11,9,10,100",
    )  # fmt: skip
    loaded = load_bars(path, DATES)
    assert [f.symbol for f in loaded.frames] == ["MSFT"]
    assert list(loaded.frames[0].close) == [10.5, 10.6]


def test_yfinance_intraday_offsets_become_utc(tmp_path: Path) -> None:
    path = write(
        tmp_path, "AAPL.csv", "Datetime,Open,High,Low,Close,Adj Close,Volume",
        "2026-01-05 09:30:00-05:00,10,11,9,10.5,10.5,100",
        "2026-01-05 09:31:00-05:00,10,11,9,10.5,10.5,100",
    )  # fmt: skip
    assert stamps(load_bar_file(path)) == [
        utc(2026, 1, 5, 14, 30),
        utc(2026, 1, 5, 14, 31),
    ]


ALPACA = "symbol,timestamp,open,high,low,close,volume,trade_count,vwap"


def test_alpaca_bars_df_csv_splits_into_symbols(tmp_path: Path) -> None:
    path = write(
        tmp_path, "bars.csv", ALPACA,
        "AAPL,2026-01-05 14:30:00+00:00,10,11,9,10.5,100,5,10.2",
        "AAPL,2026-01-05 14:31:00+00:00,10.5,11,10,10.7,120,6,10.6",
        "MSFT,2026-01-05 14:30:00+00:00,20,21,19,20.5,300,9,20.1",
    )  # fmt: skip
    loaded = load_bars(path)
    assert loaded.shapes == {"bars.csv": "alpaca"}
    assert [(f.symbol, len(f)) for f in loaded.frames] == [("AAPL", 2), ("MSFT", 1)]
    assert list(loaded.frames[0].close) == [10.5, 10.7]


def test_a_long_file_keeps_each_symbols_rows_in_order(tmp_path: Path) -> None:
    rows = [
        f"{t},2026-01-05T14:3{i}:00Z,10,11,9,{10 + i / 10},100"
        for i in range(3)
        for t in ("BBB", "AAA")
    ]
    loaded = load_bars(
        write(
            tmp_path, "long.csv", "ticker,timestamp,open,high,low,close,volume", *rows
        )
    )
    assert loaded.shapes == {"long.csv": "long"}
    assert [f.symbol for f in loaded.frames] == ["AAA", "BBB"]
    assert list(loaded.frames[0].close) == [10.0, 10.1, 10.2]


def test_a_bad_symbol_in_a_long_file_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "long.csv", "symbol,timestamp,open,high,low,close,volume",
        "AAA,2026-01-05T14:30:00Z,10,11,9,10.5,100",
        "no way,2026-01-05T14:30:00Z,10,11,9,10.5,100",
    )  # fmt: skip
    with pytest.raises(BarFileError, match=r"long\.csv line 3, field 'symbol'"):
        load_bars(path)


def test_a_bad_bar_in_a_long_file_names_its_own_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "long.csv", "symbol,timestamp,open,high,low,close,volume",
        "AAA,2026-01-05T14:30:00Z,10,11,9,10.5,100",
        "BBB,2026-01-05T14:30:00Z,10,11,9,10.5,100",
        "BBB,2026-01-05T14:31:00Z,10,9,9,10.5,100",
    )  # fmt: skip
    with pytest.raises(BarFileError, match=r"long\.csv line 4, field 'high'"):
        load_bars(path)


NAIVE = "timestamp,open,high,low,close,volume"


def test_naive_timestamps_are_refused_without_a_zone(tmp_path: Path) -> None:
    path = write(tmp_path, "AAPL.csv", NAIVE, "2026-01-05 09:30:00,10,11,9,10.5,100")
    with pytest.raises(BarFileError, match=r"line 2.*has no offset; give the zone"):
        load_bars(path)


def test_naive_timestamps_take_the_zone_given_across_dst(tmp_path: Path) -> None:
    path = write(
        tmp_path, "AAPL.csv", NAIVE,
        "2026-03-06 09:30:00,10,11,9,10.5,100",
        "2026-03-09 09:30:00,10,11,9,10.5,100",
    )  # fmt: skip
    frame = load_bars(path, BarFileOptions(tz="America/New_York")).frames[0]
    assert stamps(frame) == [utc(2026, 3, 6, 14, 30), utc(2026, 3, 9, 13, 30)]


def test_an_unknown_zone_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "AAPL.csv", NAIVE, "2026-01-05 09:30:00,10,11,9,10.5,100")
    with pytest.raises(BarFileError, match="unknown time zone 'Mars/Olympus'"):
        load_bars(path, BarFileOptions(tz="Mars/Olympus"))


def test_a_column_map_names_columns_the_aliases_do_not_know(tmp_path: Path) -> None:
    path = write(
        tmp_path, "AAPL.csv", "t,o,h,l,c,v", "2026-01-05T14:30:00Z,10,11,9,10.5,100"
    )
    mapping = parse_column_map("t=timestamp, o=open,h=high,l=low,c=close,v=volume")
    frame = load_bars(path, BarFileOptions(columns=mapping)).frames[0]
    assert (frame.open[0], frame.volume[0]) == (10.0, 100.0)


def test_a_column_map_picks_adj_close_over_close(tmp_path: Path) -> None:
    path = write(tmp_path, "AAPL.csv", YF_DAILY, "2026-01-05,10,11,9,10.5,10.4,100")
    options = BarFileOptions(
        sessions=sessions, columns=parse_column_map("Adj Close=close")
    )
    assert load_bars(path, options).frames[0].close[0] == 10.4


@pytest.mark.parametrize(
    ("text", "message"),
    [("Date", "expected SOURCE=TARGET"), ("x=price", "unknown target 'price'"),
     ("a=close,b=close", "mapped from both 'a' and 'b'")],
)  # fmt: skip
def test_a_bad_column_map_is_named(text: str, message: str) -> None:
    with pytest.raises(BarFileError, match=message):
        parse_column_map(text)


def test_two_candidate_timestamp_columns_ask_for_a_choice(tmp_path: Path) -> None:
    path = write(
        tmp_path, "AAPL.csv", "timestamp,Date,open,high,low,close,volume",
        "2026-01-05T14:30:00Z,2026-01-05,10,11,9,10.5,100",
    )  # fmt: skip
    with pytest.raises(BarFileError, match="could each be 'timestamp'; choose one"):
        load_bars(path)


def test_a_parquet_long_file_from_pandas_with_typed_stamps_loads(
    tmp_path: Path,
) -> None:
    stamps_ = pa.array([0, 60_000_000_000, 0], pa.int64()).cast(
        pa.timestamp("ns", "UTC")
    )
    table = pa.table(
        {
            "symbol": ["AAA", "AAA", "BBB"], "timestamp": stamps_,
            "open": [1.0, 1.0, 2.0], "high": [2.0, 2.0, 3.0], "low": [0.5, 0.5, 1.0],
            "close": [1.5, 1.5, 2.5], "volume": [10, 20, 30],
            "trade_count": [1, 2, 3], "vwap": [1.2, 1.3, 2.2],
        }
    )  # fmt: skip
    pq.write_table(table, tmp_path / "bars.parquet")
    loaded = load_bars(tmp_path / "bars.parquet")
    assert [(f.symbol, len(f)) for f in loaded.frames] == [("AAA", 2), ("BBB", 1)]


def test_the_gate_quarantines_bad_rows_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write(
        tmp_path, "AAPL.csv", NAIVE,
        "2026-01-05T14:30:00Z,10,11,9,10.5,100",
        "2026-01-05T14:31:00Z,10,9,9,10.5,100",   # high below the close
        "2026-01-05T14:32:00Z,10,11,9,10.5,0",    # no volume
        "2026-01-05T14:33:00Z,10,11,9,10.5,100",
    )  # fmt: skip
    loaded = load_bars(path, GATE)
    assert len(loaded.frames[0]) == 2
    counts = loaded.quarantine.counts()
    assert counts["quarantined_by_rule"] == {"ohlc_envelope": 1, "zero_volume": 1}
    assert counts["quarantined_by_symbol"] == {"AAPL": 2}
    written = loaded.quarantine.write_csv(tmp_path / "out" / "quarantine.csv")
    lines = written.read_text().splitlines()
    assert lines == [
        "symbol,timestamp,rule,action,open,high,low,close,volume,source,line",
        "AAPL,2026-01-05T14:31:00Z,ohlc_envelope,quarantine,10.0,9.0,9.0,10.5,100.0,"
        "AAPL.csv,3",
        "AAPL,2026-01-05T14:32:00Z,zero_volume,quarantine,10.0,11.0,9.0,10.5,0.0,"
        "AAPL.csv,4",
    ]


def test_strict_lists_the_problems_one_per_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "AAPL.csv", NAIVE,
        "2026-01-05T14:30:00Z,10,11,9,10.5,100",
        "2026-01-05T14:31:00Z,10,9,9,10.5,100",
        "2026-01-05T14:30:00Z,10,11,9,10.5,100",
    )  # fmt: skip
    with pytest.raises(BarQualityError) as caught:
        load_bars(path, GATE, strict=True)
    assert str(caught.value).splitlines() == [
        "2 bar(s) break data-quality rules (--strict):",
        "AAPL.csv line 3: AAPL 2026-01-05T14:31:00Z ohlc_envelope "
        "(open 10.0, high 9.0, low 9.0, close 10.5, volume 100.0)",
        "AAPL.csv line 4: AAPL 2026-01-05T14:30:00Z timestamp_order "
        "(open 10.0, high 11.0, low 9.0, close 10.5, volume 100.0)",
    ]


def test_dataframes_in_every_accepted_shape_load_alike() -> None:
    pd = pytest.importorskip("pandas")
    index = pd.DatetimeIndex(
        ["2026-01-05 09:30", "2026-01-05 09:31"], tz="America/New_York", name="Datetime"
    )
    values = {"Open": [10.0, 10.5], "High": [11.0, 11.0], "Low": [9.0, 10.0],
              "Close": [10.5, 10.7], "Adj Close": [10.5, 10.7], "Volume": [100, 120]}  # fmt: skip
    yf = pd.DataFrame(values, index=index)
    from tradecore.adapters.data.dataframes import load_dataframes

    by_dict = load_dataframes({"AAPL": yf}).frames
    download = yf.copy()
    download.columns = pd.MultiIndex.from_product([list(values), ["AAPL"]])
    by_download = load_dataframes(download).frames
    alpaca = yf.rename(columns=str.lower).drop(columns="adj close")
    alpaca.index = pd.MultiIndex.from_arrays(
        [["AAPL", "AAPL"], index.tz_convert("UTC")], names=["symbol", "timestamp"]
    )
    by_multiindex = load_dataframes(alpaca).frames
    for frames in (by_download, by_multiindex):
        assert [f.symbol for f in frames] == ["AAPL"]
        assert np.array_equal(frames[0].timestamps, by_dict[0].timestamps)
        assert np.array_equal(frames[0].close, by_dict[0].close)
    assert stamps(by_dict[0])[0] == utc(2026, 1, 5, 14, 30)


def test_a_dataframe_without_a_symbol_is_refused_with_the_way_out() -> None:
    pd = pytest.importorskip("pandas")
    from tradecore.adapters.data.dataframes import load_dataframes

    frame = pd.DataFrame(
        {"timestamp": pd.to_datetime(["2026-01-05T14:30Z"]), "open": [1.0],
         "high": [1.0], "low": [1.0], "close": [1.0], "volume": [1.0]}
    )  # fmt: skip
    with pytest.raises(BarFileError, match=r"pass \{symbol: DataFrame\}"):
        load_dataframes(frame)


def test_with_the_gate_a_missing_number_is_quarantined_not_fatal(
    tmp_path: Path,
) -> None:
    # Old Yahoo downloads write "null" on days without data.
    path = write(
        tmp_path, "AAPL.csv", YF_DAILY,
        "2026-11-24,10,11,9,10.5,10.5,100",
        "2026-11-25,null,null,null,null,null,null",
        "2026-11-27,10,11,9,10.5,10.5,100",
    )  # fmt: skip
    loaded = load_bars(path, GATE)
    assert len(loaded.frames[0]) == 2
    assert loaded.quarantine.counts()["quarantined_by_rule"] == {"bad_price": 1}
    with pytest.raises(BarFileError, match=r"line 3, field 'open': 'null' is not a"):
        load_bars(path, DATES)


def test_a_frame_arrow_cannot_read_is_one_clear_error() -> None:
    pd = pytest.importorskip("pandas")
    from tradecore.adapters.data.dataframes import load_dataframes

    frame = pd.DataFrame({"timestamp": [object()], "open": [1.0], "high": [1.0],
                          "low": [1.0], "close": [1.0], "volume": [1.0]})  # fmt: skip
    with pytest.raises(BarFileError, match=r"DataFrame\['X'\], field 'columns'"):
        load_dataframes({"X": frame})


def test_yfinance_history_daily_index_is_sessions() -> None:
    # Ticker.history(): a DatetimeIndex named Date at midnight New York time.
    pd = pytest.importorskip("pandas")
    from tradecore.adapters.data.dataframes import load_dataframes

    index = pd.DatetimeIndex(
        ["2026-11-25", "2026-11-27", "2026-11-30"], name="Date"
    ).tz_localize("America/New_York")
    frame = pd.DataFrame(
        {"Open": [10.0] * 3, "High": [11.0] * 3, "Low": [9.0] * 3,
         "Close": [10.5] * 3, "Volume": [100] * 3, "Dividends": 0.0,
         "Stock Splits": 0.0},
        index=index,
    )  # fmt: skip
    loaded = load_dataframes({"SPY": frame}, DATES)
    assert loaded.shapes == {"DataFrame['SPY']": "yfinance"}
    assert stamps(loaded.frames[0]) == [
        utc(2026, 11, 25, 14, 30),
        utc(2026, 11, 27, 14, 30),  # the early close opens as usual
        utc(2026, 11, 30, 14, 30),
    ]


def test_a_forced_shape_overrides_detection(tmp_path: Path) -> None:
    # Midnights in a column not called Date: instants, unless the shape is yfinance.
    path = write(
        tmp_path, "AAPL.csv", "timestamp,symbol,open,high,low,close,volume",
        "2026-01-05 00:00:00-05:00,MSFT,10,11,9,10.5,100",
        "2026-01-06 00:00:00-05:00,MSFT,10,11,9,10.5,100",
    )  # fmt: skip
    detected = load_bars(path, DATES)
    assert (detected.shapes, detected.frames[0].symbol) == (
        {"AAPL.csv": "long"},
        "MSFT",
    )
    assert stamps(detected.frames[0])[0] == utc(2026, 1, 5, 5, 0)
    forced = load_bars(path, BarFileOptions(sessions=sessions, shape="yfinance"))
    assert stamps(forced.frames[0])[0] == utc(2026, 1, 5, 14, 30)
    own = load_bars(path, BarFileOptions(shape="tradecore"))
    assert [f.symbol for f in own.frames] == ["AAPL"]  # the symbol column is ignored


@pytest.mark.parametrize(
    ("shape", "message"),
    [("alpaca", "needs a symbol column"), ("excel", "unknown shape 'excel'")],
)
def test_a_forced_shape_the_file_does_not_have_is_named(
    tmp_path: Path, shape: str, message: str
) -> None:
    path = write(tmp_path, "AAPL.csv", NAIVE, "2026-01-05T14:30:00Z,10,11,9,10.5,100")
    with pytest.raises(BarFileError, match=message):
        load_bars(path, BarFileOptions(shape=shape))
