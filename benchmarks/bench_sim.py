"""Simulated broker throughput: events/second and cost per bar on 1,000,000 bars.

Ten symbols trade every minute around the clock; a steady order flow (a market order
every 10 minutes, alternating sides, and a far limit order canceled 30 minutes later)
keeps fills, cancels and acks coming. Bars are built outside the timed sections, in
chunks. Reported next to a floor measured in the same run: a bare dict lookup and
store per bar, which is what a bar with no working order should cost.

Then resting orders: 1,000 and 10,000 far limit orders placed one after another (each
submit checks buying power against every order already resting), with the ratio of the
two per-order costs: 1.0 means a submit costs the same however many orders rest.

Last, the venue's share of a replay's order: market day orders on a weekday
calendar, each checked (``rule_breach``), submitted, matched on the next bar and
filled, driven as the replay drives the broker; CPU time per order.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import numpy as np

from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel

SYMBOLS = tuple(f"SYM{i}" for i in range(10))
START = datetime(2026, 1, 5, tzinfo=UTC)
CHUNK_MINUTES = 10_000
ORDER_EVERY = 10
CANCEL_AFTER = 30


def _bars(rng: np.random.Generator, first_minute: int, minutes: int) -> list[list[Bar]]:
    """Build ``minutes`` rows of random-walk bars, one per symbol, from a minute on."""
    closes = 100.0 * np.exp(np.cumsum(rng.normal(0, 1e-3, (minutes, len(SYMBOLS))), 0))
    opens = np.roll(closes, 1, axis=0)
    opens[0] = closes[0]
    spread = np.abs(rng.normal(0, 5e-4, closes.shape)) * closes
    highs, lows = np.maximum(opens, closes) + spread, np.minimum(opens, closes) - spread
    volumes = rng.integers(1_000, 50_000, closes.shape)
    out = []
    for m in range(minutes):
        at = START + timedelta(minutes=first_minute + m)
        out.append(
            [
                Bar(
                    symbol=s,
                    timestamp=at,
                    open=float(opens[m, j]),
                    high=float(highs[m, j]),
                    low=float(lows[m, j]),
                    close=float(closes[m, j]),
                    volume=float(volumes[m, j]),
                )
                for j, s in enumerate(SYMBOLS)
            ]
        )
    return out


class _Flow:
    """The steady order flow; counts what it sends."""

    def __init__(self, broker: SimulatedBroker) -> None:
        self.broker = broker
        self.pending_cancels: list[tuple[int, str]] = []
        self.sent = 0

    def step(self, minute: int, bars: list[Bar]) -> None:
        while self.pending_cancels and self.pending_cancels[0][0] <= minute:
            _, broker_id = self.pending_cancels.pop(0)
            if self.broker.get_order(broker_id).status.value not in _FINAL:
                self.broker.cancel(broker_id)
        if minute % ORDER_EVERY:
            return
        turn = minute // ORDER_EVERY
        bar = bars[turn % len(bars)]
        # Each symbol alternates buy and sell, so positions stay bounded.
        side = Side.BUY if (turn // len(bars)) % 2 == 0 else Side.SELL
        self.broker.submit(
            f"m{minute}", OrderSpec(symbol=bar.symbol, side=side, qty=Decimal(100))
        )
        far = Decimal(str(round(bar.close * 0.9, 2)))
        spec = OrderSpec(
            symbol=bar.symbol,
            side=Side.BUY,
            qty=Decimal(50),
            order_type=OrderType.LIMIT,
            limit_price=far,
            time_in_force=TimeInForce.GTC,
        )
        ack = self.broker.submit(f"l{minute}", spec)
        self.pending_cancels.append((minute + CANCEL_AFTER, ack.broker_order_id))
        self.sent += 2


_FINAL = {"filled", "canceled", "expired", "rejected", "replaced"}


def _run_model(model: FillModel, minutes: int) -> dict[str, float]:
    clock = SimClock(START)
    config = VenueConfig(
        seed=1,
        fill_model=model,
        calendar=MarketCalendar.always_open(),
        starting_cash=Decimal(10_000_000),
    )
    broker = SimulatedBroker(clock, config)
    flow, rng = _Flow(broker), np.random.default_rng(0)
    events, elapsed = 0, 0.0
    for first in range(0, minutes, CHUNK_MINUTES):
        chunk = _bars(rng, first, min(CHUNK_MINUTES, minutes - first))
        started = time.perf_counter()
        for offset, bars in enumerate(chunk):
            for bar in bars:
                broker.on_bar(bar)
            flow.step(first + offset, bars)
            clock.advance(60.0)
            events += len(broker.poll_events())
        elapsed += time.perf_counter() - started
    n_bars = minutes * len(SYMBOLS)
    return {"bars": n_bars, "events": events, "orders": flow.sent, "seconds": elapsed}


def _idle_bar_cost(n: int) -> tuple[float, float]:
    """Return (seconds per idle on_bar, seconds per dict get+set floor)."""
    clock = SimClock(START)
    broker = SimulatedBroker(
        clock, VenueConfig(seed=1, calendar=MarketCalendar.always_open())
    )
    bar = _bars(np.random.default_rng(1), 0, 1)[0][0]
    started = time.perf_counter()
    for _ in range(n):
        broker.on_bar(bar)
    idle = (time.perf_counter() - started) / n
    index: dict[str, object] = {}
    last: dict[str, Bar] = {}
    started = time.perf_counter()
    for _ in range(n):
        last[bar.symbol] = bar
        index.get(bar.symbol)
    floor = (time.perf_counter() - started) / n
    return idle, floor


def _place_resting(n: int) -> float:
    """Return the seconds taken to place ``n`` far GTC limit buys that all rest."""
    clock = SimClock(START)
    config = VenueConfig(
        seed=1,
        calendar=MarketCalendar.always_open(),
        starting_cash=Decimal(1_000_000_000),
    )
    broker = SimulatedBroker(clock, config)
    specs = [
        OrderSpec(
            symbol=SYMBOLS[i % len(SYMBOLS)],
            side=Side.BUY,
            qty=Decimal(10),
            order_type=OrderType.LIMIT,
            limit_price=Decimal("50.00") + Decimal(i % 100) / 100,
            time_in_force=TimeInForce.GTC,
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    for i, spec in enumerate(specs):
        broker.submit(f"r{i}", spec)
    return time.perf_counter() - started


def _resting_line(quick: bool) -> str:
    """Place 1k and 10k (quick: 200 and 2k) resting orders; report the linearity."""
    small, large = (200, 2_000) if quick else (1_000, 10_000)
    t_small, t_large = _place_resting(small), _place_resting(large)
    per_small, per_large = t_small / small, t_large / large
    return (
        f"resting limit orders: {large:,} placed in {t_large:.2f} s "
        f"= {per_large * 1e6:.1f} us/order ({small:,}: {per_small * 1e6:.1f} us/order); "
        f"per-order ratio {large // 1000}k/{small / 1000:g}k {per_large / per_small:.2f}"
        f" (1.0 = linear; goal: 10,000 in < 1 s)"
    )


def _weekday_calendar(first: date, days: int) -> MarketCalendar:
    """Weekday sessions 14:30-21:00 UTC from ``first`` on (XNYS in winter, no holidays)."""
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.weekday() < 5:
            opens = datetime(day.year, day.month, day.day, 14, 30, tzinfo=UTC)
            rows.append((day, opens, opens + timedelta(hours=6, minutes=30)))
    return MarketCalendar.from_sessions("weekdays", rows)


def _session_minutes(calendar: MarketCalendar, n: int) -> list[datetime]:
    """The first ``n`` + 1 bar starts inside the calendar's sessions."""
    out: list[datetime] = []
    for session in calendar.sessions_between(
        calendar.first_session, calendar.last_session
    ):
        at = session.open
        while at < session.close and len(out) <= n:
            out.append(at)
            at += timedelta(minutes=1)
    return out


def venue_orders(n: int) -> tuple[float, int]:
    """CPU seconds of ``n`` orders through the venue, and the events they gave.

    Per order, as a replay drives the broker: the bar at the decision, the pre-send
    rule check, the submit, the next bar (the match), then the events (ack, fill).
    Symbols take turns; each alternates buying and selling 100 shares.
    """
    calendar = _weekday_calendar(date(2026, 1, 5), n // 250 + 14)
    minutes = _session_minutes(calendar, n)
    rng = np.random.default_rng(2)
    # Prices on the cent grid, as traded prices are.
    closes = np.round(100.0 * np.exp(np.cumsum(rng.normal(0, 1e-3, len(minutes)))), 2)
    bars = [
        Bar(
            symbol=SYMBOLS[i % len(SYMBOLS)],
            timestamp=at,
            open=float(closes[i]),
            high=float(closes[i]) + 0.05,
            low=float(closes[i]) - 0.05,
            close=float(closes[i]),
            volume=10_000.0,
        )
        for i, at in enumerate(minutes)
    ]
    nxt = [attrs.evolve(bars[i + 1], symbol=bars[i].symbol) for i in range(n)]
    specs = [
        OrderSpec(
            symbol=bars[i].symbol,
            side=Side.BUY if (i // len(SYMBOLS)) % 2 == 0 else Side.SELL,
            qty=Decimal(100),
        )
        for i in range(n)
    ]
    clock = SimClock(minutes[0])
    config = VenueConfig(
        seed=1,
        fill_model=FillModel.ideal(),
        calendar=calendar,
        starting_cash=Decimal(10_000_000),
    )
    broker = SimulatedBroker(clock, config)
    events = 0
    started = time.process_time()
    for i in range(n):
        clock.advance_to(minutes[i])
        broker.on_bar(bars[i])
        spec = specs[i]
        if broker.rule_breach(spec) is None:
            broker.submit(f"c{i}", spec)
        clock.advance_to(minutes[i + 1])
        broker.on_bar(nxt[i])
        broker.next_event_at()
        events += len(broker.poll_events())
    return time.process_time() - started, events


def _venue_line(quick: bool) -> str:
    n = 2_000 if quick else 20_000
    seconds, events = venue_orders(n)
    return (
        f"venue per order: {seconds / n * 1e6:.1f} us CPU (submit+match+fill; "
        f"{n:,} market orders, {events:,} events)"
    )


def run(quick: bool) -> list[str]:
    """Run the benchmark and return its report lines."""
    minutes = 10_000 if quick else 100_000
    lines = []
    for model in (FillModel.ideal(), FillModel.realistic()):
        r = _run_model(model, minutes)
        lines.append(
            f"{model.name:9s} {r['bars']:>9,.0f} bars, {r['orders']:,.0f} orders, "
            f"{r['events']:,.0f} events in {r['seconds']:.2f} s: "
            f"{r['events'] / r['seconds']:,.0f} events/s, "
            f"{r['bars'] / r['seconds']:,.0f} bars/s, "
            f"{1e6 * r['seconds'] / r['bars']:.2f} us/bar"
        )
    idle, floor = _idle_bar_cost(100_000 if quick else 1_000_000)
    lines.append(
        f"idle bar (no working order): {idle * 1e6:.2f} us vs dict floor "
        f"{floor * 1e6:.3f} us (x{idle / floor:.1f})"
    )
    lines.append(_resting_line(quick))
    lines.append(_venue_line(quick))
    return lines
