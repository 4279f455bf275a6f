"""The emulator's market clock and calendar, read through alpaca-py (issue 16).

``GET /v2/calendar`` and ``GET /v2/clock`` come from the emulator's MarketCalendar;
what alpaca-py parses must agree with XNYS from the calendar adapter at DST, an
early close, a holiday and a weekend. A DAY order placed outside the session is
``accepted`` (received, not routed), is routed and fills at the open, or expires
at that session's close.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from alpaca.trading.enums import OrderSide, OrderStatus, TimeInForce
from alpaca.trading.models import Calendar, Clock
from alpaca.trading.requests import (
    GetCalendarRequest,
    LimitOrderRequest,
    MarketOrderRequest,
)

from tests.alpaca_harness import CREDENTIALS
from tests.calendars import xnys
from tradecore.adapters.alpaca._sdk import APIError, TradingClient
from tradecore.adapters.alpaca_emulator import (
    EmulatorConfig,
    EmulatorControl,
    EmulatorServer,
)
from tradecore.adapters.alpaca_emulator.control import HUB
from tradecore.domain.market.calendar import MarketCalendar

NY = ZoneInfo("America/New_York")
HEADERS = {
    "APCA-API-KEY-ID": CREDENTIALS.key_id,
    "APCA-API-SECRET-KEY": CREDENTIALS.secret_key,
}


def _client(server: EmulatorServer) -> TradingClient:
    client = TradingClient(
        CREDENTIALS.key_id, CREDENTIALS.secret_key, url_override=server.base_url
    )
    client._retry = 0
    return client


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=7)) as running:
        yield running


def _expected(start: date, end: date) -> list[tuple[date, datetime, datetime]]:
    """XNYS sessions as alpaca-py's Calendar holds them: New York wall times."""
    return [
        (
            s.date,
            s.open.astimezone(NY).replace(tzinfo=None),
            s.close.astimezone(NY).replace(tzinfo=None),
        )
        for s in xnys().sessions_between(start, end)
    ]


def _calendar(server: EmulatorServer, start: date, end: date) -> list[Calendar]:
    days = _client(server).get_calendar(GetCalendarRequest(start=start, end=end))
    assert isinstance(days, list)
    return days


# --- GET /v2/calendar ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        # DST starts Sunday 2026-03-08: 14:30 UTC opens before, 13:30 UTC after.
        (date(2026, 3, 2), date(2026, 3, 13)),
        # Thanksgiving 2025-11-27 is a holiday; the 28th closes at 13:00.
        (date(2025, 11, 24), date(2025, 11, 30)),
        # 2025-07-04 is a holiday; the 3rd closes at 13:00.
        (date(2025, 7, 1), date(2025, 7, 31)),
    ],
    ids=["dst-march-2026", "thanksgiving-2025", "july-2025"],
)
def test_calendar_parses_to_xnys_sessions(
    server: EmulatorServer, start: date, end: date
) -> None:
    days = _calendar(server, start, end)
    assert [(d.date, d.open, d.close) for d in days] == _expected(start, end)


def test_calendar_early_closes_holidays_and_a_weekend(server: EmulatorServer) -> None:
    november = {
        d.date: d for d in _calendar(server, date(2025, 11, 24), date(2025, 11, 30))
    }
    assert date(2025, 11, 27) not in november
    assert november[date(2025, 11, 28)].close == datetime(2025, 11, 28, 13, 0)
    assert november[date(2025, 11, 26)].close == datetime(2025, 11, 26, 16, 0)
    july = {d.date for d in _calendar(server, date(2025, 7, 1), date(2025, 7, 31))}
    assert date(2025, 7, 4) not in july
    assert len(july) == 22
    assert _calendar(server, date(2026, 1, 10), date(2026, 1, 11)) == []


def test_calendar_json_has_alpacas_shape(server: EmulatorServer) -> None:
    answer = requests.get(
        f"{server.base_url}/v2/calendar",
        params={"start": "2025-11-26", "end": "2025-11-28"},
        headers=HEADERS,
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json() == [
        {
            "date": "2025-11-26",
            "open": "09:30",
            "close": "16:00",
            "session_open": "0400",
            "session_close": "2000",
            "settlement_date": "2025-11-28",  # T+1, over Thanksgiving
        },
        {
            "date": "2025-11-28",
            "open": "09:30",
            "close": "13:00",
            "session_open": "0400",
            "session_close": "1700",
            "settlement_date": "2025-12-01",
        },
    ]


def _get(server: EmulatorServer, **params: str) -> requests.Response:
    return requests.get(
        f"{server.base_url}/v2/calendar", params=params, headers=HEADERS, timeout=10
    )


def test_calendar_defaults_and_bounds(server: EmulatorServer) -> None:
    whole = _get(server).json()  # no bounds: the emulator's whole calendar
    assert whole[0]["date"] == "2015-01-02"
    assert whole[-1]["date"] == "2035-12-31"
    since = _get(server, start="2035-12-24").json()
    assert [d["date"] for d in since] == ["2035-12-24", "2035-12-26", "2035-12-27",
                                          "2035-12-28", "2035-12-31"]  # fmt: skip
    assert _get(server, start="2026-01-09", end="2026-01-05").json() == []
    assert _get(server, start="1990-01-01", end="1990-12-31").json() == []
    # An RFC 3339 time (Alpaca's documented spelling) counts as its New York date.
    stamped = _get(server, start="2026-01-09T15:00:00Z", end="2026-01-09T23:00:00Z")
    assert [d["date"] for d in stamped.json()] == ["2026-01-09"]
    settled = _get(server, start="2025-12-01", end="2025-12-01", date_type="SETTLEMENT")
    assert [d["date"] for d in settled.json()] == ["2025-11-28"]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-02-30"},
        {"start": "yesterday"},
        {"end": "2026/01/05"},
        {"start": "2026-01-05T10:00:00"},  # no zone
        {"date_type": "CLEARING"},
    ],
)
def test_bad_calendar_queries_are_400s_not_500s(
    server: EmulatorServer, params: dict[str, str]
) -> None:
    answer = _get(server, **params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == 40010001
    assert isinstance(body["message"], str)
    with pytest.raises(APIError) as raised:
        _client(server).get("/calendar", params)
    assert raised.value.status_code == 400


# --- GET /v2/clock ---------------------------------------------------------------


def _clock_at(at: datetime) -> Clock:
    with EmulatorServer(EmulatorConfig(seed=7, start=at)) as server:
        clock = _client(server).get_clock()
    assert isinstance(clock, Clock)
    return clock


@pytest.mark.parametrize(
    ("at", "is_open", "next_open", "next_close"),
    [
        # Mid-session, two days after the DST switch (EDT: 13:30-20:00 UTC).
        (
            datetime(2026, 3, 10, 16, 0, tzinfo=UTC),
            True,
            datetime(2026, 3, 11, 13, 30, tzinfo=UTC),
            datetime(2026, 3, 10, 20, 0, tzinfo=UTC),
        ),
        # One second before Friday's close.
        (
            datetime(2026, 1, 9, 20, 59, 59, tzinfo=UTC),
            True,
            datetime(2026, 1, 12, 14, 30, tzinfo=UTC),
            datetime(2026, 1, 9, 21, 0, tzinfo=UTC),
        ),
        # Exactly at the close: closed (sessions are [open, close)).
        (
            datetime(2026, 1, 9, 21, 0, tzinfo=UTC),
            False,
            datetime(2026, 1, 12, 14, 30, tzinfo=UTC),
            datetime(2026, 1, 12, 21, 0, tzinfo=UTC),
        ),
        # Friday evening: the next open is Monday's.
        (
            datetime(2026, 1, 9, 23, 30, tzinfo=UTC),
            False,
            datetime(2026, 1, 12, 14, 30, tzinfo=UTC),
            datetime(2026, 1, 12, 21, 0, tzinfo=UTC),
        ),
        # The day before Independence Day 2025 closes at 13:00; the next open is
        # Monday the 7th (the 4th is a Friday holiday).
        (
            datetime(2025, 7, 3, 17, 30, tzinfo=UTC),
            False,
            datetime(2025, 7, 7, 13, 30, tzinfo=UTC),
            datetime(2025, 7, 7, 20, 0, tzinfo=UTC),
        ),
        # The evening before Thanksgiving: next, the 28th's short session.
        (
            datetime(2025, 11, 26, 22, 0, tzinfo=UTC),
            False,
            datetime(2025, 11, 28, 14, 30, tzinfo=UTC),
            datetime(2025, 11, 28, 18, 0, tzinfo=UTC),
        ),
    ],
    ids=[
        "mid-session",
        "second-before-close",
        "at-close",
        "friday-evening",
        "before-july-4",
        "before-thanksgiving",
    ],
)
def test_clock_agrees_with_xnys(
    at: datetime, is_open: bool, next_open: datetime, next_close: datetime
) -> None:
    clock = _clock_at(at)
    assert clock.timestamp == at
    assert clock.timestamp.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))
    assert (clock.is_open, clock.next_open, clock.next_close) == (
        is_open,
        next_open,
        next_close,
    )
    calendar = xnys()
    assert clock.is_open == calendar.is_open(at)
    assert clock.next_close == calendar.next_close(at)
    assert clock.next_open == calendar.next_open(at + timedelta(microseconds=1))


# --- orders outside the session ------------------------------------------------------

SATURDAY = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
FRIDAY_LAST_BAR = datetime(2026, 1, 9, 20, 59, tzinfo=UTC)
MONDAY_OPEN = datetime(2026, 1, 12, 14, 30, tzinfo=UTC)
MONDAY_CLOSE = datetime(2026, 1, 12, 21, 0, tzinfo=UTC)


def _bar(at: datetime, price: float) -> dict[str, Any]:
    return {"symbol": "AAPL", "t": at.isoformat(), "o": price, "h": price + 0.1,
            "l": price - 0.1, "c": price, "v": 1_000_000}  # fmt: skip


def _settle(control: EmulatorControl) -> None:
    """Let the venue acknowledge what was sent (``pending_new`` until then)."""
    control.advance(5)


def test_a_day_order_placed_on_saturday_is_accepted_then_fills_at_the_open() -> None:
    config = EmulatorConfig(
        seed=7, start=FRIDAY_LAST_BAR, fill_model="ideal", record_wire=True
    )
    with EmulatorServer(config) as server:
        client, control = _client(server), EmulatorControl(server.base_url)
        control.bars([_bar(FRIDAY_LAST_BAR, 99.0)])  # a market order needs a price
        control.advance_to(SATURDAY)
        placed = client.submit_order(
            MarketOrderRequest(
                symbol="AAPL", qty=3, side=OrderSide.BUY, time_in_force=TimeInForce.DAY
            )
        )
        _settle(control)
        assert client.get_order_by_id(placed.id).status is OrderStatus.ACCEPTED
        control.advance_to(MONDAY_OPEN - timedelta(minutes=1))
        assert client.get_order_by_id(placed.id).status is OrderStatus.ACCEPTED
        control.advance_to(MONDAY_OPEN)
        control.bars([_bar(MONDAY_OPEN, 100.0)])
        filled = client.get_order_by_id(placed.id)
        frames = [json.loads(f)["data"] for f in server.app[HUB].recorded]
    assert filled.status is OrderStatus.FILLED
    assert filled.filled_at is not None
    assert filled.filled_at >= MONDAY_OPEN
    assert filled.filled_qty == "3"
    # The stream says the same as REST: accepted on Saturday, filled at the open.
    assert [(f["event"], f["order"]["status"]) for f in frames] == [
        ("accepted", "accepted"),
        ("fill", "filled"),
    ]


def test_a_queued_day_order_is_new_at_the_open_and_expires_at_its_close() -> None:
    with EmulatorServer(EmulatorConfig(seed=7, start=SATURDAY)) as server:
        client, control = _client(server), EmulatorControl(server.base_url)
        placed = client.submit_order(
            LimitOrderRequest(
                symbol="AAPL",
                qty=2,
                side=OrderSide.BUY,
                limit_price=50.0,  # far below the market: it rests
                time_in_force=TimeInForce.DAY,
            )
        )
        _settle(control)
        assert client.get_order_by_id(placed.id).status is OrderStatus.ACCEPTED
        control.advance_to(MONDAY_OPEN)
        control.bars([_bar(MONDAY_OPEN, 100.0)])
        routed = client.get_order_by_id(placed.id)
        control.advance_to(MONDAY_CLOSE - timedelta(seconds=1))
        still = client.get_order_by_id(placed.id)
        control.advance_to(MONDAY_CLOSE)
        expired = client.get_order_by_id(placed.id)
    assert routed.status is OrderStatus.NEW
    assert still.status is OrderStatus.NEW
    assert expired.status is OrderStatus.EXPIRED
    assert expired.expired_at == MONDAY_CLOSE  # that session's close, not Saturday's


def test_an_order_in_the_session_is_new_at_once() -> None:
    with EmulatorServer(EmulatorConfig(seed=7, start=MONDAY_OPEN)) as server:
        client = _client(server)
        placed = client.submit_order(
            LimitOrderRequest(symbol="AAPL", qty=1, side=OrderSide.BUY,
                              limit_price=50.0, time_in_force=TimeInForce.DAY)
        )  # fmt: skip
        _settle(EmulatorControl(server.base_url))
        acked = client.get_order_by_id(placed.id)
    assert placed.status is OrderStatus.PENDING_NEW  # before the venue's ack
    assert acked.status is OrderStatus.NEW


def test_an_always_open_emulator_serves_utc_days() -> None:
    config = EmulatorConfig(
        seed=7, start=SATURDAY, calendar=MarketCalendar.always_open()
    )
    with EmulatorServer(config) as server:
        days = _calendar(server, date(2026, 1, 10), date(2026, 1, 11))
        clock = _client(server).get_clock()
        default = _get(server).json()
    assert [d.date for d in days] == [date(2026, 1, 10), date(2026, 1, 11)]
    assert isinstance(clock, Clock)
    assert clock.is_open
    assert default[0]["date"] == "2026-01-10"
    assert len(default) == 365
