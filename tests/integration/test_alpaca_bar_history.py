"""Historical bars of any timeframe and adjustment, and the recent-SIP refusal.

The emulator aggregates its minute tape as Alpaca does (New York-aligned buckets,
daily bars at midnight New York time, DST and early closes), back-adjusts for
configured splits and dividends, and refuses recent SIP data without the
subscription; alpaca-py parses the answers and the adapter maps the refusal to its
own condition (:mod:`tradecore.adapters.alpaca_emulator.bar_history`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.alpaca_harness import CREDENTIALS, adapter_config
from tradecore.adapters.alpaca.market_data import AlpacaMarketData, RecentSip
from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer
from tradecore.adapters.alpaca_emulator.bar_history import (
    CorporateAction,
    Timeframe,
    Unit,
    bucket_start,
    parse_adjustment,
    parse_timeframe,
)
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.adapters.alpaca_emulator.errors import ApiError
from tradecore.apps.config.settings import load_settings
from tradecore.apps.live.feed import alpaca_market_data
from tradecore.domain.errors import (
    ConfigurationError,
    DataSubscriptionRequired,
    InvalidInput,
)
from tradecore.domain.market.bars import Provenance

MINUTE = timedelta(minutes=1)
#: Monday 2026-01-05, 08:00 New York (EST, pre-market) — the emulator's start.
PRE = datetime(2026, 1, 5, 13, 0, tzinfo=UTC)


def _minutes(
    symbol: str, start: datetime, count: int, *, price: float = 100.0
) -> list[dict[str, Any]]:
    bars = []
    for i in range(count):
        close = price + i * 0.01
        bars.append(
            {"symbol": symbol, "t": (start + i * MINUTE).isoformat()}
            | {"o": close, "h": close + 0.5, "l": close - 0.5, "c": close, "v": 100}
        )
    return bars


def _data(server: EmulatorServer, feed: Provenance = Provenance.IEX, **kw: Any):
    return AlpacaMarketData(
        adapter_config(server), CREDENTIALS, feed=feed, base_url=server.base_url, **kw
    )


# --- the rules, without a server --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1Min", Timeframe(1, Unit.MINUTE)),
        ("59Min", Timeframe(59, Unit.MINUTE)),
        ("23Hour", Timeframe(23, Unit.HOUR)),
        ("1Day", Timeframe(1, Unit.DAY)),
        ("1Week", Timeframe(1, Unit.WEEK)),
        ("12Month", Timeframe(12, Unit.MONTH)),
    ],
)
def test_alpacas_timeframes_parse(text: str, expected: Timeframe) -> None:
    assert parse_timeframe(text) == expected


@pytest.mark.parametrize("text", ["60Min", "24Hour", "2Day", "2Week", "5Month", "1Sec"])
def test_timeframes_beyond_alpacas_limits_are_400(text: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_timeframe(text)
    assert caught.value.status == 400


def test_adjustments_combine_and_refuse_unknown_or_repeated_values() -> None:
    assert parse_adjustment(None) == parse_adjustment("raw") == frozenset()
    assert parse_adjustment("all") == {"split", "dividend"}
    assert parse_adjustment("split,dividend") == {"split", "dividend"}
    for bad in ("", "splits", "split,split"):
        with pytest.raises(ApiError):
            parse_adjustment(bad)


def test_buckets_follow_the_new_york_clock_across_dst() -> None:
    winter = datetime(2026, 1, 5, 14, 37, tzinfo=UTC)  # 09:37 EST
    summer = datetime(2026, 7, 6, 13, 37, tzinfo=UTC)  # 09:37 EDT
    day, hour = Timeframe(1, Unit.DAY), Timeframe(1, Unit.HOUR)
    assert bucket_start(winter, day) == datetime(2026, 1, 5, 5, 0, tzinfo=UTC)
    assert bucket_start(summer, day) == datetime(2026, 7, 6, 4, 0, tzinfo=UTC)
    # the hourly bar starting 09:00 New York holds 09:00-09:30 pre-market too
    assert bucket_start(winter, hour) == datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    assert bucket_start(winter, Timeframe(15, Unit.MINUTE)) == datetime(
        2026, 1, 5, 14, 30, tzinfo=UTC
    )
    wednesday = datetime(2026, 1, 7, 15, 0, tzinfo=UTC)
    assert bucket_start(wednesday, Timeframe(1, Unit.WEEK)) == bucket_start(winter, day)
    assert bucket_start(summer, Timeframe(3, Unit.MONTH)) == datetime(
        2026, 7, 1, 4, 0, tzinfo=UTC
    )


# --- through alpaca-py --------------------------------------------------------------------


@pytest.fixture
def day_server() -> Iterator[EmulatorServer]:
    """08:00-10:59 New York on 2026-01-05: 180 minute bars, pre-market included."""
    with EmulatorServer(EmulatorConfig(seed=3, start=PRE)) as running:
        EmulatorControl(running.base_url).bars(_minutes("AAPL", PRE, 180))
        yield running


def test_intraday_timeframes_aggregate_the_minute_tape(
    day_server: EmulatorServer,
) -> None:
    end = PRE + 3 * 60 * MINUTE
    for minutes, count in ((5, 36), (15, 12), (60, 3)):
        data = _data(day_server, interval=timedelta(minutes=minutes))
        bars = data.bars("AAPL", PRE, end)
        assert len(bars) == count
        first = bars[0]
        assert first.timestamp == PRE
        assert first.open == 100.0
        assert first.close == pytest.approx(100.0 + (minutes - 1) * 0.01)
        assert first.high == pytest.approx(first.close + 0.5)
        assert first.volume == 100 * minutes
    # hourly: 08:00-09:00 New York (13:00-14:00Z) is one bar, aligned to the clock
    hourly = _data(day_server, interval=timedelta(hours=1)).bars("AAPL", PRE, end)
    assert [b.timestamp.hour for b in hourly] == [13, 14, 15]


def test_a_daily_bar_is_its_new_york_day_stamped_at_midnight(
    day_server: EmulatorServer,
) -> None:
    data = _data(day_server)
    midnight = datetime(2026, 1, 5, 5, 0, tzinfo=UTC)
    (bar,) = data.daily_bars(["AAPL"], midnight, midnight + timedelta(days=1))["AAPL"]
    assert bar.timestamp == midnight
    assert bar.open == 100.0
    assert bar.close == pytest.approx(100.0 + 179 * 0.01)
    assert bar.volume == 180 * 100


def test_daily_bars_follow_dst_and_early_closes() -> None:
    summer_open = datetime(2026, 7, 6, 13, 30, tzinfo=UTC)  # 09:30 EDT
    early = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)  # 09:30 EST, closes 13:00
    with EmulatorServer(EmulatorConfig(seed=3, start=PRE)) as server:
        control = EmulatorControl(server.base_url)
        control.bars(_minutes("AAPL", summer_open, 3))
        control.bars(_minutes("AAPL", early, 210, price=50.0))  # 09:30-13:00 EST
        control.advance_to(datetime(2026, 11, 28, 12, tzinfo=UTC))
        daily = _data(server).daily_bars(
            ["AAPL"],
            datetime(2026, 7, 1, tzinfo=UTC),
            datetime(2026, 12, 1, tzinfo=UTC),
        )["AAPL"]
    assert [b.timestamp for b in daily] == [
        datetime(2026, 7, 6, 4, 0, tzinfo=UTC),  # midnight EDT
        datetime(2026, 11, 27, 5, 0, tzinfo=UTC),  # midnight EST
    ]
    assert daily[1].volume == 210 * 100
    assert daily[1].close == pytest.approx(50.0 + 209 * 0.01)


# --- adjustment -----------------------------------------------------------------------------


@pytest.fixture
def split_server() -> Iterator[EmulatorServer]:
    """AAPL at 400 on Jan 5, a 4-for-1 split and a $1 dividend effective Jan 6."""
    actions = (
        CorporateAction.split("AAPL", date(2026, 1, 6), 4, 1),
        CorporateAction.dividend("AAPL", date(2026, 1, 7), Decimal(1)),
    )
    config = EmulatorConfig(seed=3, start=PRE, corporate_actions=actions)
    with EmulatorServer(config) as running:
        control = EmulatorControl(running.base_url)
        day = timedelta(days=1)
        control.bars(_minutes("AAPL", PRE + timedelta(minutes=90), 1, price=400.0))
        control.bars(
            _minutes("AAPL", PRE + day + timedelta(minutes=90), 1, price=100.0)
        )
        control.bars(_minutes("AAPL", PRE + 2 * day + timedelta(minutes=90), 1))
        yield running


def _daily(server: EmulatorServer, adjustment: str) -> list[tuple[float, float]]:
    data = _data(server, adjustment=adjustment)
    since = datetime(2026, 1, 5, tzinfo=UTC)
    bars = data.daily_bars(["AAPL"], since, since + timedelta(days=4))["AAPL"]
    return [(b.close, b.volume) for b in bars]


def test_raw_bars_are_unadjusted(split_server: EmulatorServer) -> None:
    assert _daily(split_server, "raw") == [(400.0, 100), (100.0, 100), (100.0, 100)]


def test_split_adjustment_divides_prices_and_multiplies_volumes_before_the_ex_date(
    split_server: EmulatorServer,
) -> None:
    assert _daily(split_server, "split") == [(100.0, 400), (100.0, 100), (100.0, 100)]


def test_dividend_adjustment_scales_prices_before_the_ex_date(
    split_server: EmulatorServer,
) -> None:
    # $1 on a 100 close the day before the ex-date: factor 0.99, volumes untouched
    assert _daily(split_server, "dividend") == [
        (396.0, 100),
        (99.0, 100),
        (100.0, 100),
    ]
    assert _daily(split_server, "all") == [(99.0, 400), (99.0, 100), (100.0, 100)]


def test_an_unknown_adjustment_is_refused_by_the_adapter(
    split_server: EmulatorServer,
) -> None:
    with pytest.raises(InvalidInput):
        _data(split_server, adjustment="splits")


# --- recent SIP data without the subscription ---------------------------------------------


@pytest.fixture
def free_plan() -> Iterator[EmulatorServer]:
    config = EmulatorConfig(seed=3, start=PRE, sip_subscription=False)
    with EmulatorServer(config) as running:
        EmulatorControl(running.base_url).bars(_minutes("AAPL", PRE, 60))
        yield running


def test_recent_sip_bars_are_their_own_condition_not_bad_credentials(
    free_plan: EmulatorServer,
) -> None:
    now = EmulatorControl(free_plan.base_url).now()
    with pytest.raises(DataSubscriptionRequired) as caught:
        _data(free_plan, Provenance.SIP).bars("AAPL", PRE, now)
    assert caught.value.condition == "recent_sip"
    assert "subscription does not permit querying recent SIP data" in str(caught.value)


def test_sip_bars_older_than_15_minutes_and_iex_bars_are_served(
    free_plan: EmulatorServer,
) -> None:
    now = EmulatorControl(free_plan.base_url).now()
    old = _data(free_plan, Provenance.SIP).bars("AAPL", PRE, now - 16 * MINUTE)
    assert len(old) == 44
    assert len(_data(free_plan, Provenance.IEX).bars("AAPL", PRE, now)) == 60


def test_delayed_mode_asks_again_and_gets_bars_up_to_15_minutes_ago(
    free_plan: EmulatorServer,
) -> None:
    now = EmulatorControl(free_plan.base_url).now()
    data = _data(free_plan, Provenance.SIP, recent_sip=RecentSip.DELAYED)
    bars = data.bars("AAPL", PRE, now)
    assert bars
    assert bars[-1].timestamp <= now - 15 * MINUTE
    assert len(bars) == 46  # t <= now - 15 min, as Alpaca's default end


def test_data_settings_choose_the_adjustment_and_the_recent_sip_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tradecore.toml"
    path.write_text(
        '[data]\nfeed = "sip"\nadjustment = "all"\nrecent_sip = "delayed"\n'
        '[broker]\nkind = "alpaca"\nbase_url = "http://127.0.0.1:1"\n'
        'stream_url = "ws://127.0.0.1:1/stream"\n'
    )
    monkeypatch.setenv("APCA_API_KEY_ID", CREDENTIALS.key_id)
    monkeypatch.setenv("APCA_API_SECRET_KEY", CREDENTIALS.secret_key)
    settings = load_settings(path, {})
    _, _, data = alpaca_market_data(settings, MINUTE)
    assert (data.adjustment.value, data.recent_sip) == ("all", RecentSip.DELAYED)
    bad = tmp_path / "bad.toml"
    bad.write_text('[data]\nadjustment = "splits"\n')
    with pytest.raises(ConfigurationError, match="adjustment"):
        load_settings(bad, {})


def test_weekly_and_monthly_bars_through_alpaca_py() -> None:
    from alpaca.data.historical.stock import StockHistoricalDataClient
    from alpaca.data.requests import StockBarsRequest
    from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

    wednesday = datetime(2026, 1, 7, 15, 0, tzinfo=UTC)
    february = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
    with EmulatorServer(EmulatorConfig(seed=3, start=PRE)) as server:
        control = EmulatorControl(server.base_url)
        for start, price in ((PRE, 10.0), (wednesday, 20.0), (february, 30.0)):
            control.bars(_minutes("AAPL", start, 2, price=price))
        client = StockHistoricalDataClient(
            CREDENTIALS.key_id, CREDENTIALS.secret_key, url_override=server.base_url
        )

        def closes(timeframe: TimeFrame) -> list[tuple[datetime, float, float]]:
            request = StockBarsRequest(
                symbol_or_symbols="AAPL",
                timeframe=timeframe,
                start=datetime(2026, 1, 1, tzinfo=UTC),
                end=datetime(2026, 3, 1, tzinfo=UTC),
            )
            bars = client.get_stock_bars(request).data["AAPL"]  # type: ignore[union-attr]
            return [(b.timestamp, b.open, b.volume) for b in bars]

        weekly = closes(TimeFrame.Week)
        monthly = closes(TimeFrame(1, TimeFrameUnit.Month))
    monday, feb2 = (
        datetime(2026, 1, 5, 5, tzinfo=UTC),
        datetime(2026, 2, 2, 5, tzinfo=UTC),
    )
    assert weekly == [(monday, 10.0, 400), (feb2, 30.0, 200)]
    assert monthly == [
        (datetime(2026, 1, 1, 5, tzinfo=UTC), 10.0, 400),
        (datetime(2026, 2, 1, 5, tzinfo=UTC), 30.0, 200),
    ]
