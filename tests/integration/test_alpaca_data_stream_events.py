"""Alpaca's rarer market-data stream messages and refusals, end to end.

The emulator sends corrected bars (``u``), daily bars (``d``), trading statuses
(``s``), LULD bands (``l``) and the 406/409 connection errors as Alpaca does; the
stream bar feed, on real alpaca-py over loopback, handles each as its own condition
(:mod:`tradecore.adapters.alpaca.stream_bar_feed`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.alpaca_harness import CREDENTIALS, START, adapter_config, eventually
from tests.risk_support import RecordingAlerter
from tradecore.adapters.alpaca.market_data import AlpacaMarketData, RecentSip
from tradecore.adapters.alpaca.stream_bar_feed import (
    AlpacaStreamBarFeed,
    stream_url_for,
)
from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.apps.live.stream_feed import trading_status_of
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Bar, Provenance
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.ports.alerts import AlertCode
from tradecore.services.controls.risk_gate import RiskGate

MINUTE = timedelta(minutes=1)
LATER = START + 60 * MINUTE


def _bar(i: int, close: float, symbol: str = "AAPL") -> dict[str, Any]:
    at = (START + i * MINUTE).isoformat()
    return {"symbol": symbol, "t": at, "o": close, "h": close + 1} | {
        "l": close - 1,
        "c": close,
        "v": 100,
    }


def _post(control: EmulatorControl, i: int, close: float) -> None:
    control.bars([_bar(i, close)], through=False)
    control.advance_to(START + (i + 1) * MINUTE)


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=9, start=START)) as running:
        yield running


def _feed(
    server: EmulatorServer,
    alerter: RecordingAlerter | None = None,
    feed: Provenance = Provenance.IEX,
    **data: Any,
) -> AlpacaStreamBarFeed:
    config = adapter_config(server, seed=11)
    market = AlpacaMarketData(
        config, CREDENTIALS, feed=feed, base_url=server.base_url, **data
    )
    return AlpacaStreamBarFeed(
        market,
        ["AAPL"],
        start=START,
        config=config,
        credentials=CREDENTIALS,
        stream_url=stream_url_for(feed, server.base_url),
        alerter=alerter,
    )


def _subscribed(feed: AlpacaStreamBarFeed) -> AlpacaStreamBarFeed:
    feed.start()
    eventually(lambda: feed.status().subscriptions >= 1, what="the subscription")
    return feed


def _codes(alerter: RecordingAlerter) -> list[str]:
    return [a.code for a in alerter.alerts]


def _rest_close(server: EmulatorServer, i: int) -> float:
    data = AlpacaMarketData(
        adapter_config(server),
        CREDENTIALS,
        feed=Provenance.IEX,
        base_url=server.base_url,
    )
    (bar,) = data.bars("AAPL", START + i * MINUTE, START + (i + 1) * MINUTE)
    return bar.close


# --- corrected bars (u) ------------------------------------------------------------------


def test_a_correction_before_serving_replaces_the_bar_the_engine_sees(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    feed = _subscribed(_feed(server))
    try:
        _post(control, 0, 100.0)
        eventually(lambda: feed.status().streamed == 1, what="the minute bar")
        control.market_events({"type": "updated_bar"} | _bar(0, 100.5))
        eventually(lambda: feed.status().corrected_unserved == 1, what="the u bar")
        served: list[Bar] = []
        eventually(lambda: bool(served.extend(feed.poll(LATER)) or served))
    finally:
        feed.close()
    assert [(b.timestamp, b.close) for b in served] == [(START, 100.5)]
    assert feed.take_corrections() == []
    assert _rest_close(server, 0) == 100.5  # REST history carries it too


def test_a_correction_after_serving_is_kept_alerted_and_in_the_rest_history(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    alerter = RecordingAlerter()
    feed = _subscribed(_feed(server, alerter))
    try:
        _post(control, 0, 100.0)
        served: list[Bar] = []
        eventually(lambda: bool(served.extend(feed.poll(LATER)) or served))
        control.market_events({"type": "updated_bar"} | _bar(0, 99.5))
        eventually(lambda: feed.status().corrected_served == 1, what="the u bar")
        assert feed.poll(LATER) == []  # served once: never again
        (corrected,) = feed.take_corrections()
    finally:
        feed.close()
    assert [b.close for b in served] == [100.0]
    assert (corrected.timestamp, corrected.close) == (START, 99.5)
    assert _codes(alerter) == [AlertCode.BAR_CORRECTED.value]
    assert _rest_close(server, 0) == 99.5


def test_a_correction_of_an_unknown_or_open_bar_is_refused_by_the_control_api(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    control.advance_to(START + 10 * MINUTE)
    with pytest.raises(InvalidInput, match="to correct"):
        control.market_events({"type": "updated_bar"} | _bar(5, 10.0))
    control.bars([_bar(10, 10.0)], through=False)
    with pytest.raises(InvalidInput, match="is open"):
        control.market_events({"type": "updated_bar"} | _bar(10, 11.0))


# --- daily bars (d), statuses (s), LULD (l) --------------------------------------------


def test_the_daily_bar_is_the_day_so_far_stamped_at_new_york_midnight(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    feed = _subscribed(_feed(server))
    try:
        _post(control, 0, 100.0)
        _post(control, 1, 102.0)
        control.market_events({"type": "daily_bar", "symbol": "AAPL"})
        eventually(lambda: feed.daily_bar("AAPL") is not None, what="the d bar")
        daily = feed.daily_bar("AAPL")
    finally:
        feed.close()
    assert daily is not None
    assert daily.timestamp == datetime(2026, 1, 5, 5, 0, tzinfo=UTC)  # 00:00 EST
    assert (daily.open, daily.high, daily.close, daily.volume) == (
        100.0,
        103.0,
        102.0,
        200,
    )


@pytest.mark.parametrize(("tape", "halt", "resume"), [("C", "H", "T"), ("A", "2", "3")])
def test_a_halt_holds_until_resumed_and_is_alerted(
    server: EmulatorServer, tape: str, halt: str, resume: str
) -> None:
    control = EmulatorControl(server.base_url)
    alerter = RecordingAlerter()
    feed = _subscribed(_feed(server, alerter))
    try:
        control.market_events(
            {"type": "halt", "symbol": "AAPL", "reason": "T12", "tape": tape}
        )
        eventually(lambda: "AAPL" in feed.halted(), what="the halt")
        halted = feed.halted()["AAPL"]
        feed.poll(START)
        control.market_events({"type": "resume", "symbol": "AAPL", "tape": tape})
        eventually(lambda: feed.halted() == {}, what="the resumption")
        feed.poll(START)
    finally:
        feed.close()
    assert (halted.status_code, halted.reason_code) == (halt, "T12")
    assert halted.since == START
    assert _codes(alerter) == [
        AlertCode.TRADING_HALTED.value,
        AlertCode.TRADING_RESUMED.value,
    ]
    del resume


def test_the_luld_band_is_kept_per_symbol(server: EmulatorServer) -> None:
    control = EmulatorControl(server.base_url)
    feed = _subscribed(_feed(server))
    try:
        control.market_events(
            {"type": "luld", "symbol": "AAPL", "up": 105.0, "down": 95.0}
        )
        eventually(lambda: feed.luld("AAPL") is not None, what="the l message")
    finally:
        feed.close()
    assert feed.luld("AAPL") == (105.0, 95.0, "B")


# --- 406 and 409 -------------------------------------------------------------------------


def _raw_auth(server: EmulatorServer, feed: str) -> tuple[list[Any], bool]:
    """Connect and authenticate as a JSON client; the frames, and whether it closed."""
    url = stream_url_for(Provenance(feed), server.base_url)
    with connect(url) as ws:
        frames = [json.loads(ws.recv())]
        ws.send(json.dumps({"action": "auth"} | _keys()))
        frames.append(json.loads(ws.recv()))
        try:
            ws.recv(timeout=2)
            closed = False
        except Exception:  # ConnectionClosed: the server closed after the error
            closed = True
    return frames, closed


def _keys() -> dict[str, str]:
    return {"key": CREDENTIALS.key_id, "secret": CREDENTIALS.secret_key}


def test_the_emulator_sends_406_then_closes_a_connection_over_the_limit() -> None:
    with EmulatorServer(EmulatorConfig(seed=9, data_connection_limit=1)) as server:
        url = stream_url_for(Provenance.IEX, server.base_url)
        with connect(url) as first:
            first.recv()
            first.send(json.dumps({"action": "auth"} | _keys()))
            assert json.loads(first.recv()) == [
                {"T": "success", "msg": "authenticated"}
            ]
            frames, closed = _raw_auth(server, "iex")
    assert frames[1] == [
        {"T": "error", "code": 406, "msg": "connection limit exceeded"}
    ]
    assert closed


def test_the_emulator_sends_409_on_sip_without_the_subscription() -> None:
    with EmulatorServer(EmulatorConfig(seed=9, sip_subscription=False)) as server:
        frames, closed = _raw_auth(server, "sip")
        iex, _ = _raw_auth(server, "iex")
    assert frames[1] == [
        {"T": "error", "code": 409, "msg": "insufficient subscription"}
    ]
    assert closed
    assert iex[1] == [{"T": "success", "msg": "authenticated"}]


def test_a_406_backs_off_polls_rest_and_reconnects_when_the_slot_frees() -> None:
    config = EmulatorConfig(seed=9, start=START, data_connection_limit=1)
    with EmulatorServer(config) as server:
        control = EmulatorControl(server.base_url)
        holder = _subscribed(_feed(server))
        alerter = RecordingAlerter()
        second = _feed(server, alerter).start()
        try:
            eventually(lambda: second.status().connection_limited >= 2, what="406s")
            _post(control, 0, 100.0)
            bars = second.poll(LATER)  # no credentials error: REST serves the bars
            status = second.status()
            assert not status.auth_failed
            assert [b.close for b in bars] == [100.0]
            # one alert for the streak of 406s, however many retries
            assert _codes(alerter) == [AlertCode.DATA_STREAM_REFUSED.value]
            assert alerter.alerts[0].context["condition"] == "connection_limit"
            holder.close()
            eventually(lambda: second.status().connected, what="the free slot")
        finally:
            second.close()
            holder.close()


def test_a_409_falls_back_to_rest_polling_not_to_a_credentials_failure() -> None:
    config = EmulatorConfig(seed=9, start=START, sip_subscription=False)
    with EmulatorServer(config) as server:
        control = EmulatorControl(server.base_url)
        for i in range(30):
            _post(control, i, 100.0 + i)
        alerter = RecordingAlerter()
        feed = _feed(
            server, alerter, feed=Provenance.SIP, recent_sip=RecentSip.DELAYED
        ).start()
        try:
            eventually(lambda: feed.status().insufficient_subscription, what="409")
            now = control.now()
            bars = feed.poll(now)
            more = feed.poll(now)
            status = feed.status()
        finally:
            feed.close()
    assert not status.auth_failed
    assert not status.connected
    assert status.connections == 0  # refused at auth; the SDK stops for good
    # REST without the SIP plan: up to 15 minutes ago (RecentSip.DELAYED)
    assert [b.timestamp for b in bars] == [START + i * MINUTE for i in range(16)]
    assert more == []
    assert alerter.alerts[0].context["condition"] == "insufficient_subscription"


def test_a_streamed_halt_stops_the_gate_until_the_resumption(
    server: EmulatorServer,
) -> None:
    control = EmulatorControl(server.base_url)
    feed = _subscribed(_feed(server))
    gate = RiskGate(
        PreTradeChecker(RiskLimits()),
        None,  # type: ignore[arg-type]  # a refusal reads no store
        RecordingAlerter(),
        trading_status=trading_status_of(feed),
    )
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
    try:
        control.market_events({"type": "halt", "symbol": "AAPL", "reason": "LUDP"})
        eventually(lambda: "AAPL" in feed.halted(), what="the halt")
        refused = gate.check(None, "s", spec, START)  # type: ignore[arg-type]
        control.market_events({"type": "resume", "symbol": "AAPL"})
        eventually(lambda: not feed.halted(), what="the resumption")
    finally:
        feed.close()
    assert (refused.rule, refused.values["reason"]) == ("symbol_halted", "LUDP")
